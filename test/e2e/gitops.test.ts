// End to end on the local stack: a git push is the trigger, the real worker (a child process) runs the
// workflows on the Temporal dev server, and the real API server (with kwok) runs the result.
import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyObjects } from '../../activities/cluster/apply';
import { KubeClient } from '../../activities/cluster/kube-client';
import { KubeObject } from '../../domain/resource/types';
import { applicationWorkflowId } from '../../domain/operation/types';
import { applicationManifest, wavesApp } from '../fixtures/gitops';
import { TestRepo } from '../support/git';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../support/kube';
import { repoRoot, stackEnv } from '../support/stack';
import { startWorker, WorkerProcess } from '../support/worker';

const env = stackEnv();
const kc = kubeConfig();
const kube = KubeClient.fromFile(env.KUBECONFIG);
const runId = randomBytes(4).toString('hex');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-'));
const workerEnv = {
  SLUICE_APP_SELECTOR: `sluice.dev/test-run=${runId}`, SLUICE_TASK_QUEUE: `sluice-e2e-${runId}`, SLUICE_NAMESPACE: 'default',
  SLUICE_REFRESH_INTERVAL: '3s', SLUICE_REFRESH_JITTER: '500ms',
  SLUICE_REPO_CACHE: path.join(scratch, 'repos'), SLUICE_RENDER_CACHE: path.join(scratch, 'rendered'),
};
const namespaces: string[] = [];
const repos: TestRepo[] = [];
let worker: WorkerProcess;
let temporal: Client;
let connection: Connection;

beforeAll(async () => {
  const crdDir = path.join(repoRoot, 'deploy/crds');
  const crds = fs.readdirSync(crdDir).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(crdDir, f), 'utf8')).map((d) => d.toJS() as KubeObject));
  await applyObjects(kube, crds);
  worker = await startWorker(workerEnv);
  connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  temporal = new Client({ connection });
});

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  for (const r of repos) r.cleanup();
  await Promise.all(namespaces.map((ns) => deleteNamespace(kc, ns)));
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function scenario(prefix: string, files: Record<string, string>, manifest: Partial<Parameters<typeof applicationManifest>[0]> = {}) {
  const namespace = await createTestNamespace(kc, prefix);
  namespaces.push(namespace);
  const repo = await TestRepo.create(prefix);
  repos.push(repo);
  repo.commit('initial', files);
  const name = namespace;
  await kube.create(applicationManifest({ name, namespace, repoURL: repo.url, destination: namespace, runId, ...manifest }) as unknown as KubeObject);
  return { namespace, name, repo };
}

async function application(namespace: string, name: string): Promise<any> {
  return kube.get('sluice.dev/v1alpha1', 'Application', namespace, name);
}

function waitForOperation(namespace: string, name: string, phase: string, revision?: string, timeoutMs = 90_000): Promise<any> {
  return eventually(`Application ${namespace}/${name} operation ${phase}${revision ? ` at ${revision.slice(0, 8)}` : ''}`, async () => {
    const app = await application(namespace, name);
    const op = app?.status?.operationState;
    if (op?.phase === phase && (!revision || op.syncResult?.revision === revision)) return app;
    return undefined;
  }, timeoutMs);
}

const created = (obj: KubeObject | undefined) => Date.parse(obj!.metadata.creationTimestamp!);

test('waves and hooks run in order: PreSync Job, wave 1 ConfigMap, wave 2 Deployment, then PostSync after the Deployment is Available', async () => {
  const { namespace, name, repo } = await scenario('waves', wavesApp());
  const head = repo.git('rev-parse', 'HEAD');
  const app = await waitForOperation(namespace, name, 'Succeeded', head);
  expect(app.status.history.map((h: any) => h.revision)).toEqual([head]);

  const [migrate, settings, web, smoke] = await Promise.all([
    kube.get('batch/v1', 'Job', namespace, 'migrate'), kube.get('v1', 'ConfigMap', namespace, 'settings'),
    kube.get('apps/v1', 'Deployment', namespace, 'web'), kube.get('batch/v1', 'Job', namespace, 'smoke'),
  ]);
  expect(created(migrate)).toBeLessThanOrEqual(created(settings));
  expect(created(settings)).toBeLessThanOrEqual(created(web));
  const available = (web!.status as any).conditions.find((c: any) => c.type === 'Available' && c.status === 'True');
  expect(created(smoke)).toBeGreaterThanOrEqual(Date.parse(available.lastTransitionTime));
  // The PreSync Job had completed before wave 1 began.
  const migrateDone = (migrate!.status as any).conditions.find((c: any) => c.type === 'Complete');
  expect(Date.parse(migrateDone.lastTransitionTime)).toBeLessThanOrEqual(created(settings));
  // The SyncFail hook never ran.
  expect(await kube.get('batch/v1', 'Job', namespace, 'notify-failure')).toBeUndefined();
  // The whole story is in Temporal: the app workflow's status names the synced revision.
  const status = await temporal.workflow.getHandle(applicationWorkflowId({ namespace, name })).query('status');
  expect((status as any).state.lastSyncedRevision).toBe(head);
});
