// A fleet of 50 Applications from ONE repository (issue 11): the cost of a refresh must not grow with the
// fleet. The structure of the work is read from the worker's /metrics: how many times the repo was fetched,
// how many checkouts were written, how many renders ran. A commit touching one app re-renders only that app.
import { applicationManifest } from '../fixtures/gitops';
import { deploymentYaml } from '../fixtures/sources';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const FLEET = 50;
// Revisions are cached for 10 s, as in production: the webhook below is what makes the push seen at once.
// A workflow cache far smaller than the fleet (10 for 50 apps and their syncs): app and sync workflows are evicted
// and replayed all through the test, as a big fleet's are at the default cache, and the fleet must still converge
// with the same structure.
const run = new E2eRun(18700, { SLUICE_REVISION_TTL: '10s', SLUICE_MAX_CACHED_WORKFLOWS: '10' });

beforeAll(() => run.start());
afterAll(() => run.stop());

const appName = (i: number) => `app-${String(i).padStart(2, '0')}`;
const configMap = (i: number, mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${appName(i)}\ndata:\n  mode: ${mode}\n`;

/** The worker's structural counters (every series of each summed), read from its /metrics. */
async function counters(): Promise<Record<'fetches' | 'lsRemotes' | 'checkouts' | 'rendered' | 'cacheHits', number>> {
  const text = await (await fetch(`http://127.0.0.1:${run.httpPort}/metrics`)).text();
  const sum = (name: string, labels = '') => text.split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((total, line) => total + Number(line.split(' ').pop()), 0);
  return {
    fetches: sum('sluice_git_fetch_total'), lsRemotes: sum('sluice_git_ls_remote_total'), checkouts: sum('sluice_checkout_total'),
    rendered: sum('sluice_render_total', 'result="rendered"'), cacheHits: sum('sluice_render_total', 'result="cache_hit"'),
  };
}

/** Workflows the SDK evicted from its full cache, read from its own metrics (SLUICE_TEMPORAL_METRICS_ADDRESS). */
async function forcedEvictions(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${run.httpPort + 1}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('temporal_sticky_cache_total_forced_eviction')).reduce((total, line) => total + Number(line.split(' ').pop()), 0);
}

test(`${FLEET} apps from one repo: the repo is fetched a few times, checked out once, rendered once per app; a commit to one app re-renders only it`, async () => {
  const namespace = await run.namespace('fleet');
  const repo = await run.repo('fleet');
  const files: Record<string, string> = {};
  for (let i = 0; i < FLEET; i++) {
    files[`apps/${appName(i)}/config.yaml`] = configMap(i, 'one');
    files[`apps/${appName(i)}/deployment.yaml`] = deploymentYaml(`web-${appName(i)}`, 1);
  }
  const first = repo.commit('fleet', files);

  const started = Date.now();
  await Promise.all(Array.from({ length: FLEET }, (_, i) => run.kube.create(applicationManifest({
    name: appName(i), namespace, repoURL: repo.url, path: `apps/${appName(i)}`, destination: namespace, runId: run.runId,
  }) as never)));
  const settled = (revision: string) => async () => {
    const apps = await run.kube.list('sluice.dev/v1alpha1', 'Application', { namespace }) as any[];
    const done = apps.filter((a) => a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy' && a.status?.sync?.revision === revision);
    return done.length === FLEET ? done : undefined;
  };
  await eventually(`${FLEET} apps Synced and Healthy`, settled(first), 150_000);
  const wall = Date.now() - started;
  const before = await counters();
  console.log(`fleet of ${FLEET}: Synced and Healthy after ${(wall / 1000).toFixed(1)} s; ${JSON.stringify(before)}`);

  // The cache was full all along: workflows were evicted (and replayed at their next task), many times over.
  const evicted = await forcedEvictions();
  console.log(`workflows evicted from the worker's cache of 10: ${evicted}`);
  expect(evicted).toBeGreaterThan(FLEET);
  expect(before.fetches).toBeLessThanOrEqual(3);
  expect(before.checkouts).toBe(1);
  expect(before.rendered).toBe(FLEET);

  // One commit touching one app, announced by the generic webhook: every app refreshes, one renders.
  const changed = 7;
  const second = repo.commit('one app changes', { [`apps/${appName(changed)}/config.yaml`]: configMap(changed, 'two') });
  const pushed = Date.now();
  const response = await fetch(`http://127.0.0.1:${run.httpPort}/api/webhook`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sluice-Token': run.webhookSecret }, body: JSON.stringify({ repoURL: repo.url, revision: 'main' }),
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { refreshed: string[] }).refreshed).toHaveLength(FLEET);
  await eventually(`ConfigMap cm-${appName(changed)} to carry the change`, async () => {
    const cm = (await run.kube.get('v1', 'ConfigMap', namespace, `cm-${appName(changed)}`)) as any;
    return cm?.data?.mode === 'two' ? cm : undefined;
  }, 90_000);
  await eventually(`${FLEET} apps Synced and Healthy at the new commit`, settled(second), 90_000);
  const after = await counters();
  console.log(`one commit: all apps at it after ${((Date.now() - pushed) / 1000).toFixed(1)} s; ${JSON.stringify(after)}`);

  expect(after.fetches - before.fetches).toBe(1);
  expect(after.checkouts - before.checkouts).toBe(1);
  expect(after.rendered - before.rendered).toBe(1);
  expect(after.cacheHits - before.cacheHits).toBeGreaterThanOrEqual(FLEET - 1);
}, 300_000);
