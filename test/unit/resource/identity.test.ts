import { appInstanceName, repeatedResources, ownership, owningApp, parseTrackingId, prepareDesired, trackingId, TRACKING_ANNOTATION, TRACKING_LABEL, trackingLabelValue } from '../../../domain/resource/identity';
import { KubeObject } from '../../../domain/resource/types';

const namespaced = (_group: string, kind: string) => !['Namespace', 'ClusterRole', 'CustomResourceDefinition'].includes(kind);
const app = { namespace: 'team-a', name: 'web' };

test('tracking ids use Argo CD format and round-trip', () => {
  const key = { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'frontend' };
  expect(trackingId('guestbook', key)).toBe('guestbook:apps/Deployment:web/frontend');
  expect(parseTrackingId('guestbook:apps/Deployment:web/frontend')).toEqual({ app: 'guestbook', key });
  expect(parseTrackingId('team-a_guestbook:apps/Deployment:web/frontend')).toEqual({ app: 'team-a_guestbook', key });
  expect(parseTrackingId('guestbook:/Namespace:/web')).toEqual({ app: 'guestbook', key: { group: '', kind: 'Namespace', namespace: '', name: 'web' } });
  expect(parseTrackingId('nonsense')).toBeUndefined();
});

test.each([
  ['a plain app', { namespace: 'team-a', name: 'web' }, 'team-a_web', 'team-a_web'],
  ['the same name in another namespace', { namespace: 'team-b', name: 'web' }, 'team-b_web', 'team-b_web'],
  ['an app in the worker\'s own namespace (no control-namespace exception)', { namespace: 'sluice', name: 'web' }, 'sluice_web', 'sluice_web'],
  ['exactly 63 characters', { namespace: 'n'.repeat(31), name: 'a'.repeat(31) }, `${'n'.repeat(31)}_${'a'.repeat(31)}`, `${'n'.repeat(31)}_${'a'.repeat(31)}`],
])('the instance name of %s is <namespace>_<name>, and its label value fits', (_what, identity, instance, label) => {
  expect(appInstanceName(identity)).toBe(instance);
  expect(trackingLabelValue(appInstanceName(identity))).toBe(label);
});

test('a long instance name becomes a 63-character label value that still tells two apps apart', () => {
  const long = appInstanceName({ namespace: 'a-rather-long-team-namespace', name: 'an-application-with-a-longer-name-1' });
  const other = appInstanceName({ namespace: 'a-rather-long-team-namespace', name: 'an-application-with-a-longer-name-2' });
  expect(long.length).toBeGreaterThan(63);
  expect(trackingLabelValue(long)).toHaveLength(63);
  expect(trackingLabelValue(long)).toMatch(/^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/);
  expect(trackingLabelValue(long)).not.toBe(trackingLabelValue(other));
});

test('the destination namespace is set only on namespaced objects that name none', () => {
  const cm = prepareDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, app, 'dest', namespaced);
  const other = prepareDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'mine' } }, app, 'dest', namespaced);
  const role = prepareDesired({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'oops' } }, app, 'dest', namespaced);
  expect(cm.metadata.namespace).toBe('dest');
  expect(other.metadata.namespace).toBe('mine');
  expect(role.metadata.namespace).toBeUndefined();
  expect(cm.metadata.annotations?.[TRACKING_ANNOTATION]).toBe('team-a_web:/ConfigMap:dest/a');
  expect(cm.metadata.labels?.[TRACKING_LABEL]).toBe('team-a_web');
  expect(role.metadata.annotations?.[TRACKING_ANNOTATION]).toBe('team-a_web:rbac.authorization.k8s.io/ClusterRole:/r');
});

test('an object is owned only when its tracking id names the object itself', () => {
  const prepared = prepareDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, app, 'dest', namespaced);
  expect(owningApp(prepared)).toBe('team-a_web');
  const copied = { ...prepared, metadata: { ...prepared.metadata, name: 'copy' } };
  expect(owningApp(copied)).toBeUndefined();
  const argo = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'dest', annotations: { 'argocd.argoproj.io/tracking-id': 'legacy:/ConfigMap:dest/a' } } };
  expect(owningApp(argo)).toBe('legacy');
});

const stamped = (id: string | undefined, name = 'cm', annotation = TRACKING_ANNOTATION): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'dest', annotations: id ? { [annotation]: id } : {} } });

test.each([
  ['stamped with this app\'s instance name', stamped('team-a_web:/ConfigMap:dest/cm'), 'owned'],
  ['stamped by Argo CD for an app in another namespace with the same qualified name', stamped('team-a_web:/ConfigMap:dest/cm', 'cm', 'argocd.argoproj.io/tracking-id'), 'owned'],
  ['stamped with the same name in another namespace', stamped('team-b_web:/ConfigMap:dest/cm'), 'foreign'],
  ['stamped the old way, with the bare name', stamped('web:/ConfigMap:dest/cm'), 'legacy'],
  ['stamped by Argo CD in its control namespace (bare name)', stamped('web:/ConfigMap:dest/cm', 'cm', 'argocd.argoproj.io/tracking-id'), 'legacy'],
  ['a copy of this app\'s object under another name', stamped('team-a_web:/ConfigMap:dest/cm', 'copy'), 'foreign'],
  ['a copy of a legacy object', stamped('web:/ConfigMap:dest/cm', 'copy'), 'foreign'],
  ['stamped by another app', stamped('team-a_api:/ConfigMap:dest/cm'), 'foreign'],
  ['untracked', stamped(undefined), 'foreign'],
])('ownership of an object %s', (_what, obj, expected) => {
  expect(ownership(obj, app)).toBe(expected);
});

test('a legacy object the app still declares is re-stamped with the new id by prepareDesired', () => {
  const legacy = stamped('web:/ConfigMap:dest/cm');
  const desired = prepareDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }, app, 'dest', namespaced);
  expect(ownership(legacy, app)).toBe('legacy');
  expect(ownership(desired, app)).toBe('owned');
});

const object = (kind: string, name: string | undefined, namespace?: string, apiVersion = 'v1', data?: string): KubeObject =>
  ({ apiVersion, kind, metadata: { ...(name ? { name } : { generateName: 'job-' }), ...(namespace ? { namespace } : {}) }, ...(data ? { data: { x: data } } : {}) }) as KubeObject;

test.each([
  ['distinct objects', [object('ConfigMap', 'a', 'ns'), object('ConfigMap', 'b', 'ns')], []],
  ['the same name in two namespaces', [object('ConfigMap', 'a', 'x'), object('ConfigMap', 'a', 'y')], []],
  ['the same name in two kinds', [object('ConfigMap', 'a', 'ns'), object('Secret', 'a', 'ns')], []],
  ['the same kind in two groups', [object('Widget', 'a', 'ns', 'one.example/v1'), object('Widget', 'a', 'ns', 'two.example/v1')], []],
  ['generateName objects', [object('Job', undefined, 'ns', 'batch/v1'), object('Job', undefined, 'ns', 'batch/v1')], []],
  ['two copies that differ', [object('ConfigMap', 'a', 'ns', 'v1', '1'), object('ConfigMap', 'a', 'ns', 'v1', '2')], [{ subject: 'ConfigMap/ns/a', count: 2 }]],
  ['three identical copies, two versions of a group', [object('Deployment', 'w', 'ns', 'apps/v1'), object('Deployment', 'w', 'ns', 'apps/v1beta1'), object('Deployment', 'w', 'ns', 'apps/v1')], [{ subject: 'apps/Deployment/ns/w', count: 3 }]],
  ['a cluster-scoped object twice', [object('ClusterRole', 'r', undefined, 'rbac.authorization.k8s.io/v1'), object('ClusterRole', 'r', undefined, 'rbac.authorization.k8s.io/v1')], [{ subject: 'rbac.authorization.k8s.io/ClusterRole/r', count: 2 }]],
])('repeated resources: %s', (_what, desired, expected) => {
  expect(repeatedResources(desired)).toEqual(expected);
});
