// What deleting an app deletes (Argo CD's shouldBeDeleted), and FailOnSharedResource's ownership check.
import { parseSyncOptions } from '../../../domain/application/sync-options';
import { deletedWithApp } from '../../../domain/plan/deletion';
import { otherOwner, sharedResourceError } from '../../../domain/plan/shared-resource';
import { KubeObject } from '../../../domain/resource/types';

const obj = (kind: string, annotations: Record<string, string> = {}, apiVersion = 'v1'): KubeObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns', annotations } });

test.each([
  ['an ordinary object', obj('ConfigMap'), [], true],
  ['Delete=false on the resource', obj('ConfigMap', { 'argocd.argoproj.io/sync-options': 'Delete=false' }), [], false],
  ['Delete=false on the resource, among other options', obj('ConfigMap', { 'sluice.dev/sync-options': 'Prune=false, Delete=false' }), [], false],
  ['Delete=false on the app', obj('ConfigMap'), ['Delete=false'], false],
  ['Delete=true on the resource overrides the app', obj('ConfigMap', { 'argocd.argoproj.io/sync-options': 'Delete=true' }), ['Delete=false'], true],
  ['Prune=false alone (it guards pruning, not app deletion)', obj('ConfigMap', { 'argocd.argoproj.io/sync-options': 'Prune=false' }), [], true],
  ["Helm's resource-policy keep", obj('Secret', { 'helm.sh/resource-policy': 'keep' }), [], false],
  ['a CustomResourceDefinition', obj('CustomResourceDefinition', {}, 'apiextensions.k8s.io/v1'), [], false],
])('deleting the app deletes %s: %s', (_label, object, appOptions, expected) => {
  expect(deletedWithApp(object, parseSyncOptions(appOptions))).toBe(expected);
});

const tracked = (id: string | undefined): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'ns', annotations: id ? { 'sluice.dev/tracking-id': id } : {} } });

test.each([
  ['nothing live', undefined, undefined],
  ['live and untracked', tracked(undefined), undefined],
  ['tracked by this app', tracked('team_mine:/ConfigMap:ns/shared'), undefined],
  ['tracked by this app the old way, by its bare name (adopted, not shared)', tracked('mine:/ConfigMap:ns/shared'), undefined],
  ['tracked by another app', tracked('team_theirs:/ConfigMap:ns/shared'), 'team_theirs'],
  ['tracked by an app of the same name in another namespace', tracked('other_mine:/ConfigMap:ns/shared'), 'other_mine'],
  ['a tracking id copied from another object', tracked('theirs:/ConfigMap:ns/other'), undefined],
  ["tracked by another app through Argo CD's annotation", { ...tracked(undefined), metadata: { ...tracked(undefined).metadata, annotations: { 'argocd.argoproj.io/tracking-id': 'argo-app:/ConfigMap:ns/shared' } } }, 'argo-app'],
])('the other owner of an object %s', (_label, live, expected) => {
  expect(otherOwner(live, { namespace: 'team', name: 'mine' })).toBe(expected);
});

test('the shared-resource error names each object and both apps', () => {
  expect(sharedResourceError({ namespace: 'team', name: 'mine' }, [])).toBeUndefined();
  const error = sharedResourceError({ namespace: 'team', name: 'mine' }, [{ subject: 'ConfigMap/ns/shared', owner: 'team_theirs' }]);
  expect(error).toMatchObject({ name: 'SharedResourceError', message: 'Shared resource found (FailOnSharedResource=true): ConfigMap/ns/shared is part of applications team_theirs and team_mine' });
});
