// End to end: AppProjects decide what an Application may deploy, from where, to where and as whom (issue 13).
// Every refusal is a condition that names the project, the field and the value, and nothing is applied; a
// project that changes takes effect at once; a prune (the finalizer's too) stays within what the project
// permits; and a project with destinationServiceAccounts applies and prunes (the finalizer too) as that
// ServiceAccount, so the API server's RBAC for it, not the worker's own, decides: a refusal is a SyncError (or
// DeletionError) condition naming the account, the verb and the object, not retried, cleared once granted.
// In compatibility mode an argoproj.io Application answers to the argoproj.io AppProject of its name.
import { KubeObject } from '../../domain/resource/types';
import { E2eRun } from '../support/e2e';
import { TestRepo } from '../support/git';
import { eventually } from '../support/kube';

const PORT = 18950;
const run = new E2eRun(PORT);
const { kube, application, runId } = run;
const CONTROL = run.workerEnv.SLUICE_NAMESPACE;
const IN_CLUSTER = 'https://kubernetes.default.svc';
type Group = 'sluice.dev' | 'argoproj.io';
const projects: Array<{ group: Group; name: string }> = [];

beforeAll(() => run.start());
afterAll(async () => {
  for (const { group, name } of projects) await kube.delete(`${group}/v1alpha1`, 'AppProject', CONTROL, name).catch(() => undefined);
  await run.stop();
});

const configMap = (name: string, namespace?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data:\n  from: git\n`;
const role = (name: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ${name}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n`;
const clusterRole = (name: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n`;

async function project(suffix: string, spec: Record<string, unknown>, group: Group = 'sluice.dev'): Promise<string> {
  const name = `${suffix}-${runId}`;
  projects.push({ group, name });
  await kube.apply({ apiVersion: `${group}/v1alpha1`, kind: 'AppProject', metadata: { name, namespace: CONTROL }, spec } as unknown as KubeObject);
  return name;
}

async function app(o: { name: string; namespace: string; project: string; repoURL: string; path: string; destination?: string; finalizer?: boolean; group?: Group; defaultRetry?: boolean }): Promise<void> {
  await kube.create({
    apiVersion: `${o.group ?? 'sluice.dev'}/v1alpha1`, kind: 'Application',
    metadata: { name: o.name, namespace: o.namespace, labels: { 'sluice.dev/test-run': runId }, ...(o.finalizer ? { finalizers: ['resources-finalizer.argocd.argoproj.io'] } : {}) },
    spec: {
      project: o.project, source: { repoURL: o.repoURL, targetRevision: 'main', path: o.path },
      destination: { server: IN_CLUSTER, namespace: o.destination ?? o.namespace },
      // defaultRetry: no retry block, so an automated sync's default policy (5 retries) applies.
      syncPolicy: { automated: { prune: true, selfHeal: true }, ...(o.defaultRetry ? {} : { retry: { limit: 0 } }) },
    },
  } as unknown as KubeObject);
}

const conditionNamed = (namespace: string, name: string, type: string, group: Group = 'sluice.dev') =>
  async () => ((await kube.get(`${group}/v1alpha1`, 'Application', namespace, name)) as any)?.status?.conditions?.find((c: { type: string }) => c.type === type) as { message: string } | undefined;

const condition = (namespace: string, name: string, type: string, includes: string, group: Group = 'sluice.dev') =>
  eventually(`${namespace}/${name}: a ${type} condition with ${JSON.stringify(includes)}`, async () => {
    const found = await conditionNamed(namespace, name, type, group)();
    return found?.message.includes(includes) ? found.message : undefined;
  });

/** Pushes a change to the ConfigMap `configMapName` in `file`; the app's sync of that commit succeeds, and its SyncError is cleared. */
async function nextCommitSyncs(repo: TestRepo, namespace: string, name: string, file: string, configMapName: string): Promise<void> {
  const sha = await run.push(repo, namespace, name, 'touch', { [file]: configMap(configMapName).replace('from: git', 'from: git again') });
  await run.waitForOperation(namespace, name, 'Succeeded', sha);
  await eventually(`${namespace}/${name}: the SyncError condition to be cleared`, async () => ((await conditionNamed(namespace, name, 'SyncError')()) ? undefined : true));
}

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

test('compatibility mode: an argoproj.io AppProject refuses its argoproj.io Applications\' repo, destination and kind, naming project, field and value; nothing is applied', async () => {
  const namespace = await run.namespace('proj-argo');
  const other = await run.namespace('proj-argo-other');
  const repo = await run.repo('proj-argo');
  repo.commit('config', {
    'plain/config.yaml': configMap('plain'),
    'cluster/config.yaml': configMap('beside-cluster-role'),
    'cluster/role.yaml': clusterRole(`argo-escalate-${runId}`),
  });
  const limits = { sourceRepos: [repo.url], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: ['*'] };
  const proj = await project('argo', limits, 'argoproj.io');
  // A sluice.dev AppProject of the same name allows everything: an argoproj.io Application must not answer to it.
  await project('argo', { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }], sourceNamespaces: ['*'] });
  const elsewhere = 'http://git.example.com/team/not-listed.git';
  const argoApp = (name: string, o: { repoURL?: string; path?: string; destination?: string } = {}) =>
    app({ group: 'argoproj.io', name, namespace, project: proj, repoURL: o.repoURL ?? repo.url, path: o.path ?? 'plain', destination: o.destination });

  await argoApp('repo', { repoURL: elsewhere });
  await argoApp('dest', { destination: other });
  await argoApp('kind', { path: 'cluster' });
  await argoApp('fine');
  const refused = [
    ['repo', `project "${proj}": repository "${elsewhere}" is not permitted by sourceRepos`],
    ['dest', `project "${proj}": destination "${IN_CLUSTER}/${other}" is not permitted by destinations`],
    ['kind', `project "${proj}": resource "rbac.authorization.k8s.io/ClusterRole argo-escalate-${runId}" is not permitted by clusterResourceWhitelist`],
  ];
  for (const [name, message] of refused) {
    expect(await condition(namespace, name, 'InvalidSpecError', message, 'argoproj.io')).toMatch(new RegExp(`^Application ${namespace}/${name}: `));
  }
  // The project admits what it lists: the plain app syncs.
  await eventually('the permitted argoproj.io app to be Synced by a successful operation', async () => {
    const status = ((await kube.get('argoproj.io/v1alpha1', 'Application', namespace, 'fine')) as any)?.status;
    return status?.sync?.status === 'Synced' && status?.operationState?.phase === 'Succeeded' ? true : undefined;
  }, 90_000);
  expect(await exists('v1', 'ConfigMap', namespace, 'plain')).toBe(true);
  // Nothing of the refused ones was applied, and none of them ran an operation.
  expect(await exists('v1', 'ConfigMap', other, 'plain')).toBe(false);
  expect(await exists('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, `argo-escalate-${runId}`)).toBe(false);
  expect(await exists('v1', 'ConfigMap', namespace, 'beside-cluster-role')).toBe(false);
  for (const [name] of refused) expect(((await kube.get('argoproj.io/v1alpha1', 'Application', namespace, name)) as any)?.status?.operationState).toBeUndefined();
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

const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch'];

/** Whether the API server's authorizer lets `user` do `verb` on `resource` in `namespace` now. */
async function authorized(user: string, namespace: string, group: string, resource: string, verb: string): Promise<boolean> {
  const review = await kube.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, resourceAttributes: { namespace, group, resource, verb } } },
  });
  return review.status.allowed;
}

/**
 * The ServiceAccount `name` in `namespace`, allowed `rules` there (a Role of its name, bound to it); applied again
 * to change them. Returns once the authorizer grants every rule (its RBAC cache follows the write a moment later).
 */
async function account(namespace: string, name: string, rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>): Promise<string> {
  await kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } } as KubeObject);
  await kube.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules } as unknown as KubeObject);
  await kube.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace }],
  } as unknown as KubeObject);
  const user = `system:serviceaccount:${namespace}:${name}`;
  const wanted = rules.flatMap((r) => r.verbs.map((verb) => [r.apiGroups[0], r.resources[0], verb] as const));
  await eventually(`RBAC to grant ${user} its rules`, async () => ((await Promise.all(wanted.map(([group, resource, verb]) => authorized(user, namespace, group, resource, verb)))).every(Boolean) ? true : undefined));
  return user;
}

const acting = (namespace: string, repoURL: string, serviceAccount: string) => ({
  sourceRepos: [repoURL], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: ['*'],
  destinationServiceAccounts: [{ server: IN_CLUSTER, namespace, defaultServiceAccount: serviceAccount }],
});

/** The app workflow's own view: whether it holds a retry, and which revision it gave up on. */
const retryState = async (namespace: string, name: string) => {
  const { state } = (await run.appHandle(namespace, name).query('status')) as { state: { retry?: unknown; failedRevision?: string } };
  return { retry: state.retry, failedRevision: state.failedRevision };
};

test('destinationServiceAccounts: applies run as the project\'s ServiceAccount; what it may not create fails the sync at its dry-run with a SyncError naming the account, verb and resource, not retried; granted, the next sync clears it', async () => {
  const namespace = await run.namespace('proj-sa');
  const repo = await run.repo('proj-sa');
  repo.commit('config', { 'allowed/config.yaml': configMap('allowed'), 'denied/config.yaml': configMap('beside-role'), 'denied/role.yaml': role('wanted') });
  // The deployer may manage ConfigMaps here, and only read Roles.
  const configMaps = { apiGroups: [''], resources: ['configmaps'], verbs: [...MANAGE, 'delete'] };
  const deployer = await account(namespace, 'deployer', [configMaps, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get', 'list', 'watch'] }]);
  const proj = await project('sa', acting(namespace, repo.url, 'deployer'));

  await app({ name: 'allowed', namespace, project: proj, repoURL: repo.url, path: 'allowed' });
  await app({ name: 'denied', namespace, project: proj, repoURL: repo.url, path: 'denied', defaultRetry: true });
  await synced(namespace, 'allowed');
  expect(await exists('v1', 'ConfigMap', namespace, 'allowed')).toBe(true);
  // The worker itself could create the Role; the ServiceAccount cannot, and the API server says so: the sync's
  // dry-run is refused, so the operation fails at once, naming the account and the resource.
  const failed = (await run.waitForOperation(namespace, 'denied', 'Failed')).status.operationState;
  expect(failed.message).toContain('forbidden');
  expect(failed.message).toContain(`User "${deployer}" cannot patch resource "roles"`);
  expect(await condition(namespace, 'denied', 'SyncError', `${deployer} may not patch roles.rbac.authorization.k8s.io "wanted" in namespace ${namespace}`))
    .toMatch(new RegExp(`^Application ${namespace}/denied: sync to ${failed.syncResult.revision.slice(0, 12)} forbidden: `));
  expect(await exists('rbac.authorization.k8s.io/v1', 'Role', namespace, 'wanted')).toBe(false);
  expect(await exists('v1', 'ConfigMap', namespace, 'beside-role')).toBe(false);
  // Not retried, though the automated default policy would allow 5 retries.
  expect(failed.retryCount).toBe(0);
  expect(await retryState(namespace, 'denied')).toEqual({ retry: undefined, failedRevision: failed.syncResult.revision });

  // The deployer may now manage Roles: the next commit syncs, and the condition is gone.
  await account(namespace, 'deployer', [configMaps, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: MANAGE }]);
  await nextCommitSyncs(repo, namespace, 'denied', 'denied/config.yaml', 'beside-role');
  expect(await exists('rbac.authorization.k8s.io/v1', 'Role', namespace, 'wanted')).toBe(true);
});

test('destinationServiceAccounts: a prune runs as the ServiceAccount: not allowed to delete, the object stays and the refusal names it (not retried); allowed, the next sync prunes it', async () => {
  const namespace = await run.namespace('proj-prune');
  const repo = await run.repo('proj-prune');
  repo.commit('config', { 'app/keep.yaml': configMap('keep'), 'app/old.yaml': configMap('old') });
  const pruner = await account(namespace, 'pruner', [{ apiGroups: [''], resources: ['configmaps'], verbs: MANAGE }]);
  const proj = await project('prune', acting(namespace, repo.url, 'pruner'));
  await app({ name: 'pruned', namespace, project: proj, repoURL: repo.url, path: 'app', defaultRetry: true });
  await synced(namespace, 'pruned');

  // old.yaml leaves git: the prune is the ServiceAccount's, and the API server refuses it (the worker could delete it).
  const dropped = await run.push(repo, namespace, 'pruned', 'drop old', { 'app/old.yaml': null });
  const failed = (await run.waitForOperation(namespace, 'pruned', 'Failed', dropped)).status.operationState;
  expect(failed.message).toContain(`configmaps "old" is forbidden: User "${pruner}" cannot delete resource "configmaps"`);
  await condition(namespace, 'pruned', 'SyncError', `${pruner} may not delete configmaps "old" in namespace ${namespace}`);
  expect(await exists('v1', 'ConfigMap', namespace, 'old')).toBe(true);
  expect(await retryState(namespace, 'pruned')).toEqual({ retry: undefined, failedRevision: dropped });

  // Allowed to delete: the next commit's sync prunes it, as the ServiceAccount.
  await account(namespace, 'pruner', [{ apiGroups: [''], resources: ['configmaps'], verbs: [...MANAGE, 'delete'] }]);
  await nextCommitSyncs(repo, namespace, 'pruned', 'app/keep.yaml', 'keep');
  expect(await exists('v1', 'ConfigMap', namespace, 'old')).toBe(false);
});

test('destinationServiceAccounts: the finalizer deletes as the ServiceAccount: refused, the app stays with a DeletionError naming the object; granted, it is deleted and released', async () => {
  const namespace = await run.namespace('proj-fin-sa');
  const repo = await run.repo('proj-fin-sa');
  repo.commit('config', { 'app/config.yaml': configMap('settings') });
  const keeper = await account(namespace, 'keeper', [{ apiGroups: [''], resources: ['configmaps'], verbs: MANAGE }]);
  const proj = await project('fin-sa', acting(namespace, repo.url, 'keeper'));
  await app({ name: 'kept', namespace, project: proj, repoURL: repo.url, path: 'app', finalizer: true });
  await synced(namespace, 'kept');

  await kube.delete('sluice.dev/v1alpha1', 'Application', namespace, 'kept');
  await condition(namespace, 'kept', 'DeletionError', `${keeper} may not delete configmaps "settings" in namespace ${namespace}`);
  expect(await exists('v1', 'ConfigMap', namespace, 'settings')).toBe(true);
  expect((await application(namespace, 'kept'))?.metadata?.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);

  // Allowed to delete: the finalizer's next attempt deletes the ConfigMap and releases the app.
  await account(namespace, 'keeper', [{ apiGroups: [''], resources: ['configmaps'], verbs: [...MANAGE, 'delete'] }]);
  await eventually('the Application to be finalized and gone', async () => ((await application(namespace, 'kept')) ? undefined : true), 120_000);
  expect(await exists('v1', 'ConfigMap', namespace, 'settings')).toBe(false);
});
