// AppProject checks, table by table, in Argo CD's semantics (app_project_types.go).
import { globMatches } from '../../../domain/project/glob';
import {
  applicationViolations, AppProject, AppProjectSpec, impersonation, isAppNamespacePermitted, isDestinationPermitted, isSourcePermitted, kindRefusedBy, resourceViolation,
} from '../../../domain/project/project';

const IN_CLUSTER = 'https://kubernetes.default.svc';

test.each<[string, string, '/' | undefined, boolean]>([
  ['*', 'anything/at/all', '/', true],
  ['https://git.example.com/*', 'https://git.example.com/team-a', '/', true],
  ['https://git.example.com/*', 'https://git.example.com/team-a/app', '/', false],
  ['https://git.example.com/**', 'https://git.example.com/team-a/app', '/', true],
  ['https://*', IN_CLUSTER, undefined, true],
  ['team-?', 'team-a', undefined, true],
  ['team-[ab]', 'team-c', undefined, false],
  ['team-[!ab]', 'team-c', undefined, true],
  ['{dev,prod}-*', 'prod-eu', undefined, true],
  ['{dev,prod}-*', 'staging-eu', undefined, false],
  ['a.b', 'axb', undefined, false],
])('glob %s against %s (separator %s): %s', (pattern, value, separator, expected) => {
  expect(globMatches(pattern, value, separator)).toBe(expected);
});

test.each<[string, string[], string, boolean]>([
  ['a listed repo', ['https://git.example.com/team-a/app.git'], 'https://git.example.com/team-a/app', true],
  ['case of the host and .git do not matter', ['https://GIT.example.com/team-a/app'], 'https://git.example.com/team-a/app.git', true],
  ['an unlisted repo', ['https://git.example.com/team-a/*'], 'https://git.example.com/team-b/app', false],
  ['no sourceRepos permits nothing', [], 'https://git.example.com/team-a/app', false],
  ['a deny pattern that matches refuses', ['*', '!https://git.example.com/secret/*'], 'https://git.example.com/secret/app', false],
  ['a deny pattern that does not match', ['*', '!https://git.example.com/secret/*'], 'https://git.example.com/team-a/app', true],
  ['deny patterns alone permit the rest', ['!https://git.example.com/secret/*'], 'https://git.example.com/team-a/app', true],
])('sourceRepos: %s', (_, sourceRepos, url, expected) => {
  expect(isSourcePermitted({ sourceRepos }, url)).toBe(expected);
});

test.each<[string, AppProjectSpec['destinations'], { server?: string; name?: string; namespace?: string }, boolean]>([
  ['server and namespace listed', [{ server: IN_CLUSTER, namespace: 'team-a' }], { server: IN_CLUSTER, namespace: 'team-a' }, true],
  ['another namespace', [{ server: IN_CLUSTER, namespace: 'team-a' }], { server: IN_CLUSTER, namespace: 'team-b' }, false],
  ['namespace glob', [{ server: '*', namespace: 'team-a-*' }], { server: IN_CLUSTER, namespace: 'team-a-dev' }, true],
  ['by cluster name', [{ name: 'prod', namespace: '*' }], { name: 'prod', namespace: 'web' }, true],
  ['a name pattern does not match a server', [{ name: 'prod', namespace: '*' }], { server: IN_CLUSTER, namespace: 'web' }, false],
  ['no destinations', [], { server: IN_CLUSTER, namespace: 'web' }, false],
  ['a deny namespace that matches refuses', [{ server: '*', namespace: '*' }, { server: '*', namespace: '!kube-system' }], { server: IN_CLUSTER, namespace: 'kube-system' }, false],
  ['a deny namespace that does not match', [{ server: '*', namespace: '*' }, { server: '*', namespace: '!kube-system' }], { server: IN_CLUSTER, namespace: 'web' }, true],
])('destinations: %s', (_, destinations, destination, expected) => {
  expect(isDestinationPermitted({ destinations }, destination)).toBe(expected);
});

test.each<[string, AppProjectSpec, string, string, boolean, string | undefined]>([
  ['namespaced kinds are allowed with no namespace lists', {}, 'apps', 'Deployment', true, undefined],
  ['cluster-scoped kinds are refused with no cluster whitelist', {}, 'rbac.authorization.k8s.io', 'ClusterRoleBinding', false, 'clusterResourceWhitelist'],
  ['a cluster whitelist entry', { clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] }, '', 'Namespace', false, undefined],
  ['a cluster whitelist with globs', { clusterResourceWhitelist: [{ group: '*', kind: '*' }] }, 'rbac.authorization.k8s.io', 'ClusterRole', false, undefined],
  ['a cluster blacklist wins', { clusterResourceWhitelist: [{ group: '*', kind: '*' }], clusterResourceBlacklist: [{ group: 'rbac.authorization.k8s.io', kind: '*' }] }, 'rbac.authorization.k8s.io', 'ClusterRoleBinding', false, 'clusterResourceBlacklist'],
  ['a namespace whitelist that misses', { namespaceResourceWhitelist: [{ group: '', kind: 'ConfigMap' }] }, 'rbac.authorization.k8s.io', 'Role', true, 'namespaceResourceWhitelist'],
  ['an empty namespace whitelist refuses all', { namespaceResourceWhitelist: [] }, '', 'ConfigMap', true, 'namespaceResourceWhitelist'],
  ['a namespace blacklist', { namespaceResourceBlacklist: [{ group: 'rbac.authorization.k8s.io', kind: 'Role*' }] }, 'rbac.authorization.k8s.io', 'RoleBinding', true, 'namespaceResourceBlacklist'],
])('kinds: %s', (_, spec, group, kind, namespaced, refusedBy) => {
  expect(kindRefusedBy(spec, group, kind, namespaced)).toBe(refusedBy);
});

test.each<[string, string[] | undefined, string, boolean]>([
  ['the control namespace always may', undefined, 'sluice', true],
  ['no sourceNamespaces: only the control namespace', undefined, 'team-a', false],
  ['a listed glob', ['team-*'], 'team-a', true],
  ['an unlisted namespace', ['team-*'], 'other', false],
])('sourceNamespaces: %s', (_, sourceNamespaces, namespace, expected) => {
  expect(isAppNamespacePermitted({ sourceNamespaces }, namespace, 'sluice')).toBe(expected);
});

const teamA: AppProject = {
  name: 'team-a',
  spec: {
    sourceRepos: ['https://git.example.com/team-a/*'],
    destinations: [{ server: IN_CLUSTER, namespace: 'team-a-*' }],
    sourceNamespaces: ['team-a'],
    namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
  },
};

test('an application is checked before rendering: project, namespace, repo and destination, each named', () => {
  const base = { projectName: 'team-a', project: teamA, appNamespace: 'team-a', controlNamespace: 'sluice', repoURLs: ['https://git.example.com/team-a/web'], destination: { server: IN_CLUSTER, namespace: 'team-a-web' } };
  expect(applicationViolations(base)).toEqual([]);
  expect(applicationViolations({ ...base, project: undefined })[0].message).toBe('spec.project: AppProject "team-a" does not exist in namespace "sluice"');
  const bad = applicationViolations({ ...base, appNamespace: 'team-b', repoURLs: ['https://git.example.com/team-b/web'], destination: { server: IN_CLUSTER, namespace: 'team-b-web' } });
  expect(bad.map((v) => [v.field, v.value])).toEqual([
    ['sourceNamespaces', 'team-b'],
    ['sourceRepos', 'https://git.example.com/team-b/web'],
    ['destinations', `${IN_CLUSTER}/team-b-web`],
  ]);
  expect(bad[1].message).toBe('project "team-a": repository "https://git.example.com/team-b/web" is not permitted by sourceRepos');
});

test('a rendered resource is checked for its kind and for the namespace it names', () => {
  const destination = { server: IN_CLUSTER, namespace: 'team-a-web' };
  expect(resourceViolation(teamA, destination, { group: '', kind: 'ConfigMap', namespace: 'team-a-web', name: 'settings' })).toBeUndefined();
  expect(resourceViolation(teamA, destination, { group: '', kind: 'ResourceQuota', namespace: 'team-a-web', name: 'q' })?.message)
    .toBe('project "team-a": resource "ResourceQuota team-a-web/q" is not permitted by namespaceResourceBlacklist');
  expect(resourceViolation(teamA, destination, { group: '', kind: 'ConfigMap', namespace: 'kube-system', name: 'x' })?.message)
    .toBe('project "team-a": resource namespace of "ConfigMap kube-system/x" is not permitted by destinations');
  expect(resourceViolation(teamA, destination, { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', name: 'admin' })?.field).toBe('clusterResourceWhitelist');
});

test.each<[string, AppProjectSpec['destinationServiceAccounts'], { server?: string; namespace?: string }, string | undefined, string | undefined]>([
  ['no entries: the worker\'s own identity', undefined, { server: IN_CLUSTER, namespace: 'web' }, undefined, undefined],
  ['an account in the destination namespace', [{ server: '*', namespace: '*', defaultServiceAccount: 'deployer' }], { server: IN_CLUSTER, namespace: 'web' }, 'system:serviceaccount:web:deployer', undefined],
  ['an account with its namespace', [{ server: IN_CLUSTER, namespace: 'web', defaultServiceAccount: 'ops:deployer' }], { server: IN_CLUSTER, namespace: 'web' }, 'system:serviceaccount:ops:deployer', undefined],
  ['the first match wins', [{ server: '*', namespace: 'web', defaultServiceAccount: 'first' }, { server: '*', namespace: '*', defaultServiceAccount: 'second' }], { server: IN_CLUSTER, namespace: 'web' }, 'system:serviceaccount:web:first', undefined],
  ['no entry matches', [{ server: '*', namespace: 'other', defaultServiceAccount: 'x' }], { server: IN_CLUSTER, namespace: 'web' }, undefined, 'destinationServiceAccounts'],
  ['an account with spaces', [{ server: '*', namespace: '*', defaultServiceAccount: 'a b' }], { server: IN_CLUSTER, namespace: 'web' }, undefined, 'destinationServiceAccounts'],
])('destinationServiceAccounts: %s', (_, destinationServiceAccounts, destination, user, field) => {
  const result = impersonation({ name: 'p', spec: { destinationServiceAccounts } }, destination, 'apps');
  expect(result.user).toBe(user);
  expect(result.violation?.field).toBe(field);
});
