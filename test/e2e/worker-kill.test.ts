// End to end (issue 14, "Worker killed"): the worker is SIGKILLed at seeded random points while an app with a
// PreSync hook, three waves and a PostSync hook syncs, then restarted; 10 runs with one worker, then 5 with two
// workers where one of them is killed. For every run, a watch on the namespace (started before the first run)
// records each object's creation as the API server saw it (its resourceVersion, one counter for the whole
// etcd), so the test asserts, from outside Sluice: the sync completed at the run's commit, each hook Job of that
// operation was created exactly once, and the steps were created in order (PreSync, wave 1, 2, 3, PostSync).
// The seed is printed; SLUICE_KILL_SEED repeats a run.
import { Watch } from '../../activities/cluster/k8s';
import { KubeObject } from '../../domain/resource/types';
import { hookJob } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { startWorker, WorkerProcess } from '../support/worker';

const run = new E2eRun(18780);
const seed = Number(process.env.SLUICE_KILL_SEED ?? Date.now() % 100_000);
let rng = seed;
/** A small deterministic generator (LCG), so a failing seed can be run again. */
const random = () => ((rng = (rng * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

interface Created { kind: string; name: string; rv: number; operation?: string }
const created: Created[] = [];
let interrupted = 0;
const stopWatches: (() => void)[] = [];
let second: WorkerProcess | undefined;

beforeAll(() => run.start());
afterAll(async () => {
  for (const stop of stopWatches) stop();
  await second?.stop();
  await run.stop();
});

const OPERATION = 'sluice.dev/operation-id';
const hook = (name: string, phase: string) => hookJob(name, phase, { deletePolicy: 'BeforeHookCreation' });
const configMap = (name: string, wave: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  annotations: {argocd.argoproj.io/sync-wave: "${wave}"}\ndata: {wave: "${wave}"}\n`;
const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations: {argocd.argoproj.io/sync-wave: "3"}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: web, image: nginx}]}
`;
/** Run n's objects have names of their own, so every run creates each of them (and prunes run n-1's). */
const files = (n: number) => ({
  'app/presync.yaml': hook('migrate', 'PreSync'), 'app/postsync.yaml': hook('smoke', 'PostSync'),
  'app/one.yaml': configMap(`one-r${n}`, 1), 'app/two.yaml': configMap(`two-r${n}`, 2), 'app/web.yaml': deployment(`web-r${n}`),
});

async function watchCreations(namespace: string): Promise<void> {
  for (const path of [`/apis/batch/v1/namespaces/${namespace}/jobs`, `/api/v1/namespaces/${namespace}/configmaps`, `/apis/apps/v1/namespaces/${namespace}/deployments`]) {
    const controller = await new Watch(run.kc).watch(path, {}, (type: string, obj: KubeObject) => {
      if (type !== 'ADDED') return;
      created.push({ kind: obj.kind ?? path.split('/').pop()!, name: obj.metadata.name!, rv: Number(obj.metadata.resourceVersion), operation: obj.metadata.annotations?.[OPERATION] });
    }, () => undefined);
    stopWatches.push(() => controller.abort());
  }
}

async function syncWithKills(namespace: string, name: string, repo: Awaited<ReturnType<typeof run.repo>>, n: number, kill: () => Promise<string>): Promise<string> {
  const sha = await run.push(repo, namespace, name, `run ${n}`, files(n));
  // The kill falls inside the sync: a random point up to 1.5 s after the CR first shows it Running.
  await eventually(`the sync of run ${n} to start`, async () => {
    const op = (await run.application(namespace, name))?.status?.operationState;
    return op?.operation?.sync?.revision === sha ? true : undefined;
  }, 60_000);
  const delay = Math.floor(random() * 1500);
  await new Promise((resolve) => setTimeout(resolve, delay));
  const phaseAtKill = (await run.application(namespace, name))?.status?.operationState;
  if (phaseAtKill?.phase === 'Running') interrupted += 1;
  const killed = await kill();
  const done = await run.waitForOperation(namespace, name, 'Succeeded', sha, 120_000);
  const operation = done.status.operationState.operation.operationId;
  const ours = (kind: string, prefix: string) => created.filter((c) => c.kind === kind && c.name.startsWith(prefix));
  const hooksOf = (job: string) => created.filter((c) => c.name === job && c.operation === operation);
  const order = [hooksOf('migrate')[0], ...['one', 'two'].map((p) => ours('ConfigMap', `${p}-r${n}`)[0]), ours('Deployment', `web-r${n}`)[0], hooksOf('smoke')[0]];
  console.log(`run ${n}: killed ${killed} ${delay} ms into the sync (operation then ${phaseAtKill?.operation?.operationId ?? '-'} ${phaseAtKill?.phase ?? '-'}); ended ${operation}; created at ${order.map((c) => c?.rv ?? 'never').join(' < ')}`);
  expect(hooksOf('migrate')).toHaveLength(1);
  expect(hooksOf('smoke')).toHaveLength(1);
  for (const c of order) expect(c).toBeDefined();
  const rvs = order.map((c) => c!.rv);
  expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  for (const [kind, prefix] of [['ConfigMap', `one-r${n}`], ['ConfigMap', `two-r${n}`], ['Deployment', `web-r${n}`]]) expect(ours(kind, prefix)).toHaveLength(1);
  return operation;
}

test(`SIGKILL at random points (seed ${seed}): 10 runs with one worker, then 4 with two workers killing one; every sync completes, each hook once, steps in order`, async () => {
  const namespace = await run.namespace('kill');
  await watchCreations(namespace);
  const { name, repo } = await (async () => {
    const repo = await run.repo('kill');
    repo.commit('run 0', files(0));
    const { applicationManifest } = await import('../fixtures/gitops');
    await run.kube.create(applicationManifest({ name: namespace, namespace, repoURL: repo.url, destination: namespace, runId: run.runId }) as unknown as KubeObject);
    return { name: namespace, repo };
  })();
  await run.waitForOperation(namespace, name, 'Succeeded', undefined, 90_000);

  const operations = new Set<string>();
  for (let n = 1; n <= 10; n += 1) {
    operations.add(await syncWithKills(namespace, name, repo, n, async () => {
      await run.restartWorker('SIGKILL');
      return 'the worker';
    }));
  }
  second = await startWorker({ ...run.workerEnv, SLUICE_HTTP_PORT: '0', SLUICE_TEMPORAL_METRICS_ADDRESS: '' });
  for (let n = 11; n <= 14; n += 1) {
    operations.add(await syncWithKills(namespace, name, repo, n, async () => {
      if (n % 2 === 0) {
        await run.restartWorker('SIGKILL');
        return 'worker 1 of 2';
      }
      await second!.stop('SIGKILL');
      second = await startWorker({ ...run.workerEnv, SLUICE_HTTP_PORT: '0', SLUICE_TEMPORAL_METRICS_ADDRESS: '' });
      return 'worker 2 of 2';
    }));
  }
  console.log(`${interrupted} of 14 kills fell while the sync was Running; 14 syncs completed`);
  expect(operations.size).toBe(14);
  expect(interrupted).toBeGreaterThanOrEqual(10);
}, 900_000);
