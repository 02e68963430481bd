import { compareResource } from '../../../domain/diff/compare';
import { jqPaths, fieldsV1Paths, changedPaths } from '../../../domain/diff/paths';
import { KubeObject } from '../../../domain/resource/types';

function deployment(replicas: number, image = 'nginx:1.27', extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'app', ...extra },
    spec: { replicas, template: { spec: { containers: [{ name: 'web', image }, { name: 'sidecar', image: 'envoy:1' }] } } },
  };
}

const live = (obj: KubeObject): KubeObject => ({
  ...structuredClone(obj),
  metadata: { ...obj.metadata, uid: 'u-1', resourceVersion: '42', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [] },
  status: { replicas: 2 },
});

test('server-owned fields do not count as differences', () => {
  expect(compareResource(deployment(2), live(deployment(2)))).toMatchObject({ status: 'Synced', changedPaths: [], diff: '' });
});

test('a scaled Deployment is OutOfSync with a diff naming spec.replicas', () => {
  const result = compareResource(deployment(2), live(deployment(5)));
  expect(result.status).toBe('OutOfSync');
  expect(result.changedPaths).toEqual(['spec.replicas']);
  expect(result.diff).toContain('-  replicas: 5');
  expect(result.diff).toContain('+  replicas: 2');
});

test('ignoreDifferences: jsonPointers, jq path expressions and managedFieldsManagers', () => {
  expect(compareResource(deployment(2), live(deployment(5)), [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }]).status).toBe('Synced');
  // A rule for another kind, group or name does not apply.
  expect(compareResource(deployment(2), live(deployment(5)), [{ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }]).status).toBe('OutOfSync');
  expect(compareResource(deployment(2), live(deployment(5)), [{ group: 'apps', kind: 'Deployment', name: 'other', jsonPointers: ['/spec/replicas'] }]).status).toBe('OutOfSync');

  const jq = [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "sidecar") | .image'] }];
  expect(compareResource(deployment(2), live(deployment(2)), jq).status).toBe('Synced');
  const sidecarChanged = live(deployment(2));
  (sidecarChanged.spec as any).template.spec.containers[1].image = 'envoy:2';
  expect(compareResource(deployment(2), sidecarChanged, jq).status).toBe('Synced');
  const webChanged = live(deployment(2, 'nginx:1.28'));
  expect(compareResource(deployment(2), webChanged, jq).changedPaths).toEqual(['spec.template.spec.containers[0].image']);

  const hpaOwned = live(deployment(7));
  hpaOwned.metadata.managedFields = [{ manager: 'hpa-controller', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
  expect(compareResource(deployment(2), hpaOwned, [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['hpa-controller'] }]).status).toBe('Synced');
  expect(compareResource(deployment(2), hpaOwned, [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['someone-else'] }]).status).toBe('OutOfSync');
});

test('Secret values never appear in a diff, but a change still shows', () => {
  const secret = (password: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'app' }, data: { password, user: 'YWRtaW4=' } });
  const changed = compareResource(secret('bmV3LXNlY3JldA=='), live(secret('b2xkLXNlY3JldA==')));
  expect(changed.status).toBe('OutOfSync');
  expect(changed.changedPaths).toEqual(['data.password']);
  expect(changed.diff).not.toMatch(/bmV3LXNlY3JldA|b2xkLXNlY3JldA|YWRtaW4/);
  expect(compareResource(secret('c2FtZQ=='), live(secret('c2FtZQ=='))).status).toBe('Synced');
  const missing = compareResource(secret('c2VjcmV0'), undefined);
  expect(missing.status).toBe('OutOfSync');
  expect(missing.diff).not.toContain('c2VjcmV0');
});

test('jq path subset and fieldsV1 resolve to concrete paths', () => {
  const value = { a: { list: [{ name: 'x', v: 1 }, { name: 'y', v: 2 }] }, m: { k1: 1, k2: 2 } };
  expect(jqPaths(value, '.a.list[] | select(.name == "y") | .v')).toEqual([['a', 'list', 1, 'v']]);
  expect(jqPaths(value, '.a.list[0].name')).toEqual([['a', 'list', 0, 'name']]);
  expect(jqPaths(value, '.m[]')).toEqual([['m', 'k1'], ['m', 'k2']]);
  expect(jqPaths(value, '.["m"].k2')).toEqual([['m', 'k2']]);
  expect(() => jqPaths(value, '.a | length')).toThrow(/unsupported jq syntax/);
  expect(fieldsV1Paths(value, { 'f:a': { 'f:list': { 'k:{"name":"x"}': { '.': {}, 'f:v': {} } } } })).toEqual([['a', 'list', 0, 'v']]);
  expect(changedPaths({ a: [1, 2] }, { a: [1, 2, 3] })).toEqual(['a']);
});
