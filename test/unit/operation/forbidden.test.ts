// The API server's refusals, as the SyncError condition tells them: who, which verb, which resource.
import { describeForbidden, isRetryableFailure, parseForbidden, syncErrorMessage } from '../../../domain/operation/forbidden';

const SA = 'system:serviceaccount:team:deployer';

describe('parseForbidden reads the API server\'s 403 sentence', () => {
  test.each<[string, string, ReturnType<typeof parseForbidden>]>([
    ['a namespaced object (a dry-run apply), behind the sync\'s subject',
      `Role/team/wanted: roles.rbac.authorization.k8s.io "wanted" is forbidden: User "${SA}" cannot patch resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "team"`,
      { user: SA, verb: 'patch', resource: 'roles', group: 'rbac.authorization.k8s.io', name: 'wanted', namespace: 'team' }],
    ['a prune of a core object',
      `permission denied: configmaps "old" is forbidden: User "${SA}" cannot delete resource "configmaps" in API group "" in the namespace "team"`,
      { user: SA, verb: 'delete', resource: 'configmaps', group: '', name: 'old', namespace: 'team' }],
    ['a cluster-scoped object',
      'clusterroles.rbac.authorization.k8s.io "admin-ish" is forbidden: User "sluice-restricted" cannot patch resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
      { user: 'sluice-restricted', verb: 'patch', resource: 'clusterroles', group: 'rbac.authorization.k8s.io', name: 'admin-ish' }],
    ['a list, which names no object',
      `configmaps is forbidden: User "${SA}" cannot list resource "configmaps" in API group "" in the namespace "team"`,
      { user: SA, verb: 'list', resource: 'configmaps', group: '', namespace: 'team' }],
    ['a subresource',
      `deployments.apps "web" is forbidden: User "${SA}" cannot update resource "deployments/scale" in API group "apps" in the namespace "team"`,
      { user: SA, verb: 'update', resource: 'deployments/scale', group: 'apps', name: 'web', namespace: 'team' }],
    ['RBAC\'s escalation check: another sentence, not parsed',
      `roles.rbac.authorization.k8s.io "wanted" is forbidden: user "${SA}" (groups=["system:serviceaccounts"]) is attempting to grant RBAC permissions not currently held`,
      undefined],
    ['not a refusal at all', 'connection refused', undefined],
  ])('%s', (_what, message, expected) => {
    expect(parseForbidden(message)).toEqual(expected);
  });
});

test('describeForbidden names the user, the verb and the resource with its group and place', () => {
  expect(describeForbidden({ user: SA, verb: 'patch', resource: 'roles', group: 'rbac.authorization.k8s.io', name: 'wanted', namespace: 'team' }))
    .toBe(`${SA} may not patch roles.rbac.authorization.k8s.io "wanted" in namespace team`);
  expect(describeForbidden({ user: 'u', verb: 'create', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' })).toBe('u may not create clusterroles.rbac.authorization.k8s.io at cluster scope');
  expect(describeForbidden({ user: 'u', verb: 'delete', resource: 'configmaps', group: '', name: 'old', namespace: 'team' })).toBe('u may not delete configmaps "old" in namespace team');
});

test.each<[string, string | undefined, boolean]>([
  ['a refusal by the API server', 'PermissionDenied', false],
  ['a manifest the API rejects (Argo CD retries it too)', 'InvalidManifest', true],
  ['a resource that turned Degraded', 'ResourceDegraded', true],
  ['an ending from a sync that names no failure type (older workers)', undefined, true],
])('retryable: %s', (_what, failure, expected) => {
  expect(isRetryableFailure(failure)).toBe(expected);
});

describe('syncErrorMessage: the condition stands only while the last sync is a refusal', () => {
  const revision = 'c'.repeat(40);
  const refusal = `Role/team/wanted: roles.rbac.authorization.k8s.io "wanted" is forbidden: User "${SA}" cannot patch resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "team"`;
  test.each<[string, Parameters<typeof syncErrorMessage>[0], string | undefined]>([
    ['no sync yet', undefined, undefined],
    ['a refusal, parsed', { outcome: 'Failed', revision, message: refusal, failure: 'PermissionDenied' },
      `sync to cccccccccccc forbidden: ${SA} may not patch roles.rbac.authorization.k8s.io "wanted" in namespace team; not retried: grant it (or change the project), then sync again`],
    ['a refusal in words the parser does not know: the API server\'s own', { outcome: 'Failed', revision, message: 'permission denied: Unauthorized', failure: 'PermissionDenied' },
      'sync to cccccccccccc forbidden: permission denied: Unauthorized; not retried: grant it (or change the project), then sync again'],
    ['another failure', { outcome: 'Failed', revision, message: 'ConfigMap/team/c: invalid', failure: 'InvalidManifest' }, undefined],
    ['a later success clears it', { outcome: 'Succeeded', revision, message: 'successfully synced' }, undefined],
    ['a terminated sync', { outcome: 'Terminated', revision, message: 'terminated by bob' }, undefined],
  ])('%s', (_what, last, expected) => {
    expect(syncErrorMessage(last)).toBe(expected);
  });
});
