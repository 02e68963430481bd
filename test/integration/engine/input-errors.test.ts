// Bad input is an error on the app, never an endless retry, and never a false green: each case goes through
// a refresh (refreshApplication against the real API server, reading the CR's status back) and a sync (the
// sync activities, whose failure must be non-retryable, or a real apply for what should deploy).
import { ApplicationFailure } from '@temporalio/common';
import { readApplication } from '../../../activities/application-resource';
import { applyObjects } from '../../../activities/cluster/apply';
import { refreshApplication } from '../../../activities/refresh';
import { asActivityFailure, dryRunSync, prepareSync } from '../../../activities/sync';
import { ApplicationSpec } from '../../../domain/application/types';
import { AppRef } from '../../../domain/operation/types';
import { KubeObject } from '../../../domain/resource/types';
import { deploymentYaml, helmFiles } from '../../fixtures/sources';
import { syncOnce, testEngine } from '../../support/engine';
import { ensureTestProjects } from '../../support/projects';
import { TestRepo } from '../../support/git';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';
import { useStackTools } from '../../support/stack';

useStackTools();
const kc = kubeConfig();
const { engine, cleanup } = testEngine();
let namespace: string;
let repo: TestRepo;
let revision: string;

const badWave = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations:
    argocd.argoproj.io/sync-wave: "one"
data: {mode: x}
`;

// Argo CD's jsonnet-guestbook, written afresh: a .jsonnet file with an extVar and a TLA that imports a .libsonnet.
const guestbookLib = `{
  deployment(name, image, replicas):: {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: name },
    spec: { replicas: replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: name, image: image, ports: [{ containerPort: 80 }] }] } } },
  },
  service(name, port):: { apiVersion: 'v1', kind: 'Service', metadata: { name: name }, spec: { ports: [{ port: port, targetPort: 80 }], selector: { app: name } } },
}
`;
const guestbook = `local lib = import 'guestbook.libsonnet';
function(replicas=1, containerPort=80)
  local name = std.extVar('name');
  [lib.service(name, 80), lib.deployment(name, 'gcr.io/heptio-images/ks-guestbook-demo:0.2', replicas)]
`;

beforeAll(async () => {
  await ensureTestProjects(engine.client, engine.controlNamespace);
  namespace = await createTestNamespace(kc, 'inputs');
  repo = await TestRepo.create('inputs');
  revision = repo.commit('sources', {
    'badwave/config.yaml': badWave,
    'plain/deployment.yaml': deploymentYaml('web', 1),
    'badreplicas/deployment.yaml': deploymentYaml('web', 1).replace('replicas: 1', 'replicas: two'),
    'empty/README.md': 'nothing to deploy here\n',
    ...helmFiles(),
    'common/values.yaml': 'greeting: from-common\n',
    'outside.yaml': 'greeting: outside\n',
    'jsonnet-guestbook/guestbook.jsonnet': guestbook,
    'jsonnet-guestbook/guestbook.libsonnet': guestbookLib,
  });
});
afterAll(async () => {
  await deleteNamespace(kc, namespace);
  repo.cleanup();
  cleanup();
});

let seq = 0;
async function createApp(source: Record<string, unknown>, extra: Partial<ApplicationSpec> = {}): Promise<AppRef> {
  const name = `app-${++seq}`;
  const spec = { project: 'default', source: { repoURL: repo.url, targetRevision: 'main', ...source }, destination: { server: 'https://kubernetes.default.svc', namespace }, ...extra };
  await applyObjects(engine.client, [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name, namespace }, spec } as KubeObject]);
  return { group: 'sluice.dev', namespace, name };
}

async function statusOf(app: AppRef) {
  return (await readApplication(engine.client, app))!.status as {
    sync: { status: string }; health?: { status: string; message?: string }; conditions: Array<{ type: string; message: string }>; resources?: unknown[];
  };
}

async function syncFailure(app: AppRef): Promise<unknown> {
  const spec = (await readApplication(engine.client, app))!.spec;
  const error = await prepareSync(engine, { app, spec, revision, operationId: `op-${app.name}`, prune: false, managedKinds: [] }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeDefined();
  return asActivityFailure(error);
}

test('a bad sync-wave annotation: a condition naming the app, file and annotation; the sync fails without retries', async () => {
  const app = await createApp({ path: 'badwave' });
  const result = await refreshApplication(engine, app);
  expect(result.comparisonError).toBeDefined();
  const status = await statusOf(app);
  expect(status.sync.status).toBe('Unknown');
  expect(status.conditions).toEqual([expect.objectContaining({ type: 'ComparisonError' })]);
  expect(status.conditions[0].message).toMatch(new RegExp(`^Application ${namespace}/${app.name}: badwave/config.yaml:1: ConfigMap/settings: argocd.argoproj.io/sync-wave: "one" is not an integer`));
  expect(status.conditions[0].message).toContain('metadata.annotations["argocd.argoproj.io/sync-wave"]');
  const failure = await syncFailure(app);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ nonRetryable: true, type: 'InvalidSource', message: expect.stringContaining('badwave/config.yaml') });
});

test('a manifest the API server refuses (replicas: two) over a live object: the refresh ends OutOfSync, the sync fails naming the object and field', async () => {
  // Deployed first, so the refresh compares the bad manifest with a live object (a server-side dry run).
  const app = await createApp({ path: 'plain' });
  await syncOnce(engine, app, (await readApplication(engine.client, app))!.spec);
  const cr = (await readApplication(engine.client, app))!;
  await applyObjects(engine.client, [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name: app.name, namespace }, spec: { ...cr.spec, source: { ...cr.spec.source!, path: 'badreplicas' } } } as KubeObject]);
  const result = await refreshApplication(engine, app);
  expect(result.syncStatus).toBe('OutOfSync');
  expect((await statusOf(app)).sync.status).toBe('OutOfSync');
  const spec = (await readApplication(engine.client, app))!.spec;
  const ctx = { app, spec, revision, operationId: `op-${app.name}`, prune: false, managedKinds: [] };
  await prepareSync(engine, ctx);
  const error = await dryRunSync(engine, ctx).then(() => undefined, (e: unknown) => e);
  expect(asActivityFailure(error)).toMatchObject({ nonRetryable: true, type: 'InvalidManifest', message: expect.stringMatching(/Deployment\/.*web.*\.spec\.replicas: expected numeric/) });
});

test('an unsupported jqPathExpression: a condition naming the app and the field; the sync fails without retries', async () => {
  const ignore = [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.metadata.labels | to_entries'] }];
  const app = await createApp({ path: 'plain' }, { ignoreDifferences: ignore });
  await refreshApplication(engine, app);
  const status = await statusOf(app);
  expect(status.conditions).toEqual([expect.objectContaining({ type: 'InvalidSpecError' })]);
  expect(status.conditions[0].message).toMatch(new RegExp(`^Application ${namespace}/${app.name}: spec.ignoreDifferences\\[0\\].jqPathExpressions\\[0\\]: .* unsupported jq syntax`));
  const failure = await syncFailure(app);
  expect(failure).toMatchObject({ nonRetryable: true, type: 'InvalidSource', message: expect.stringContaining('to_entries') });
});

test('helm valueFiles outside the checkout are refused, naming the field; inside the repo, ".." works as in Argo CD', async () => {
  const refused: Array<[string, RegExp]> = [
    ['../../../../../etc/passwd', /is outside the repository/],
    ['../../outside.yaml', /is outside the repository/],
    ['/etc/passwd', /does not exist in the repository/],
    ['https://example.com/values.yaml', /is a URL/],
  ];
  for (const [file, why] of refused) {
    const app = await createApp({ path: 'chart', helm: { valueFiles: ['values-prod.yaml', file] } });
    await refreshApplication(engine, app);
    const status = await statusOf(app);
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'ComparisonError' })]);
    expect(status.conditions[0].message).toContain(`Application ${namespace}/${app.name}: spec.source.helm.valueFiles[1]: ${JSON.stringify(file)}`);
    expect(status.conditions[0].message).toMatch(why);
    expect(await syncFailure(app)).toMatchObject({ nonRetryable: true, type: 'InvalidSource' });
  }
  const ok = await createApp({ path: 'chart', helm: { valueFiles: ['../common/values.yaml', '/chart/values-prod.yaml'] } });
  const result = await refreshApplication(engine, ok);
  expect(result.comparisonError).toBeUndefined();
  const spec = (await readApplication(engine.client, ok))!.spec;
  const { objects } = await syncOnce(engine, ok, spec);
  const config = objects.find((o) => o.kind === 'ConfigMap')!;
  expect(config.data).toEqual({ greeting: 'from-common' });
  expect(objects.find((o) => o.kind === 'Deployment')!.spec).toMatchObject({ replicas: 2 });
});

test('a Jsonnet directory (extVar, TLA, libsonnet import) renders its objects, and a sync deploys them', async () => {
  const app = await createApp({
    path: 'jsonnet-guestbook',
    directory: { jsonnet: { extVars: [{ name: 'name', value: 'jsonnet-guestbook-ui' }], tlas: [{ name: 'replicas', value: '2', code: true }] } },
  });
  await refreshApplication(engine, app);
  const before = await statusOf(app);
  expect(before.conditions).toEqual([]);
  expect(before.sync.status).toBe('OutOfSync');
  expect((before.resources as Array<{ kind: string; name: string }>).map((r) => `${r.kind}/${r.name}`).sort()).toEqual(['Deployment/jsonnet-guestbook-ui', 'Service/jsonnet-guestbook-ui']);
  const spec = (await readApplication(engine.client, app))!.spec;
  await syncOnce(engine, app, spec);
  const deployment = await engine.client.get('apps/v1', 'Deployment', namespace, 'jsonnet-guestbook-ui');
  expect(deployment?.spec).toMatchObject({ replicas: 2 });
  expect(await engine.client.get('v1', 'Service', namespace, 'jsonnet-guestbook-ui')).toBeDefined();
  await refreshApplication(engine, app);
  expect((await statusOf(app)).sync.status).toBe('Synced');
});

test('a source that renders nothing is Missing with an EmptySource condition, never Healthy (unless allowEmpty)', async () => {
  const app = await createApp({ path: 'empty' });
  const result = await refreshApplication(engine, app);
  expect(result.health).toBe('Missing');
  const status = await statusOf(app);
  expect(status.health).toMatchObject({ status: 'Missing', message: 'the source renders no resources' });
  expect(status.conditions).toEqual([expect.objectContaining({ type: 'EmptySource' })]);
  expect(status.conditions[0].message).toMatch(new RegExp(`^Application ${namespace}/${app.name}: path "empty" of .* renders no resources`));
  const allowed = await createApp({ path: 'empty' }, { syncPolicy: { automated: { prune: true, allowEmpty: true } } });
  await refreshApplication(engine, allowed);
  expect(await statusOf(allowed)).toMatchObject({ health: { status: 'Healthy' }, conditions: [] });
});
