import { diffDigest } from '../../../activities/sync';
import { publishedDiff, syncDiffObject, SyncDiffSpec } from '../../../domain/operation/sync-diff';

const resources = [
  { subject: 'ConfigMap/team/settings', status: 'OutOfSync', diff: '--- live\n+++ desired\n-value: one\n+value: two\n' },
  { subject: 'Deployment/team/web', status: 'Synced', diff: '' },
];
const digest = diffDigest(resources);
const input = {
  app: { group: 'sluice.dev' as const, namespace: 'team', name: 'web', uid: 'uid-1', labels: { tier: 'front' } },
  operationId: 'op-1', revision: 'a'.repeat(40), diffDigest: digest, resources,
};
const pending = { group: 'sluice.dev' as const, name: 'web', revision: 'a'.repeat(40), diffDigest: digest };

test('a SyncDiff is named after its Application, owned by it, labelled as it is, and holds every resource the digest covers', () => {
  const object = syncDiffObject(input) as unknown as { metadata: Record<string, unknown>; spec: SyncDiffSpec };
  expect(object.metadata).toEqual({
    name: 'web', namespace: 'team', labels: { tier: 'front' },
    ownerReferences: [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', name: 'web', uid: 'uid-1' }],
  });
  expect(object.spec).toEqual({ application: 'web', applicationGroup: 'sluice.dev', operationId: 'op-1', revision: 'a'.repeat(40), diffDigest: digest, resources });
  expect(diffDigest(object.spec.resources)).toBe(digest);
});

test('a diff over the limit is not published: the resources are left out and the reason is said', () => {
  const spec = (syncDiffObject(input, 100) as unknown as { spec: SyncDiffSpec }).spec;
  expect(spec.resources).toEqual([]);
  expect(spec.omitted).toMatch(/^the redacted diff is \d+ bytes, more than the 100 a SyncDiff holds$/);
  expect(publishedDiff({ spec }, pending, diffDigest)).toEqual({ unusable: spec.omitted });
});

const spec = (syncDiffObject(input) as unknown as { spec: SyncDiffSpec }).spec;

test.each<[string, { spec?: Partial<SyncDiffSpec> } | undefined, ReturnType<typeof publishedDiff>]>([
  ['the pending request\'s own diff', { spec }, { resources, digest }],
  ['nothing published', undefined, { unusable: 'the worker has published no SyncDiff for it' }],
  ['an object with no spec', {}, { unusable: 'the worker has published no SyncDiff for it' }],
  ['another group\'s Application of the same name', { spec: { ...spec, applicationGroup: 'argoproj.io' } }, { unusable: 'SyncDiff web belongs to argoproj.io Application web' }],
  ['an earlier request (another digest)', { spec: { ...spec, diffDigest: 'sha256:old' } }, { unusable: 'SyncDiff web is of another request (sha256:old at aaaaaaaaaaaa)' }],
  ['an earlier revision', { spec: { ...spec, revision: 'b'.repeat(40) } }, { unusable: `SyncDiff web is of another request (${digest} at bbbbbbbbbbbb)` }],
  ['resources edited after publication', { spec: { ...spec, resources: [{ ...resources[0], diff: '+value: harmless\n' }, resources[1]] } }, { unusable: expect.stringMatching(/^SyncDiff web's resources hash to sha256:[0-9a-f]{64}, not to the digest it names$/) }],
  ['resources dropped after publication', { spec: { ...spec, resources: [resources[1]] } }, { unusable: expect.stringMatching(/not to the digest it names$/) }],
])('publishedDiff: %s', (_, object, expected) => {
  expect(publishedDiff(object, pending, diffDigest)).toEqual(expected);
});
