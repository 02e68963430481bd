import { AppObject, managedKeys, mergePatch, metadataMapPatch, needsUpdate, ownerReference, planApplications } from '../../../domain/appset/plan';

const set = { apiVersion: 'sluice.dev/v1alpha1', name: 'envs', namespace: 'apps', uid: 'uid-envs' };
const other = { ...set, name: 'others', uid: 'uid-others' };

function app(name: string, extra: { spec?: Record<string, unknown>; owner?: typeof set | null; labels?: Record<string, string>; finalizers?: string[]; deleting?: boolean; managed?: string[] } = {}): AppObject {
  return {
    apiVersion: 'sluice.dev/v1alpha1', kind: 'Application',
    metadata: {
      name, namespace: 'apps', labels: extra.labels, finalizers: extra.finalizers,
      ...(extra.owner === null ? {} : { ownerReferences: [ownerReference(extra.owner ?? set)] }),
      ...(extra.deleting ? { deletionTimestamp: '2026-11-23T00:00:00Z' } : {}),
      ...(extra.managed ? { managedFields: [{ manager: 'sluice-applicationset', fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(extra.managed.map((k) => [`f:${k}`, {}])) } } }] } : {}),
    },
    spec: extra.spec ?? { source: { repoURL: 'r', path: name }, destination: { namespace: name } },
  };
}
const names = (apps: AppObject[]) => apps.map((a) => a.metadata.name);

test('new names are created, changed ones updated, equal ones left, and ones no longer generated deleted', () => {
  const existing = [app('dev'), app('staging', { spec: { source: { repoURL: 'r', path: 'old' }, destination: { namespace: 'staging' } } }), app('gone')];
  const plan = planApplications(set, [app('dev'), app('staging'), app('prod')], existing);
  expect(names(plan.create)).toEqual(['prod']);
  expect(names(plan.update)).toEqual(['staging']);
  expect(plan.unchanged).toEqual(['dev']);
  expect(plan.delete).toEqual(['gone']);
  expect(plan.conflicts).toEqual([]);
});

test.each([
  ['sync', { create: ['new'], update: ['changed'], delete: ['gone'], held: [] }],
  ['create-update', { create: ['new'], update: ['changed'], delete: [], held: [{ application: 'gone', change: 'delete' }] }],
  ['create-delete', { create: ['new'], update: [], delete: ['gone'], held: [{ application: 'changed', change: 'update' }] }],
  ['create-only', { create: ['new'], update: [], delete: [], held: [{ application: 'changed', change: 'update' }, { application: 'gone', change: 'delete' }] }],
] as const)('applicationsSync %s', (policy, expected) => {
  const existing = [app('changed', { spec: { was: 1 } }), app('gone')];
  const plan = planApplications(set, [app('new'), app('changed')], existing, { policy });
  expect({ create: names(plan.create), update: names(plan.update), delete: plan.delete, held: plan.held }).toEqual(expected);
});

test('a name another set owns is a conflict naming that set; nothing of it is updated or deleted', () => {
  const existing = [app('shared', { owner: other, spec: { mine: false } }), app('theirs', { owner: other })];
  const plan = planApplications(set, [app('shared')], existing);
  expect(plan.conflicts).toEqual([{ application: 'shared', ownedBy: 'others', message: expect.stringContaining('ApplicationSet others') }]);
  expect([plan.create, plan.update, plan.delete]).toEqual([[], [], []]);
});

test('an Application no set owns is not adopted: it is a conflict', () => {
  const plan = planApplications(set, [app('handmade')], [app('handmade', { owner: null })]);
  expect(plan.conflicts).toEqual([{ application: 'handmade', ownedBy: undefined, message: expect.stringContaining('no ApplicationSet owns it') }]);
  expect(plan.update).toEqual([]);
});

test('preserveResourcesOnDeletion strips the resources finalizer of the Applications it deletes', () => {
  const existing = [app('a', { finalizers: ['resources-finalizer.argocd.argoproj.io'] }), app('b')];
  expect(planApplications(set, [], existing, { preserveResourcesOnDeletion: true })).toMatchObject({ delete: ['a', 'b'], stripFinalizers: ['a'] });
  expect(planApplications(set, [], existing)).toMatchObject({ delete: ['a', 'b'], stripFinalizers: [] });
});

test('an Application still being deleted is waited for, not updated or deleted again', () => {
  const plan = planApplications(set, [app('dev')], [app('dev', { deleting: true, spec: { x: 1 } }), app('old', { deleting: true })]);
  expect(plan).toMatchObject({ waiting: ['dev'], update: [], delete: [], create: [] });
});

test('two generated Applications with one name is an error naming the field', () => {
  expect(() => planApplications(set, [app('dev'), app('dev')], [])).toThrow('spec.template.metadata.name: the generators produce more than one Application named dev');
});

test.each([
  ['equal', app('a', { labels: { env: 'dev' } }), app('a', { labels: { env: 'dev', extra: 'x' } }), false],
  ['spec differs', app('a', { spec: { x: 1 } }), app('a', { spec: { x: 2 } }), true],
  ['label value differs', app('a', { labels: { env: 'dev' } }), app('a', { labels: { env: 'prod' } }), true],
  ['a label the set set before is dropped from the template', app('a', { labels: {} }), app('a', { labels: { env: 'dev', other: 'x' }, managed: ['env'] }), true],
  ['a label someone else set stays', app('a', { labels: {} }), app('a', { labels: { other: 'x' }, managed: ['env'] }), false],
  ['a finalizer is missing', app('a', { finalizers: ['f'] }), app('a'), true],
  ['null and absent are the same', app('a', { spec: { x: 1, y: undefined } }), app('a', { spec: { x: 1, y: null } }), false],
])('needsUpdate: %s', (_name, desired, existing, expected) => {
  expect(needsUpdate(desired, existing)).toBe(expected);
});

test('managedKeys reads the set field manager\'s keys only', () => {
  expect(managedKeys(app('a', { managed: ['env', 'team'] }), 'labels')).toEqual(['env', 'team']);
  expect(managedKeys(app('a'), 'labels')).toEqual([]);
});

test.each([
  ['equal', { a: 1 }, { a: 1 }, {}],
  ['a key removed', { a: 1, b: 2 }, { a: 1 }, { b: null }],
  ['a nested change', { s: { path: 'x', repoURL: 'r' } }, { s: { path: 'y', repoURL: 'r' } }, { s: { path: 'y' } }],
  ['a list replaced whole', { l: [1, 2] }, { l: [1] }, { l: [1] }],
  ['a map becoming a value', { m: { a: 1 } }, { m: 'x' }, { m: 'x' }],
])('mergePatch: %s', (_name, from, to, expected) => {
  expect(mergePatch(from, to)).toEqual(expected);
});

test('metadataMapPatch sets the template\'s keys, removes the ones the set dropped, and leaves others\' keys', () => {
  const existing = app('a', { labels: { env: 'dev', old: 'x', theirs: 'y' }, managed: ['env', 'old'] });
  expect(metadataMapPatch(existing, app('a', { labels: { env: 'prod' } }), 'labels')).toEqual({ env: 'prod', old: null });
});
