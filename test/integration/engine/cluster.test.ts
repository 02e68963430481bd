// The engine against the real API server: apply, diff, prune, health, dry-run refusal and ordering.
import { execFileSync } from 'node:child_process';
import { ApplyRejectedError } from '../../../activities/cluster/apply';
import { ApplicationSpec } from '../../../domain/application/types';
import { deploymentYaml, helmFiles, kustomizeFiles, plainFiles } from '../../fixtures/sources';
import { TestRepo } from '../../support/git';
import { syncOnce, testEngine, waitForHealth } from '../../support/engine';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../../support/kube';
import { stackEnv, useStackTools } from '../../support/stack';

const env = useStackTools();
const kc = kubeConfig();
const { engine, cleanup } = testEngine();
const namespaces: string[] = [];
let repo: TestRepo;

beforeAll(async () => {
  repo = await TestRepo.create('engine');
  repo.commit('sources', { ...plainFiles(), ...kustomizeFiles(), ...helmFiles() });
});
afterAll(async () => {
  repo.cleanup();
  cleanup();
  await Promise.all(namespaces.map((ns) => deleteNamespace(kc, ns)));
});

async function newApp(prefix: string, source: Partial<ApplicationSpec['source']>, extra: Partial<ApplicationSpec> = {}) {
  const namespace = await createTestNamespace(kc, prefix);
  namespaces.push(namespace);
  const app = { name: namespace, namespace: 'default' };
  const spec: ApplicationSpec = { source: { repoURL: repo.url, targetRevision: 'main', ...source } as ApplicationSpec['source'], destination: { server: 'https://kubernetes.default.svc', namespace }, ...extra };
  return { app, spec, namespace };
}

function kubectl(...args: string[]): string {
  return execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', stackEnv().KUBECONFIG, ...args], { encoding: 'utf8' });
}

test.each([
  ['plain directory', { path: 'plain' }, 'web'],
  ['Kustomize overlay', { path: 'kustomize/overlays/prod' }, 'web'],
  ['Helm chart', { path: 'chart' }, 'PLACEHOLDER'],
])('a %s is fetched, rendered and applied, and its Deployment becomes Healthy', async (_label, source, deployment) => {
  const { app, spec, namespace } = await newApp('apply', source);
  const { changes, objects } = await syncOnce(engine, app, spec);
  const name = deployment === 'PLACEHOLDER' ? `${app.name}-web` : deployment;
  expect(changes).toContainEqual({ subject: `Deployment/${namespace}/${name}`, action: 'created' });
  const report = await waitForHealth(engine, objects);
  expect(report.resources.find((r) => r.subject === `Deployment/${namespace}/${name}`)?.status).toBe('Healthy');
  // Applied again with nothing changed, everything is unchanged and Synced.
  expect((await syncOnce(engine, app, spec)).changes.every((c) => c.action === 'unchanged')).toBe(true);
  expect((await engine.diff(app, spec)).status).toBe('Synced');
});

test('a change in git is diffed, re-applied, and a file removed from git is pruned', async () => {
  const own = await TestRepo.create('change');
  try {
    own.commit('v1', plainFiles(2));
    const { app, spec, namespace } = await newApp('change', { repoURL: own.url, path: 'plain' });
    // What was applied is remembered (status.resources), so kinds no longer in git are still searched for orphans.
    const applied = (await syncOnce(engine, app, spec)).objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind }));
    own.commit('v2', { 'plain/deployment.yaml': deploymentYaml('web', 3), 'plain/config.yaml': null });
    const diff = await engine.diff(app, spec, applied);
    expect(diff.status).toBe('OutOfSync');
    expect(diff.resources.find((r) => r.subject === `Deployment/${namespace}/web`)?.changedPaths).toEqual(['spec.replicas']);
    expect(diff.resources.find((r) => r.subject === `ConfigMap/${namespace}/settings`)).toMatchObject({ requiresPruning: true });

    // Without prune the orphan stays; with prune it goes.
    expect((await syncOnce(engine, app, spec, false)).changes).toContainEqual({ subject: `Deployment/${namespace}/web`, action: 'configured' });
    expect(kubectl('get', 'configmap', 'settings', '-n', namespace, '-o', 'name').trim()).toBe('configmap/settings');
    const pruned = await syncOnce(engine, app, spec, true, applied);
    expect(pruned.changes).toContainEqual({ subject: `ConfigMap/${namespace}/settings`, action: 'deleted' });
    // Foreground deletion: the garbage collector removes the object a moment after the DELETE was accepted.
    await eventually('the pruned ConfigMap to be gone', async () => (kubectl('get', 'configmaps', '-n', namespace, '-o', 'name').includes('configmap/settings') ? undefined : true), 30_000);
    expect((await engine.diff(app, spec, applied)).status).toBe('Synced');
  } finally {
    own.cleanup();
  }
});

test('kubectl scale shows as OutOfSync naming spec.replicas, and ignoreDifferences on /spec/replicas makes it Synced', async () => {
  const { app, spec, namespace } = await newApp('scale', { path: 'plain' });
  await syncOnce(engine, app, spec);
  kubectl('scale', 'deployment/web', '-n', namespace, '--replicas=5');
  const diff = await engine.diff(app, spec);
  const web = diff.resources.find((r) => r.subject === `Deployment/${namespace}/web`)!;
  expect(web.status).toBe('OutOfSync');
  expect(web.changedPaths).toEqual(['spec.replicas']);
  expect(web.diff).toMatch(/-\s+replicas: 5/);
  const ignoring = { ...spec, ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }] };
  expect((await engine.diff(app, ignoring)).status).toBe('Synced');
});

test('an invalid manifest fails the dry-run, naming the object and the API message, and nothing is applied', async () => {
  const own = await TestRepo.create('invalid');
  try {
    own.commit('bad', {
      'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  a: b\n',
      'app/deployment.yaml': deploymentYaml('web', 1).replace('replicas: 1', 'replicas: 1\n  replicaz: 2'),
    });
    const { app, spec, namespace } = await newApp('invalid', { repoURL: own.url, path: 'app' });
    const attempt = syncOnce(engine, app, spec);
    await expect(attempt).rejects.toBeInstanceOf(ApplyRejectedError);
    await expect(attempt).rejects.toThrow(new RegExp(`Deployment/${namespace}/web: .*spec\\.replicaz`));
    expect(kubectl('get', 'configmaps,deployments', '-n', namespace, '-o', 'name')).not.toMatch(/configmap\/first|deployment/);
  } finally {
    own.cleanup();
  }
});

test("a Secret's values never appear in any returned diff", async () => {
  const own = await TestRepo.create('secret');
  try {
    const secret = (value: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${value}\n`;
    own.commit('v1', { 'app/secret.yaml': secret('first-very-secret-value') });
    const { app, spec, namespace } = await newApp('secret', { repoURL: own.url, path: 'app' });
    const before = await engine.diff(app, spec);
    await syncOnce(engine, app, spec);
    own.commit('v2', { 'app/secret.yaml': secret('second-very-secret-value') });
    const after = await engine.diff(app, spec);
    const text = JSON.stringify([before, after]);
    const encoded = (s: string) => Buffer.from(s).toString('base64');
    for (const leak of ['first-very-secret-value', 'second-very-secret-value', encoded('first-very-secret-value'), encoded('second-very-secret-value')]) {
      expect(text).not.toContain(leak);
    }
    expect(after.resources.find((r) => r.subject === `Secret/${namespace}/db`)?.status).toBe('OutOfSync');
  } finally {
    own.cleanup();
  }
});

test('a CRD and its custom resource in one set apply in order', async () => {
  const own = await TestRepo.create('crd');
  const group = `${Date.now().toString(36)}.sluice.test`;
  try {
    own.commit('crd', {
      // The CR sorts first by name and kind; the planner must still put the CRD before it.
      'app/a-widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: first\nspec:\n  size: 3\n`,
      'app/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`,
    });
    const { app, spec, namespace } = await newApp('crd', { repoURL: own.url, path: 'app' });
    const { changes } = await syncOnce(engine, app, spec);
    expect(changes.map((c) => c.subject)).toEqual([`CustomResourceDefinition/widgets.${group}`, `Widget/${namespace}/first`]);
    expect(kubectl('get', `widgets.${group}`, '-n', namespace, 'first', '-o', 'jsonpath={.spec.size}')).toBe('3');
  } finally {
    kubectl('delete', 'crd', `widgets.${group}`, '--ignore-not-found', '--wait=false');
    own.cleanup();
  }
});

test("a failing Job's health becomes Degraded", async () => {
  const own = await TestRepo.create('job');
  try {
    own.commit('job', {
      'app/job.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: fails
spec:
  backoffLimit: 0
  template:
    metadata:
      labels: {pod-container-running-failed.stage.kwok.x-k8s.io: "true"}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox, command: ["false"]}]
`,
    });
    const { app, spec, namespace } = await newApp('job', { repoURL: own.url, path: 'app' });
    const { objects } = await syncOnce(engine, app, spec);
    const report = await waitForHealth(engine, objects, 'Degraded');
    expect(report.resources).toEqual([expect.objectContaining({ subject: `Job/${namespace}/fails`, status: 'Degraded' })]);
  } finally {
    own.cleanup();
  }
});

test('a private repo is read with credentials from a repository Secret, as Argo CD configures them', async () => {
  const credentials = { username: 'deployer', password: `pw-${Date.now()}` };
  const own = await TestRepo.create('creds', credentials);
  const secretName = `repo-${own.name}`;
  try {
    own.commit('app', { 'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-private\n' });
    const { app, spec } = await newApp('creds', { repoURL: own.url, path: 'app' });
    await expect(engine.desired(app, spec)).rejects.toMatchObject({ code: 'AuthenticationFailed' });
    await engine.client.create({
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: secretName, namespace: 'default', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: { url: own.url, ...credentials },
    } as any);
    const state = await engine.desired(app, spec);
    expect(state.objects.map((o) => o.metadata.name)).toEqual(['from-private']);
  } finally {
    await engine.client.delete('v1', 'Secret', 'default', secretName);
    own.cleanup();
  }
});

test('ApplyOutOfSyncOnly applies only what differs; the rest is skipped, not patched', async () => {
  const own = await TestRepo.create('oos');
  try {
    own.commit('v1', plainFiles(2));
    const { app, spec, namespace } = await newApp('oos', { repoURL: own.url, path: 'plain' }, { syncPolicy: { syncOptions: ['ApplyOutOfSyncOnly=true'] } });
    await syncOnce(engine, app, spec);
    const configVersion = (await engine.client.get('v1', 'ConfigMap', namespace, 'settings'))!.metadata.resourceVersion;
    own.commit('v2', { 'plain/deployment.yaml': deploymentYaml('web', 4) });
    const { changes } = await syncOnce(engine, app, spec);
    expect(changes).toEqual(expect.arrayContaining([
      { subject: `ConfigMap/${namespace}/settings`, action: 'skipped' },
      { subject: `Deployment/${namespace}/web`, action: 'configured' },
    ]));
    expect((await engine.client.get('v1', 'ConfigMap', namespace, 'settings'))!.metadata.resourceVersion).toBe(configVersion);
  } finally {
    own.cleanup();
  }
});

test('Replace=true with Validate=false (per resource) replaces the object and drops unknown fields instead of refusing them', async () => {
  const own = await TestRepo.create('replace');
  try {
    const config = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: replaced\n  annotations:\n    argocd.argoproj.io/sync-options: Replace=true,Validate=false\ndata:\n  value: ${value}\nunknownTopLevel: true\n`;
    own.commit('v1', { 'app/config.yaml': config('one') });
    const { app, spec, namespace } = await newApp('replace', { repoURL: own.url, path: 'app' });
    expect((await syncOnce(engine, app, spec)).changes).toEqual([{ subject: `ConfigMap/${namespace}/replaced`, action: 'created' }]);
    own.commit('v2', { 'app/config.yaml': config('two') });
    expect((await syncOnce(engine, app, spec)).changes).toEqual([{ subject: `ConfigMap/${namespace}/replaced`, action: 'configured' }]);
    const live = await engine.client.get('v1', 'ConfigMap', namespace, 'replaced');
    expect(live!.data).toEqual({ value: 'two' });
    expect(live!.unknownTopLevel).toBeUndefined();
    // Replace writes with PUT: no server-side apply field manager entry of operation Apply.
    expect((live!.metadata.managedFields as Array<{ operation: string }>).map((m) => m.operation)).not.toContain('Apply');
  } finally {
    own.cleanup();
  }
});
