// End to end: a refresh that finds nothing changed writes nothing and makes at most 2 API requests (issue 11),
// counted by the worker's own sluice_kube_request_total; drift is still noticed and healed afterwards.
import { execFileSync } from 'node:child_process';
import { deploymentYaml } from '../fixtures/sources';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const PORT = 18800;
const run = new E2eRun(PORT);
const { kube, scenario, waitForOperation, application, appHandle, env } = run;

beforeAll(() => run.start());
afterAll(() => run.stop());

const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Kube requests by verb, and how many refreshes have ended, as the worker's /metrics reports them. */
async function scrape(): Promise<{ requests: Record<string, number>; refreshes: number; counted: number }> {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  const requests: Record<string, number> = {};
  for (const m of text.matchAll(/^sluice_kube_request_total\{verb="([A-Z]+)",code="\d+"\} (\d+)/gm)) requests[m[1]] = (requests[m[1]] ?? 0) + Number(m[2]);
  const refreshes = Number(/^sluice_app_reconcile_duration_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
  // The worker's own per-refresh count (sluice_app_reconcile_kube_requests), summed over all refreshes.
  const counted = Number(/^sluice_app_reconcile_kube_requests_sum (\d+)/m.exec(text)?.[1] ?? 0);
  return { requests, refreshes, counted };
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const verb of Object.keys(after)) if (after[verb] !== (before[verb] ?? 0)) out[verb] = after[verb] - (before[verb] ?? 0);
  return out;
}

const quiet = () => new Promise((resolve) => setTimeout(resolve, 2000));

const files = {
  'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: noop\n',
  'app/deployment.yaml': deploymentYaml('web', 2),
  'app/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n',
};

test('a no-op refresh writes nothing and makes at most 2 API requests; a kubectl scale is still healed', async () => {
  const { namespace, name, repo } = await scenario('noop', files);
  await waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
  await eventually('the app to be Synced and Healthy', async () => {
    const app = await application(namespace, name);
    return app?.status?.sync?.status === 'Synced' && app?.status?.health?.status === 'Healthy' ? app : undefined;
  });
  await quiet(); // the refreshes the sync and the Deployment's rollout set off

  const perRefresh: Array<Record<string, number>> = [];
  // A window counts only if one refresh ended in it and the worker attributes every request in it to that
  // refresh. Under load a late status update of the Deployment can set off a refresh of its own, running
  // across the window's edge; such windows are measured again, a few times at most.
  for (let attempt = 0; perRefresh.length < 3; attempt++) {
    expect(attempt).toBeLessThan(8);
    const before = await scrape();
    const cr = await application(namespace, name);
    await appHandle(namespace, name).signal('refresh');
    await eventually('the refresh to end', async () => ((await scrape()).refreshes > before.refreshes ? true : undefined), 30_000);
    await quiet();
    const after = await scrape();
    const requests = delta(before.requests, after.requests);
    if (after.refreshes !== before.refreshes + 1 || after.counted - before.counted !== Object.values(requests).reduce((a, b) => a + b, 0)) continue;
    perRefresh.push({ ...requests, crWritten: Number((await application(namespace, name)).metadata.resourceVersion !== cr.metadata.resourceVersion) });
  }
  console.log(`API requests per no-op refresh, by verb: ${perRefresh.map((r) => JSON.stringify(r)).join(' ')}`);
  for (const { crWritten, ...requests } of perRefresh) {
    expect(crWritten).toBe(0);
    expect(WRITES.filter((verb) => requests[verb])).toEqual([]);
    expect(Object.values(requests).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
  }

  // Drift after all those cached comparisons: still seen (by the watch) and healed.
  const healedBefore = (await application(namespace, name)).status.operationState.finishedAt;
  execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, 'scale', 'deployment/web', '-n', namespace, '--replicas=5']);
  await eventually('the scaled Deployment to be healed back to 2 replicas', async () => {
    const web = await kube.get('apps/v1', 'Deployment', namespace, 'web');
    return (web?.spec as any).replicas === 2 ? web : undefined;
  }, 30_000);
  // The heal was a sync of its own, recorded once it ended.
  await eventually('the self-heal sync to be recorded', async () => {
    const op = (await application(namespace, name))?.status?.operationState;
    return op?.phase === 'Succeeded' && op.finishedAt !== healedBefore ? true : undefined;
  }, 30_000);
});
