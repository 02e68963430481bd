// The cost of one app's sync does not grow with the fleet: once the worker's watches are warm, refreshing and
// syncing a new app makes no cluster-wide LIST (each would read every object of its kind in the cluster, so a
// fleet of N apps would pay N × N). Counted from outside, by a TLS proxy in front of the real API server. And a
// plain sync (one wave, no hooks, no approval) costs Temporal a few workflow tasks, not one per step, and starts
// no notification workflows for an app that subscribes to none: read from the sync's own history.
import { execFileSync } from 'node:child_process';
import { syncWorkflowId } from '../../domain/operation/types';
import { deploymentYaml } from '../fixtures/sources';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { RecordedRequest, RecordingProxy, startKubeRecorder } from '../support/recording-proxy';
import { stackEnv } from '../support/stack';

let proxy: RecordingProxy & { kubeconfig: string };
let run: E2eRun;

beforeAll(async () => {
  proxy = await startKubeRecorder(stackEnv().KUBECONFIG);
  run = new E2eRun(18830, { KUBECONFIG: proxy.kubeconfig });
  await run.start();
});

afterAll(async () => {
  await run?.stop();
  await proxy?.close();
});

const files = (mode: string) => ({
  'app/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${mode}\n`,
  'app/deployment.yaml': deploymentYaml('web', 1),
  'app/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n',
});

/** A LIST of a kind across all namespaces that is not a watch: the request whose cost grows with the cluster. */
const clusterWideList = (r: RecordedRequest) =>
  r.method === 'GET' && /^\/apis?\/(?:[^/]+\/)?[^/]+\/[a-z]+\?/.test(r.path) && !r.path.includes('watch=true') && !r.path.startsWith('/apis/sluice.dev/');

async function synced(namespace: string, name: string, revision: string): Promise<void> {
  await run.waitForOperation(namespace, name, 'Succeeded', revision);
  await eventually('Synced and Healthy', async () => {
    const app = await run.application(namespace, name);
    return app?.status?.sync?.status === 'Synced' && app?.status?.health?.status === 'Healthy' ? true : undefined;
  });
}

test('a second app is refreshed, synced and pruned with no cluster-wide LIST once the watches are warm', async () => {
  const first = await run.scenario('warm', files('first'));
  await synced(first.namespace, first.name, first.repo.git('rev-parse', 'HEAD'));

  const from = proxy.requests.length;
  const second = await run.scenario('cold', files('second'));
  await synced(second.namespace, second.name, second.repo.git('rev-parse', 'HEAD'));
  // A prune: the Service leaves the repo, and the sync deletes it.
  second.repo.commit('drop the service', { 'app/service.yaml': null });
  await appRefresh(second.namespace, second.name);
  await synced(second.namespace, second.name, second.repo.git('rev-parse', 'HEAD'));
  expect(await run.kube.get('v1', 'Service', second.namespace, 'web')).toBeUndefined();

  const requests = proxy.requests.slice(from);
  const byKind = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.method} ${r.path.replace(/\?.*/, '').replace(/namespaces\/[^/]+/, 'namespaces/*')}`;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  console.log(`API requests for the second app (create, sync, prune): ${requests.length}\n${[...byKind].map(([k, n]) => `  ${n} ${k}`).join('\n')}`);
  expect(requests.filter(clusterWideList).map((r) => r.path)).toEqual([]);

  const operationId = (await run.application(second.namespace, second.name)).status.operationState.operation.operationId;
  const { events } = await run.temporal.workflow.getHandle(syncWorkflowId(second, operationId)).fetchHistory();
  const tasks = events!.filter((e) => e.workflowTaskCompletedEventAttributes).length;
  const children = events!.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length;
  console.log(`the prune sync's history: ${events!.length} events, ${tasks} workflow tasks, ${children} child workflows`);
  expect(children).toBe(0);
  expect(tasks).toBeLessThanOrEqual(3);
});

async function appRefresh(namespace: string, name: string): Promise<void> {
  await run.appHandle(namespace, name).signal('refresh');
}

test('waiting for a wave to be Healthy reads each resource until it is Healthy, not on every poll', async () => {
  const wave = (n: number) => `  annotations: {argocd.argoproj.io/sync-wave: "${n}"}\n`;
  const files: Record<string, string> = {
    // Available only once its pod has been ready for 3 s: the wait polls several times, whatever the machine's speed.
    'app/web.yaml': deploymentYaml('web', 1).replace(/^metadata:\n/m, `metadata:\n${wave(0)}`).replace(/^spec:\n/m, 'spec:\n  minReadySeconds: 3\n'),
    'app/after.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n${wave(1)}data:\n  step: "2"\n`,
  };
  for (let i = 0; i < 10; i++) files[`app/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n${wave(0)}data:\n  i: "${i}"\n`;
  const from = proxy.requests.length;
  const app = await run.scenario('waves', files);
  await synced(app.namespace, app.name, app.repo.git('rev-parse', 'HEAD'));
  const gets = (name: string, plural: string) => proxy.requests.slice(from).filter((r) => r.method === 'GET' && r.path.startsWith(`/api${plural === 'deployments' ? 's/apps' : ''}/v1/namespaces/${app.namespace}/${plural}/${name}`)).length;
  const configMaps = Array.from({ length: 10 }, (_, i) => gets(`cm-${i}`, 'configmaps'));
  const deployment = gets('web', 'deployments');
  console.log(`GETs while syncing: Deployment/web ${deployment} (it is polled until Available), each wave-0 ConfigMap ${Math.min(...configMaps)}-${Math.max(...configMaps)}`);
  expect(Math.max(...configMaps)).toBeLessThan(deployment);
});

test('a re-sync with nothing changed dry-runs and applies nothing it knows is in sync, and still corrects what drifted', async () => {
  const wave = (n: number) => `  annotations: {argocd.argoproj.io/sync-wave: "${n}"}\n`;
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) files[`app/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n${wave(i % 2)}data:\n  i: "${i}"\n`;
  const app = await run.scenario('resync', files, { automated: false });
  const { namespace, name } = app;
  const head = app.repo.git('rev-parse', 'HEAD');
  await run.refreshed(namespace, name);
  const handle = run.appHandle(namespace, name);
  const configMapWrites = (from: number) => proxy.requests.slice(from).filter((r) => r.method === 'PATCH' && r.path.startsWith(`/api/v1/namespaces/${namespace}/configmaps/`));
  let lastSync = '';
  const resync = async (): Promise<RecordedRequest[]> => {
    await run.refreshNow(namespace, name);
    const from = proxy.requests.length;
    const { operationId, workflowId } = await handle.executeUpdate('sync', { args: [{ initiatedBy: 'alice' }] }) as { operationId: string; workflowId: string };
    lastSync = workflowId;
    await eventually('the re-sync to end', async () => {
      const state = (await run.application(namespace, name))?.status?.operationState;
      return state?.operation?.operationId === operationId && state.phase !== 'Running' ? state : undefined;
    }).then((state) => expect(state.phase).toBe('Succeeded'));
    return configMapWrites(from);
  };

  // Server-side applies, and dry-runs of them (a refresh that runs meanwhile dry-runs too: only syncs apply).
  const applies = (writes: RecordedRequest[]) => writes.filter((r) => !r.path.includes('dryRun=All')).map((r) => r.path.replace(/\?.*/, '').replace(/.*\//, ''));
  const dryRuns = (writes: RecordedRequest[]) => writes.filter((r) => r.path.includes('dryRun=All')).map((r) => r.path.replace(/\?.*/, '').replace(/.*\//, ''));
  const cold = await resync();
  await synced(namespace, name, head);
  // The first sync creates all 20.
  expect(applies(cold)).toHaveLength(20);

  const again = await resync();
  console.log(`ConfigMap writes: first sync ${cold.length}, no-change re-sync ${again.length}`);
  expect(again.map((r) => r.path)).toEqual([]);
  // Nothing changed and all of it is Healthy in the cache: no wave waits for health (each wait is an activity).
  const healthWaits = async () => ((await run.temporal.workflow.getHandle(lastSync).fetchHistory()).events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitStepHealthy').length;
  expect(await healthWaits()).toBe(0);

  // Someone edits one by hand: that one is dry-run and applied again, and put back; the other 19 are still left alone.
  execFileSync(stackEnv().SLUICE_KUBECTL, ['--kubeconfig', stackEnv().KUBECONFIG, 'patch', 'configmap', 'cm-3', '-n', namespace, '--type', 'merge', '-p', '{"data":{"i":"edited"}}']);
  const drifted = await resync();
  expect(applies(drifted)).toEqual(['cm-3']);
  // cm-3 is in wave 1: that wave waits for health, wave 0 (unchanged, Healthy) does not.
  expect(await healthWaits()).toBe(1);
  expect([...new Set(dryRuns(drifted))]).toEqual(['cm-3']);
  expect(((await run.kube.get('v1', 'ConfigMap', namespace, 'cm-3'))?.data as Record<string, string>).i).toBe('3');
});
