// A sync's status write for an app of 5,000 resources, against the real API server (issue 14's "5,000
// resources in one app"): it used to be refused with a 500 ("etcdserver: request is too large": the CR over
// etcd's 1.5 MiB limit) on every attempt, so the sync never got past its first write. Now the lists are
// bounded, a write refused for its size is made again shorter, and one that cannot fit fails for good.
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { parseAllDocuments } from 'yaml';
import { applyObjects } from '../../../activities/cluster/apply';
import { KubeClient } from '../../../activities/cluster/kube-client';
import { Engine } from '../../../activities/engine';
import { recordOperation } from '../../../activities/operation-status';
import { patchStatus } from '../../../activities/application-resource';
import { AppRef, SyncProgress, TaskProgress } from '../../../domain/operation/types';
import { KubeObject } from '../../../domain/resource/types';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';
import { stackEnv } from '../../support/stack';

const client = KubeClient.fromFile(stackEnv().KUBECONFIG);
const engine = new Engine(client);
const kc = kubeConfig();
const COUNT = 5000;
let namespace: string;

beforeAll(async () => {
  const dir = path.join(__dirname, '../../../deploy/crds');
  const crds = ['application.sluice.dev.yaml', 'application.argoproj.io.yaml'].flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS() as KubeObject));
  await applyObjects(client, crds);
  namespace = await createTestNamespace(kc, 'opstatus');
});
afterAll(() => deleteNamespace(kc, namespace));

const appRef = (name: string): AppRef => ({ group: 'sluice.dev', namespace, name });
async function createApp(name: string, spec: Record<string, unknown> = {}): Promise<void> {
  await client.create({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name, namespace },
    spec: { project: 'default', source: { repoURL: 'http://git.example/repo.git', path: 'app', targetRevision: 'main', ...spec }, destination: { server: 'https://kubernetes.default.svc', namespace } },
  } as unknown as KubeObject);
}
// Long names, as a real app has them: `ConfigMap/<namespace>/<name>`, both 30-odd characters.
const cmName = (i: number) => `settings-for-the-backend-service-${String(i).padStart(5, '0')}`;
const progress = (status: TaskProgress['status']): SyncProgress => ({
  operationId: 'op-1', revision: 'a'.repeat(40), attempt: 1, phase: 'Running', step: 'Sync/0', startedAt: new Date().toISOString(),
  tasks: Array.from({ length: COUNT }, (_, i) => ({ subject: `ConfigMap/${namespace}/${cmName(i)}`, action: 'apply', phase: 'Sync', wave: 0, status: i === 4321 ? 'Failed' : status })),
});
// What a refresh by a worker without bounds wrote: every resource in status.resources.
const allResources = () => Array.from({ length: COUNT }, (_, i) => ({ group: '', version: 'v1', kind: 'ConfigMap', namespace, name: cmName(i), status: 'Synced', health: { status: 'Healthy' } }));

test(`a status write for ${COUNT} resources, beside a status.resources of ${COUNT}, is written, bounded`, async () => {
  await createApp('big');
  await patchStatus(client, appRef('big'), { resources: allResources() });
  const started = Date.now();
  await recordOperation(engine, { app: appRef('big'), progress: progress('Running'), initiatedBy: { username: 'test', automated: false } });
  const cr = await client.get('sluice.dev/v1alpha1', 'Application', namespace, 'big');
  const op = (cr!.status as any).operationState;
  console.log(`recordOperation with ${COUNT} tasks: ${Date.now() - started} ms; CR ${JSON.stringify(cr).length} bytes; syncResult.resources ${op.syncResult.resources.length} of ${op.syncResult.resourcesCount}; status.resources ${(cr!.status as any).resources.length}`);
  expect(op.phase).toBe('Running');
  expect(op.syncResult.resourcesCount).toBe(COUNT);
  expect(op.syncResult.resources.length).toBeLessThanOrEqual(1000);
  expect(op.syncResult.resources.find((r: { name: string }) => r.name === cmName(4321))?.status).toBe('Failed');
  expect(JSON.stringify(cr).length).toBeLessThan(1.5 * 1024 * 1024);
}, 60_000);

test('a status write that cannot fit even cut short fails for good, at once, naming the limit', async () => {
  // A spec just under etcd's limit (Helm values inline): no status of a few KiB fits beside it.
  await createApp('huge', { helm: { values: `blob: ${'x'.repeat(1_565_000)}\n` } });
  const started = Date.now();
  const error = await recordOperation(engine, { app: appRef('huge'), progress: progress('Synced'), initiatedBy: { username: 'test', automated: false } }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).nonRetryable).toBe(true);
  expect((error as ApplicationFailure).message).toMatch(/too large to write.*request is too large/);
  expect(Date.now() - started).toBeLessThan(20_000);
}, 60_000);
