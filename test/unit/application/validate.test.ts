import { parse } from 'yaml';
import { InvalidApplicationError, isSemverConstraint, parseApplication, validateApplication } from '../../../domain/application/validate';
import { parseSyncOptions } from '../../../domain/application/sync-options';
import { parseDuration } from '../../../domain/duration';

const valid = () => parse(`
apiVersion: sluice.dev/v1alpha1
kind: Application
metadata: {name: guestbook, namespace: sluice}
spec:
  project: default
  source: {repoURL: "http://127.0.0.1:18080/apps.git", targetRevision: main, path: guestbook}
  destination: {server: "https://kubernetes.default.svc", namespace: guestbook}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true, PrunePropagationPolicy=background]
    retry: {limit: 5, backoff: {duration: 5s, factor: 2, maxDuration: 3m}}
    approval: {required: true, approvers: [alice, "group:platform"], timeout: 1h}
  ignoreDifferences:
  - {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}
`);

const fieldsOf = (manifest: unknown) => validateApplication(manifest).map((p) => p.field);

test('a complete Application is valid', () => {
  expect(validateApplication(valid())).toEqual([]);
});

test('an Argo CD Application converts by changing its apiVersion alone, and is also accepted as is', () => {
  const argo = { ...valid(), apiVersion: 'argoproj.io/v1alpha1' };
  expect(validateApplication(argo)).toEqual([]);
});

test.each([
  ['a bad revision', (a: any) => (a.spec.source.targetRevision = 'main..dev'), 'spec.source.targetRevision'],
  ['a negative backoff', (a: any) => (a.spec.syncPolicy.retry.backoff.duration = '-5s'), 'spec.syncPolicy.retry.backoff.duration'],
  ['a factor below 1', (a: any) => (a.spec.syncPolicy.retry.backoff.factor = 0.5), 'spec.syncPolicy.retry.backoff.factor'],
  ['an unknown sync option', (a: any) => a.spec.syncPolicy.syncOptions.push('AutoPrune=true'), 'spec.syncPolicy.syncOptions[2]'],
  ['both server and name', (a: any) => (a.spec.destination.name = 'in-cluster'), 'spec.destination'],
  ['neither server nor name', (a: any) => delete a.spec.destination.server, 'spec.destination'],
  ['a bad namespace', (a: any) => (a.spec.destination.namespace = 'Guest_Book'), 'spec.destination.namespace'],
  ['a path escaping the repo', (a: any) => (a.spec.source.path = '../other'), 'spec.source.path'],
  ['an unknown spec field', (a: any) => (a.spec.sourcez = {}), 'spec.sourcez'],
  ['approval with nobody to approve', (a: any) => (a.spec.syncPolicy.approval.approvers = []), 'spec.syncPolicy.approval.approvers'],
  ['a bad approval timeout', (a: any) => (a.spec.syncPolicy.approval.timeout = 'tomorrow'), 'spec.syncPolicy.approval.timeout'],
  ['separationOfDuties that is not a boolean', (a: any) => (a.spec.syncPolicy.approval.separationOfDuties = 'yes'), 'spec.syncPolicy.approval.separationOfDuties'],
  ['an authorIdentities entry that names no user', (a: any) => (a.spec.syncPolicy.approval.authorIdentities = { 'alice@example.com': '' }), 'spec.syncPolicy.approval.authorIdentities'],
  ['a JSON pointer without a slash', (a: any) => (a.spec.ignoreDifferences[0].jsonPointers = ['spec/replicas']), 'spec.ignoreDifferences[0].jsonPointers'],
  ['a wrong apiVersion', (a: any) => (a.apiVersion = 'sluice.dev/v1'), 'apiVersion'],
])('%s is refused naming the field', (_name, mutate, field) => {
  const manifest = valid();
  mutate(manifest);
  expect(fieldsOf(manifest)).toEqual([field]);
});

test('unsupported sources are refused as unsupported, not as empty', () => {
  const manifest = valid();
  manifest.spec.source = { repoURL: 'oci://registry/charts', chart: 'nginx', targetRevision: '1.0.0' };
  expect(validateApplication(manifest)).toEqual([
    expect.objectContaining({ field: 'spec.source.repoURL', reason: 'UnsupportedSource' }),
    expect.objectContaining({ field: 'spec.source.chart', reason: 'UnsupportedSource' }),
  ]);
});

test('directory.jsonnet takes Argo CD\'s extVars, tlas ({name, value, code}) and libs', () => {
  const jsonnet = valid();
  jsonnet.spec.source.directory = { jsonnet: { extVars: [{ name: 'env', value: 'prod' }], tlas: [{ name: 'replicas', value: '2', code: true }], libs: ['vendor'] } };
  expect(validateApplication(jsonnet)).toEqual([]);
  jsonnet.spec.source.directory = { jsonnet: { extVars: [{ value: 'prod' }], tlas: [{ name: 'n', value: 'x', code: 'yes' }], libs: 'vendor' } };
  expect(validateApplication(jsonnet).map((p) => p.field)).toEqual([
    'spec.source.directory.jsonnet.extVars[0].name', 'spec.source.directory.jsonnet.tlas[0].code', 'spec.source.directory.jsonnet.libs',
  ]);
});

test('a jq expression outside the supported subset is a problem on its field, found before any diff', () => {
  const manifest = valid();
  manifest.spec.ignoreDifferences = [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.replicas', '.metadata.labels | to_entries'] }];
  expect(validateApplication(manifest)).toEqual([
    expect.objectContaining({ field: 'spec.ignoreDifferences[0].jqPathExpressions[1]', message: expect.stringContaining('unsupported jq syntax'), reason: 'InvalidSpec' }),
  ]);
});

test('parseApplication throws one error naming the app and every field', () => {
  const manifest = valid();
  manifest.spec.source.targetRevision = 'a b c';
  manifest.spec.syncPolicy.retry.backoff.maxDuration = 'forever';
  try {
    parseApplication(manifest);
    throw new Error('expected a failure');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidApplicationError);
    expect((error as Error).message).toMatch(/^Application sluice\/guestbook: spec\.source\.targetRevision: .*; spec\.syncPolicy\.retry\.backoff\.maxDuration: /);
  }
});

test('revisions: refs, SHAs and semver constraints', () => {
  expect(isSemverConstraint('>=1.2.0 <2')).toBe(true);
  expect(isSemverConstraint('1.x')).toBe(true);
  expect(isSemverConstraint('^1.2')).toBe(true);
  expect(isSemverConstraint('1.2.3')).toBe(false); // an exact version is a tag name
  expect(isSemverConstraint('main')).toBe(false);
  const manifest = valid();
  for (const revision of ['HEAD', 'v1.2.3', 'release/1.x', '0123abc', '>=1.2.0 <2']) {
    manifest.spec.source.targetRevision = revision;
    expect(validateApplication(manifest)).toEqual([]);
  }
});

test('sync options and durations parse like Argo CD', () => {
  const options = parseSyncOptions(['CreateNamespace=true', 'PrunePropagationPolicy=orphan', 'Validate=false']);
  expect(options).toMatchObject({ createNamespace: true, prunePropagationPolicy: 'orphan', validate: false, pruneLast: false });
  expect(() => parseSyncOptions(['PrunePropagationPolicy=sometimes'])).toThrow(/PrunePropagationPolicy must be one of/);
  expect(() => parseSyncOptions(['CreateNamespace=yes'])).toThrow(/true or false/);
  expect(parseDuration('5s')).toBe(5000);
  expect(parseDuration('1h30m')).toBe(5_400_000);
  expect(parseDuration('250ms')).toBe(250);
  expect(parseDuration('-5s')).toBeUndefined();
  expect(parseDuration('5')).toBeUndefined();
});
