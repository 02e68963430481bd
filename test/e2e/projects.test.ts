// End to end: AppProjects decide what an Application may deploy, from where, to where and as whom (issue 13).
// Every refusal is a condition that names the project, the field and the value, and nothing is applied; a
// project that changes takes effect at once; a prune (the finalizer's too) stays within what the project
// permits; and a project with destinationServiceAccounts applies as that ServiceAccount, so the API server's
// RBAC for it, not the worker's own, decides.
import { KubeObject } from '../../domain/resource/types';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const PORT = 18950;
const run = new E2eRun(PORT);
const { kube, application, runId } = run;
const CONTROL = run.workerEnv.SLUICE_NAMESPACE;
const IN_CLUSTER = 'https://kubernetes.default.svc';
const projects: string[] = [];

beforeAll(() => run.start());
afterAll(async () => {
  for (const name of projects) await kube.delete('sluice.dev/v1alpha1', 'AppProject', CONTROL, name).catch(() => undefined);
  await run.stop();
});

const configMap = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data:\n  from: git\n`;
const role = (name: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ${name}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n`;
const clusterRole = (name: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n`;

async function project(suffix: string, spec: Record<string, unknown>): Promise<string> {
  const name = `${suffix}-${runId}`;
  projects.push(name);
  await kube.apply({ apiVersion: 'sluice.dev/v1alpha1', kind: 'AppProject', metadata: { name, namespace: CONTROL }, spec } as unknown as KubeObject);
  return name;
}

async function app(o: { name: string; namespace: string; project: string; repoURL: string; path: string; destination?: string; finalizer?: boolean }): Promise<void> {
  await kube.create({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'Application',
    metadata: { name: o.name, namespace: o.namespace, labels: { 'sluice.dev/test-run': runId }, ...(o.finalizer ? { finalizers: ['resources-finalizer.argocd.argoproj.io'] } : {}) },
    spec: {
      project: o.project, source: { repoURL: o.repoURL, targetRevision: 'main', path: o.path },
      destination: { server: IN_CLUSTER, namespace: o.destination ?? o.namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, retry: { limit: 0 } },
    },
  } as unknown as KubeObject);
}

const condition = (namespace: string, name: string, type: string, includes: string) =>
  eventually(`${namespace}/${name}: a ${type} condition with ${JSON.stringify(includes)}`, async () => {
    const found = (await application(namespace, name))?.status?.conditions?.find((c: { type: string; message: string }) => c.type === type && c.message.includes(includes));
    return found?.message as string | undefined;
  });

const synced = (namespace: string, name: string) =>
  eventually(`${namespace}/${name} to be Synced by a successful operation`, async () => {
    const status = (await application(namespace, name))?.status;
    return status?.sync?.status === 'Synced' && status?.operationState?.phase === 'Succeeded' ? status : undefined;
  }, 90_000);

const exists = async (apiVersion: string, kind: string, namespace: string | undefined, name: string) => !!(await kube.get(apiVersion, kind, namespace, name));

test('repo, destination, app namespace and a missing project are refused before rendering, naming the project, field and value; a fixed project lets the app go at once', async () => {
  const namespace = await run.namespace('proj-src');
  const other = await run.namespace('proj-other');
  const repo = await run.repo('proj-src');
  repo.commit('config', { 'app/config.yaml': configMap('settings') });
  const proj = await project('narrow', {
    sourceRepos: ['http://git.example.com/*'], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: [namespace],
  });

  await app({ name: 'repo', namespace, project: proj, repoURL: repo.url, path: 'app' });
  expect(await condition(namespace, 'repo', 'InvalidSpecError', `project "${proj}": repository "${repo.url}" is not permitted by sourceRepos`)).toMatch(new RegExp(`^Application ${namespace}/repo: `));
  await app({ name: 'dest', namespace, project: proj, repoURL: repo.url, path: 'app', destination: other });
  await condition(namespace, 'dest', 'InvalidSpecError', `destination "${IN_CLUSTER}/${other}" is not permitted by destinations`);
  await app({ name: 'outsider', namespace: other, project: proj, repoURL: repo.url, path: 'app', destination: namespace });
  await condition(other, 'outsider', 'InvalidSpecError', `Application namespace "${other}" is not permitted by sourceNamespaces`);
  await app({ name: 'orphan', namespace, project: `missing-${runId}`, repoURL: repo.url, path: 'app' });
  await condition(namespace, 'orphan', 'InvalidSpecError', `spec.project: AppProject "missing-${runId}" does not exist in namespace "${CONTROL}"`);
  // Nothing was applied, and no operation ran.
  expect(await exists('v1', 'ConfigMap', namespace, 'settings')).toBe(false);
  expect(await exists('v1', 'ConfigMap', other, 'settings')).toBe(false);
  for (const [ns, name] of [[namespace, 'repo'], [namespace, 'dest'], [other, 'outsider'], [namespace, 'orphan']]) {
    expect((await application(ns, name))?.status?.operationState).toBeUndefined();
  }
  // A manual sync is refused with the same reason.
  const manual = run.sluice(namespace, 'app', 'sync', 'repo');
  expect(manual.code).not.toBe(0);
  expect(manual.out).toContain('is not permitted by sourceRepos');

  // The project now lists the repo: the worker sees the change and refreshes the app, long before its 2-minute poll.
  await kube.apply({ apiVersion: 'sluice.dev/v1alpha1', kind: 'AppProject', metadata: { name: proj, namespace: CONTROL }, spec: { sourceRepos: [repo.url], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: [namespace] } } as unknown as KubeObject);
  await synced(namespace, 'repo');
  expect(await exists('v1', 'ConfigMap', namespace, 'settings')).toBe(true);
});

test('a rendered kind or namespace the project does not permit: a condition naming it, and nothing of the app is applied', async () => {
  const namespace = await run.namespace('proj-kinds');
  const victim = await run.namespace('proj-victim');
  const repo = await run.repo('proj-kinds');
  repo.commit('config', {
    'cluster/config.yaml': configMap('beside-cluster-role'),
    'cluster/role.yaml': clusterRole(`escalate-${runId}`),
    'foreign/config.yaml': configMap('beside-foreign'),
    'foreign/planted.yaml': configMap('planted', victim),
  });
  const proj = await project('kinds', { sourceRepos: [repo.url], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: ['*'] });

  await app({ name: 'cluster', namespace, project: proj, repoURL: repo.url, path: 'cluster' });
  await app({ name: 'foreign', namespace, project: proj, repoURL: repo.url, path: 'foreign' });
  await condition(namespace, 'cluster', 'InvalidSpecError', `project "${proj}": resource "rbac.authorization.k8s.io/ClusterRole escalate-${runId}" is not permitted by clusterResourceWhitelist`);
  await condition(namespace, 'foreign', 'InvalidSpecError', `project "${proj}": resource namespace of "ConfigMap ${victim}/planted" is not permitted by destinations`);
  // A later refresh changes nothing: still refused, still nothing applied.
  await run.refreshNow(namespace, 'cluster');
  expect(await exists('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, `escalate-${runId}`)).toBe(false);
  expect(await exists('v1', 'ConfigMap', namespace, 'beside-cluster-role')).toBe(false);
  expect(await exists('v1', 'ConfigMap', victim, 'planted')).toBe(false);
  expect(await exists('v1', 'ConfigMap', namespace, 'beside-foreign')).toBe(false);
  expect((await application(namespace, 'cluster'))?.status?.operationState).toBeUndefined();
});

test('the finalizer prunes only what the project still permits', async () => {
  const namespace = await run.namespace('proj-final');
  const repo = await run.repo('proj-final');
  repo.commit('config', { 'app/config.yaml': configMap('settings'), 'app/role.yaml': role('reader') });
  const spec = { sourceRepos: [repo.url], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: ['*'] };
  const proj = await project('final', spec);
  await app({ name: 'final', namespace, project: proj, repoURL: repo.url, path: 'app', finalizer: true });
  await synced(namespace, 'final');
  expect(await exists('rbac.authorization.k8s.io/v1', 'Role', namespace, 'reader')).toBe(true);

  // The project stops permitting Roles; deleting the app deletes its ConfigMap and leaves the Role alone.
  await kube.apply({ apiVersion: 'sluice.dev/v1alpha1', kind: 'AppProject', metadata: { name: proj, namespace: CONTROL }, spec: { ...spec, namespaceResourceBlacklist: [{ group: 'rbac.authorization.k8s.io', kind: 'Role' }] } } as unknown as KubeObject);
  await condition(namespace, 'final', 'InvalidSpecError', 'is not permitted by namespaceResourceBlacklist');
  await kube.delete('sluice.dev/v1alpha1', 'Application', namespace, 'final');
  await eventually('the Application to be finalized and gone', async () => ((await application(namespace, 'final')) ? undefined : true), 90_000);
  expect(await exists('v1', 'ConfigMap', namespace, 'settings')).toBe(false);
  expect(await exists('rbac.authorization.k8s.io/v1', 'Role', namespace, 'reader')).toBe(true);
});

test('destinationServiceAccounts: applies run as the project\'s ServiceAccount, and what it may not create fails the sync at its dry-run, naming the account, with nothing applied', async () => {
  const namespace = await run.namespace('proj-sa');
  const repo = await run.repo('proj-sa');
  repo.commit('config', { 'allowed/config.yaml': configMap('allowed'), 'denied/config.yaml': configMap('beside-role'), 'denied/role.yaml': role('wanted') });
  // The deployer may manage ConfigMaps here, and only read Roles.
  await kube.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace } } as KubeObject);
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'deployer', namespace },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get', 'list', 'watch'] },
    ],
  } as unknown as KubeObject);
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'deployer', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace }],
  } as unknown as KubeObject);
  const proj = await project('sa', {
    sourceRepos: [repo.url], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: ['*'],
    destinationServiceAccounts: [{ server: IN_CLUSTER, namespace, defaultServiceAccount: 'deployer' }],
  });

  await app({ name: 'allowed', namespace, project: proj, repoURL: repo.url, path: 'allowed' });
  await app({ name: 'denied', namespace, project: proj, repoURL: repo.url, path: 'denied' });
  await synced(namespace, 'allowed');
  expect(await exists('v1', 'ConfigMap', namespace, 'allowed')).toBe(true);
  // The worker itself could create the Role; the ServiceAccount cannot, and the API server says so: the sync's
  // dry-run is refused, so the operation fails at once (not retried), naming the account and the resource.
  const failed = await eventually('the denied app\'s sync to fail', async () => {
    const op = (await application(namespace, 'denied'))?.status?.operationState;
    return op?.phase === 'Failed' ? op : undefined;
  }, 90_000);
  expect(failed.message).toContain('forbidden');
  expect(failed.message).toContain(`User "system:serviceaccount:${namespace}:deployer" cannot patch resource "roles"`);
  expect(await exists('rbac.authorization.k8s.io/v1', 'Role', namespace, 'wanted')).toBe(false);
  expect(await exists('v1', 'ConfigMap', namespace, 'beside-role')).toBe(false);
});
