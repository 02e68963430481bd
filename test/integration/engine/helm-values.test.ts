// Helm values stay in the Application CR (issue 13): the refresh hands the workflow a spec with a digest in their
// place, the sync activities read them back from the CR to render, and a CR whose values changed since the sync
// started fails the step non-retryably, naming the app and spec.source.helm. Real API server and git server.
import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { createActivities } from '../../../activities';
import { applyObjects } from '../../../activities/cluster/apply';
import { SyncContext } from '../../../activities/sync';
import { AppRef } from '../../../domain/operation/types';
import { KubeObject } from '../../../domain/resource/types';
import { testEngine } from '../../support/engine';
import { TestRepo } from '../../support/git';
import { ensureTestProjects } from '../../support/projects';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';
import { useStackTools } from '../../support/stack';

useStackTools();
const kc = kubeConfig();
const { engine, cleanup } = testEngine();
const activities = createActivities(engine);
let namespace: string;
let repo: TestRepo;
const secret = `helm-secret-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  await ensureTestProjects(engine.client, engine.controlNamespace);
  namespace = await createTestNamespace(kc, 'helmvalues');
  repo = await TestRepo.create('helm-values');
  repo.commit('chart', {
    'chart/Chart.yaml': 'apiVersion: v2\nname: creds\nversion: 0.1.0\n',
    'chart/values.yaml': 'password: unset\ntoken: unset\n',
    'chart/templates/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-creds\nstringData:\n  password: {{ .Values.password | quote }}\n  token: {{ .Values.token | quote }}\n',
  });
});
afterAll(async () => {
  await deleteNamespace(kc, namespace);
  repo.cleanup();
  cleanup();
});

async function applyApp(name: string, helm: Record<string, unknown>): Promise<AppRef> {
  const spec = { project: 'default', source: { repoURL: repo.url, targetRevision: 'main', path: 'chart', helm }, destination: { server: 'https://kubernetes.default.svc', namespace } };
  await applyObjects(engine.client, [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name, namespace }, spec } as KubeObject]);
  return { group: 'sluice.dev', namespace, name };
}

test('the refresh result carries a digest, not the values; the sync renders the CR\'s values and refuses them once they changed', async () => {
  const app = await applyApp('creds', { parameters: [{ name: 'password', value: secret }], values: `token: ${secret}-token\n` });
  const refreshed = await activities.refreshApplication({ app });
  expect(refreshed.syncStatus).toBe('OutOfSync');
  expect(JSON.stringify(refreshed)).not.toContain(secret);
  expect(refreshed.spec!.source!.helm).toEqual({ valuesDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });

  // The sync as the workflow runs it, from the refresh's spec: the Secret holds the CR's values.
  const ctx: SyncContext = { app, spec: refreshed.spec!, revision: refreshed.revision!, operationId: 'op-1', prune: false, managedKinds: [] };
  const prepared = await activities.prepareSync(ctx);
  expect(JSON.stringify(prepared)).not.toContain(secret);
  for (const [index, step] of prepared.plan.steps.entries()) await activities.runSyncStep({ ctx, tasks: step.tasks, first: index === 0 });
  const deployed = (await engine.client.get('v1', 'Secret', namespace, 'creds-creds')) as unknown as { data: Record<string, string> };
  expect(Buffer.from(deployed.data.password, 'base64').toString()).toBe(secret);
  expect(Buffer.from(deployed.data.token, 'base64').toString()).toBe(`${secret}-token`);

  // Changing the values changes the digest (and the render): the next refresh sees them, and a new sync deploys them.
  await applyApp('creds', { parameters: [{ name: 'password', value: `${secret}-rotated` }], values: `token: ${secret}-token\n` });
  const error = await activities.prepareSync(ctx).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({
    nonRetryable: true, type: 'HelmValuesChanged',
    message: `Application ${namespace}/creds: spec.source.helm values changed since this sync started: nothing more of it is applied; sync again to deploy the new values`,
  });
  const again = await activities.refreshApplication({ app });
  expect(again.syncStatus).toBe('OutOfSync');
  expect(again.spec!.source!.helm!.valuesDigest).not.toBe(refreshed.spec!.source!.helm!.valuesDigest);
  expect(JSON.stringify(again)).not.toContain(secret);
  const next: SyncContext = { ...ctx, spec: again.spec!, operationId: 'op-2' };
  for (const [index, step] of (await activities.prepareSync(next)).plan.steps.entries()) await activities.runSyncStep({ ctx: next, tasks: step.tasks, first: index === 0 });
  const rotated = (await engine.client.get('v1', 'Secret', namespace, 'creds-creds')) as unknown as { data: Record<string, string> };
  expect(Buffer.from(rotated.data.password, 'base64').toString()).toBe(`${secret}-rotated`);
});

test('a spec with values but no digest (a sync started by a worker before this change) still renders them', async () => {
  const app = await applyApp('legacy', { parameters: [{ name: 'password', value: secret }] });
  const refreshed = await activities.refreshApplication({ app });
  const legacy = { ...refreshed.spec!, source: { ...refreshed.spec!.source!, helm: { parameters: [{ name: 'password', value: `${secret}-legacy` }] } } };
  const ctx: SyncContext = { app, spec: legacy, revision: refreshed.revision!, operationId: 'op-legacy', prune: false, managedKinds: [] };
  const prepared = await activities.prepareSync(ctx);
  for (const [index, step] of prepared.plan.steps.entries()) await activities.runSyncStep({ ctx, tasks: step.tasks, first: index === 0 });
  const deployed = (await engine.client.get('v1', 'Secret', namespace, 'legacy-creds')) as unknown as { data: Record<string, string> };
  expect(Buffer.from(deployed.data.password, 'base64').toString()).toBe(`${secret}-legacy`);
});

test('rendering a spec that still holds a digest is refused, never deployed without its values', async () => {
  const app = await applyApp('guarded', { values: `token: ${secret}\n` });
  const refreshed = await activities.refreshApplication({ app });
  await expect(engine.desired(app, refreshed.spec!)).rejects.toThrow(`Application ${namespace}/guarded: spec.source.helm holds a values digest, not values`);
});
