// End to end (issue 14, "Temporal restarted"): a private Temporal dev server on a SQLite file (never the shared
// stack's, which other tests use) is stopped in the middle of a wave and started again on the same file and port;
// the sync resumes and completes, and the worker and the CLI reconnect by themselves.
// The app has a PreSync hook, a wave 1 ConfigMap, a wave 2 Job whose pod needs a node label the test adds later
// (a gate: the sync waits in wave 2 until it is opened), and a PostSync hook. Two rounds, each a manual sync:
// 1. `sluice app sync` (following, not --async) starts it; with the sync waiting at the gate the server gets
//    SIGTERM and stays down; it comes back on the same file; the gate opens; the same CLI process reports success.
// 2. the same with SIGKILL, the sync started by `app sync --async`; right after the restart another
//    `app sync --async` is answered (refused: a sync is running).
// A watch on the namespace counts creations as the API server saw them: each hook Job once per operation, each
// step's object once. The worker keeps its pid throughout: it was never restarted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Watch } from '../../activities/cluster/k8s';
import { KubeObject } from '../../domain/resource/types';
import { syncProgressQuery } from '../../workflows/sync';
import { applicationManifest, hookJob } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { DevServer, startDevServer } from '../support/temporal-dev-server';

const run = new E2eRun(18760);
const NODE = 'kwok-node-0';
/**
 * How long the server stays down in each round. Round 1's outage outlasts the Temporal client's own gRPC retries
 * (10 attempts, about 20 s in all), so the following CLI must keep following by itself; SLUICE_TEMPORAL_DOWN_MS
 * sets both, to try other outages.
 */
const DOWN_MS = process.env.SLUICE_TEMPORAL_DOWN_MS ? [Number(process.env.SLUICE_TEMPORAL_DOWN_MS), Number(process.env.SLUICE_TEMPORAL_DOWN_MS)] : [25_000, 7_000];
const OPERATION = 'sluice.dev/operation-id';
const gate = (n: number) => `sluice.dev/gate-${run.runId}-r${n}`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-temporal-restart-'));
const dbFilename = path.join(scratch, 'temporal.db');
let server: DevServer;

interface Created { kind: string; name: string; uid: string; operation?: string }
const created: Created[] = [];
const stopWatches: (() => void)[] = [];

const configMap = (n: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one-r${n}\n  annotations: {argocd.argoproj.io/sync-wave: "1"}\ndata: {round: "${n}"}\n`;
/** Healthy only once its pod ran, and its pod is scheduled only once the node has the round's gate label. */
const gatedJob = (n: number) => `apiVersion: batch/v1
kind: Job
metadata:
  name: gated-r${n}
  annotations: {argocd.argoproj.io/sync-wave: "2"}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {${gate(n)}: open}
      containers: [{name: main, image: busybox, command: ["true"]}]
`;
const files = (n: number) => ({
  'app/presync.yaml': hookJob('migrate', 'PreSync', { deletePolicy: 'BeforeHookCreation' }),
  'app/postsync.yaml': hookJob('smoke', 'PostSync', { deletePolicy: 'BeforeHookCreation' }),
  'app/one.yaml': configMap(n), 'app/gated.yaml': gatedJob(n),
});

const labelNode = (labels: Record<string, string | null>) =>
  run.kube.request('PATCH', `/api/v1/nodes/${NODE}`, { body: { metadata: { labels } }, contentType: 'application/merge-patch+json' });

beforeAll(async () => {
  server = await startDevServer([], { dbFilename });
  run.temporalAddress = run.workerEnv.TEMPORAL_ADDRESS = server.address;
  await run.start();
});
afterAll(async () => {
  for (const stop of stopWatches) stop();
  await labelNode({ [gate(1)]: null, [gate(2)]: null }).catch(() => undefined);
  await run.stop();
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function watchCreations(namespace: string): Promise<void> {
  for (const p of [`/apis/batch/v1/namespaces/${namespace}/jobs`, `/api/v1/namespaces/${namespace}/configmaps`]) {
    const controller = await new Watch(run.kc).watch(p, {}, (type: string, obj: KubeObject) => {
      if (type === 'ADDED') created.push({ kind: p.endsWith('jobs') ? 'Job' : 'ConfigMap', name: obj.metadata.name!, uid: obj.metadata.uid!, operation: obj.metadata.annotations?.[OPERATION] });
    }, () => undefined);
    stopWatches.push(() => controller.abort());
  }
}

/** The running sync once it waits at round n's gate: wave 2 applied, its Job created, the progress at Sync/2. */
async function waitingAtGate(namespace: string, name: string, n: number): Promise<{ operationId: string; workflowId: string }> {
  const operationId = await eventually(`round ${n}'s sync to wait in wave 2`, async () => {
    const op = (await run.application(namespace, name))?.status?.operationState;
    const gated = op?.syncResult?.resources?.find((r: { kind: string; name: string }) => r.kind === 'Job' && r.name === `gated-r${n}`);
    return op?.phase === 'Running' && gated && created.some((c) => c.name === `gated-r${n}`) ? String(op.operation.operationId) : undefined;
  }, 60_000);
  const workflowId = `sluice-sync/${namespace}/${name}/${operationId}`;
  const progress = await run.temporal.workflow.getHandle(workflowId).query(syncProgressQuery);
  expect(progress).toMatchObject({ operationId, phase: 'Running', step: 'Sync/2' });
  return { operationId, workflowId };
}

/** Stops the server with `signal`, keeps it down, starts it again on the same file and ports: the figures. */
async function restartServer(signal: NodeJS.Signals, downMs: number): Promise<{ downMs: number; stopMs: number; bootMs: number; back: number }> {
  const pid = server.pid;
  const stopped = Date.now();
  await server.stop(signal);
  const exited = Date.now();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  const booting = Date.now();
  server = await startDevServer([], { dbFilename, ports: server.ports });
  expect(server.pid).not.toBe(pid);
  expect(server.address).toBe(run.temporalAddress);
  const back = Date.now();
  return { downMs: back - stopped, stopMs: exited - stopped, bootMs: back - booting, back };
}

/** How long after the server is back the worker answers a query on the sync again (it polls by itself). */
async function resumed(workflowId: string, since: number): Promise<number> {
  await eventually('the worker to answer a query after the restart', () => run.temporal.workflow.getHandle(workflowId).query(syncProgressQuery), 60_000);
  return Date.now() - since;
}

/**
 * The sync's health-wait activities, from its history: how many, and their attempts beyond the first (an attempt
 * whose heartbeat lapsed while the server was down is retried; Temporal records only the last attempt's events).
 */
async function waitActivity(workflowId: string): Promise<{ activities: number; retries: number }> {
  const events = (await run.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const waits = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitStepHealthy').map((e) => String(e.eventId)));
  const attempts = events.map((e) => e.activityTaskStartedEventAttributes).filter((a) => a && waits.has(String(a.scheduledEventId))).map((a) => a!.attempt ?? 1);
  return { activities: waits.size, retries: attempts.reduce((sum, a) => sum + a - 1, 0) };
}

function expectOnce(n: number, operationId: string): void {
  const hooks = (job: string) => created.filter((c) => c.kind === 'Job' && c.name === job && c.operation === operationId);
  expect(hooks('migrate')).toHaveLength(1);
  expect(hooks('smoke')).toHaveLength(1);
  expect(created.filter((c) => c.name === `one-r${n}`)).toHaveLength(1);
  expect(created.filter((c) => c.name === `gated-r${n}`)).toHaveLength(1);
}

test('the Temporal server stopped mid-wave (SIGTERM, then SIGKILL) and started again on its SQLite file: the syncs resume and complete, each hook once; the worker and the CLI reconnect by themselves', async () => {
  const workerPid = run.worker.pid;
  const namespace = await run.namespace('trestart');
  await watchCreations(namespace);
  const repo = await run.repo('trestart');
  repo.commit('round 1', files(1));
  const name = namespace;
  await run.kube.create(applicationManifest({ name, namespace, repoURL: repo.url, destination: namespace, runId: run.runId, automated: false }) as unknown as KubeObject);
  await run.refreshed(namespace, name);

  // Round 1: SIGTERM, with a following `app sync` connected across the restart.
  const following = run.sluiceAsync({}, 'app', 'sync', name, '-n', namespace);
  const first = await waitingAtGate(namespace, name, 1);
  const r1 = await restartServer('SIGTERM', DOWN_MS[0]);
  const r1Resume = await resumed(first.workflowId, r1.back);
  const history = run.sluice(namespace, 'app', 'history', name);
  expect(history.code).toBe(0);
  expect(history.out).toMatch(/Running/);
  await labelNode({ [gate(1)]: 'open' });
  const gateOpened1 = Date.now();
  const done1 = await run.waitForOperation(namespace, name, 'Succeeded', undefined, 60_000);
  const r1Complete = Date.now() - gateOpened1;
  expect(done1.status.operationState.operation.operationId).toBe(first.operationId);
  const cli = await following;
  if (cli.code !== 0) throw new Error(`the following \`sluice app sync\` exited ${cli.code}:\n${cli.out.split('\n').filter((l) => /\w/.test(l)).slice(-4).join('\n')}`);
  expect(cli.out).toContain(`operation ${first.operationId}`);
  // It lost the server for longer than the client's retries last, said so, and kept following.
  if (DOWN_MS[0] > 20_000) expect(cli.out).toMatch(/Temporal is unreachable .*still following[\s\S]*Temporal answers again/);
  expectOnce(1, first.operationId);
  const wait1 = await waitActivity(first.workflowId);

  // Round 2: SIGKILL, the sync started with --async; another request right after the restart is answered.
  await run.push(repo, namespace, name, 'round 2', files(2));
  await eventually('round 2 to be seen', async () => ((await run.application(namespace, name))?.status?.sync?.status === 'OutOfSync' ? true : undefined), 60_000);
  const started = run.sluice(namespace, 'app', 'sync', name, '--async');
  expect(started.code).toBe(0);
  const second = await waitingAtGate(namespace, name, 2);
  expect(started.out).toContain(`operation ${second.operationId}`);
  const r2 = await restartServer('SIGKILL', DOWN_MS[1]);
  const asked = run.sluiceAsync({}, 'app', 'sync', name, '-n', namespace, '--async');
  const r2Resume = await resumed(second.workflowId, r2.back);
  const again = await asked;
  const r2Answer = Date.now() - r2.back;
  expect(again.code).toBe(2);
  expect(again.out).toMatch(/sync refused: .*(in progress|running)/i);
  await labelNode({ [gate(2)]: 'open' });
  const gateOpened2 = Date.now();
  const done2 = await run.waitForOperation(namespace, name, 'Succeeded', undefined, 60_000);
  const r2Complete = Date.now() - gateOpened2;
  expect(done2.status.operationState.operation.operationId).toBe(second.operationId);
  expectOnce(2, second.operationId);
  const wait2 = await waitActivity(second.workflowId);

  const list = run.sluice(namespace, 'app', 'history', name);
  expect(list.code).toBe(0);
  expect(list.out.match(/Succeeded/g)).toHaveLength(2);
  // The worker was never restarted: it reconnected by itself.
  expect(run.worker.pid).toBe(workerPid);
  expect(() => process.kill(workerPid, 0)).not.toThrow();
  const hookJobs = created.filter((c) => c.name === 'migrate' || c.name === 'smoke');
  console.log([
    `round 1 (SIGTERM): down ${r1.downMs} ms (stop ${r1.stopMs}, boot ${r1.bootMs}); the worker answered a query ${r1Resume} ms after the server was back; gate open to Succeeded ${r1Complete} ms; health waits ${wait1.activities}, retried ${wait1.retries}`,
    `round 2 (SIGKILL): down ${r2.downMs} ms (stop ${r2.stopMs}, boot ${r2.bootMs}); the worker answered a query ${r2Resume} ms after, a CLI sync --async issued at once was answered ${r2Answer} ms after (after its 10 s wait for the running sync: ${again.out.trim()}); gate open to Succeeded ${r2Complete} ms; health waits ${wait2.activities}, retried ${wait2.retries}`,
    `2 syncs interrupted, 2 completed (same operation ids); hook Jobs created ${hookJobs.length} for 2 operations x 2 hooks (duplicates ${hookJobs.length - 4}); worker pid ${workerPid} throughout`,
  ].join('\n'));
}, 120_000 + DOWN_MS[0] + DOWN_MS[1]);
