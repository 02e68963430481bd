import { owningApp, parseTrackingId, prepareDesired, trackingId, TRACKING_ANNOTATION } from '../../../domain/resource/identity';

const namespaced = (_group: string, kind: string) => !['Namespace', 'ClusterRole', 'CustomResourceDefinition'].includes(kind);

test('tracking ids use Argo CD format and round-trip', () => {
  const key = { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'frontend' };
  expect(trackingId('guestbook', key)).toBe('guestbook:apps/Deployment:web/frontend');
  expect(parseTrackingId('guestbook:apps/Deployment:web/frontend')).toEqual({ app: 'guestbook', key });
  expect(parseTrackingId('guestbook:/Namespace:/web')).toEqual({ app: 'guestbook', key: { group: '', kind: 'Namespace', namespace: '', name: 'web' } });
  expect(parseTrackingId('nonsense')).toBeUndefined();
});

test('the destination namespace is set only on namespaced objects that name none', () => {
  const cm = prepareDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, 'app', 'dest', namespaced);
  const other = prepareDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'mine' } }, 'app', 'dest', namespaced);
  const role = prepareDesired({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'oops' } }, 'app', 'dest', namespaced);
  expect(cm.metadata.namespace).toBe('dest');
  expect(other.metadata.namespace).toBe('mine');
  expect(role.metadata.namespace).toBeUndefined();
  expect(cm.metadata.annotations?.[TRACKING_ANNOTATION]).toBe('app:/ConfigMap:dest/a');
  expect(role.metadata.annotations?.[TRACKING_ANNOTATION]).toBe('app:rbac.authorization.k8s.io/ClusterRole:/r');
});

test('an object is owned only when its tracking id names the object itself', () => {
  const prepared = prepareDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, 'app', 'dest', namespaced);
  expect(owningApp(prepared)).toBe('app');
  const copied = { ...prepared, metadata: { ...prepared.metadata, name: 'copy' } };
  expect(owningApp(copied)).toBeUndefined();
  const argo = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'dest', annotations: { 'argocd.argoproj.io/tracking-id': 'legacy:/ConfigMap:dest/a' } } };
  expect(owningApp(argo)).toBe('legacy');
});
