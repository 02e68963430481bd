// Helm values never travel in a workflow's spec: a digest stands for them, the CR's values come back before a
// render, and a digest that no longer matches the CR refuses the step. The CLI shows them masked.
import { createHash } from 'node:crypto';
import {
  hasRedactedHelmValues, helmValuesDigest, HelmValuesChangedError, maskShownHelmValues, MASK, redactHelmValues, rehydrateHelmValues,
} from '../../../domain/application/helm-values';
import { ApplicationSpec, HelmSource } from '../../../domain/application/types';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const app = { namespace: 'team', name: 'creds' };
const destination = { server: 'https://kubernetes.default.svc', namespace: 'team' };
const spec = (helm?: HelmSource, extra: Partial<ApplicationSpec> = {}): ApplicationSpec => ({
  source: { repoURL: 'http://git/repo.git', path: 'chart', ...(helm ? { helm } : {}) }, destination, ...extra,
});
const secretHelm: HelmSource = {
  releaseName: 'r', valueFiles: ['values-prod.yaml'], parameters: [{ name: 'password', value: 's3cret' }], values: 'token: t0ken\n', valuesObject: { apiKey: 'k3y' },
};
const texts = (value: unknown) => JSON.stringify(value);

test.each<[string, HelmSource | undefined, HelmSource | undefined, boolean]>([
  ['no helm', undefined, undefined, true],
  ['helm without values', { releaseName: 'r' }, { releaseName: 'r' }, true],
  ['the same values, keys in another order', secretHelm, { valuesObject: { apiKey: 'k3y' }, values: 'token: t0ken\n', parameters: [{ value: 's3cret', name: 'password' }] }, true],
  ['a parameter value changed', secretHelm, { ...secretHelm, parameters: [{ name: 'password', value: 'other' }] }, false],
  ['values changed', secretHelm, { ...secretHelm, values: 'token: other\n' }, false],
  ['a valuesObject leaf changed', secretHelm, { ...secretHelm, valuesObject: { apiKey: 'other' } }, false],
  ['forceString added', secretHelm, { ...secretHelm, parameters: [{ name: 'password', value: 's3cret', forceString: true }] }, false],
  ['fileParameters added', secretHelm, { ...secretHelm, fileParameters: [{ name: 'ca', path: 'ca.pem' }] } as HelmSource, false],
  ['values removed', secretHelm, { releaseName: 'r' }, false],
  ['only releaseName changed (not a value)', secretHelm, { ...secretHelm, releaseName: 'other' }, true],
])('digests: %s', (_what, a, b, same) => {
  expect(helmValuesDigest(a, sha256) === helmValuesDigest(b, sha256)).toBe(same);
});

test('the redacted spec keeps every other field, holds no value, and says it must be rehydrated', () => {
  const original = spec(secretHelm, { syncPolicy: { automated: { prune: true } } });
  const redacted = redactHelmValues(original, sha256);
  expect(redacted).toEqual({
    ...original, source: { ...original.source, helm: { releaseName: 'r', valueFiles: ['values-prod.yaml'], valuesDigest: helmValuesDigest(secretHelm, sha256) } },
  });
  for (const secret of ['s3cret', 't0ken', 'k3y', 'password']) expect(texts(redacted)).not.toContain(secret);
  expect(hasRedactedHelmValues(redacted)).toBe(true);
  expect(original.source!.helm).toEqual(secretHelm);
});

test.each<[string, ApplicationSpec]>([
  ['no helm', spec()],
  ['helm without values', spec({ releaseName: 'r', skipCrds: true })],
])('a spec with no Helm values is left as it is: %s', (_what, s) => {
  expect(redactHelmValues(s, sha256)).toEqual(s);
  expect(hasRedactedHelmValues(s)).toBe(false);
});

test('every source of a multi-source spec is redacted and rehydrated by its position', () => {
  const other: HelmSource = { parameters: [{ name: 'db', value: 'pw2' }] };
  const multi: ApplicationSpec = { destination, sources: [{ repoURL: 'http://git/a.git', helm: secretHelm }, { repoURL: 'http://git/b.git' }, { repoURL: 'http://git/c.git', helm: other }] };
  const redacted = redactHelmValues(multi, sha256);
  expect(texts(redacted)).not.toMatch(/s3cret|pw2/);
  expect(rehydrateHelmValues(app, redacted, multi, sha256)).toEqual(multi);
  const swapped = { ...multi, sources: [multi.sources![2], multi.sources![1], multi.sources![0]] };
  expect(() => rehydrateHelmValues(app, redacted, swapped, sha256)).toThrow('spec.sources[0].helm values changed since this sync started');
});

test.each<[string, ApplicationSpec | undefined, string | undefined]>([
  ['the CR unchanged', spec(secretHelm), undefined],
  ['the CR changed elsewhere (syncPolicy, releaseName)', spec({ ...secretHelm, releaseName: 'new' }, { syncPolicy: { automated: {} } }), undefined],
  ['a value changed', spec({ ...secretHelm, values: 'token: rotated\n' }), 'Application team/creds: spec.source.helm values changed since this sync started: nothing more of it is applied; sync again to deploy the new values'],
  ['the values removed', spec({ releaseName: 'r' }), 'Application team/creds: spec.source.helm values changed since this sync started: nothing more of it is applied; sync again to deploy the new values'],
  ['the CR gone', undefined, 'Application team/creds: spec.source.helm values cannot be read: the Application is gone'],
])('rehydrating with %s', (_what, current, error) => {
  const carried = redactHelmValues(spec(secretHelm), sha256);
  if (error) {
    const thrown = (() => {
      try {
        rehydrateHelmValues(app, carried, current, sha256);
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(HelmValuesChangedError);
    expect(thrown).toMatchObject({ message: error, field: 'spec.source.helm' });
    return;
  }
  // The carried spec's own fields win (the sync deploys what it planned); only the values come from the CR.
  const hydrated = rehydrateHelmValues(app, carried, current, sha256);
  expect(hydrated).toEqual(spec(secretHelm));
  expect(hasRedactedHelmValues(hydrated)).toBe(false);
});

test('a spec that carries its values itself (a workflow started before redaction) needs no rehydration', () => {
  expect(hasRedactedHelmValues(spec(secretHelm))).toBe(false);
  expect(rehydrateHelmValues(app, spec(secretHelm), undefined, sha256)).toEqual(spec(secretHelm));
});

test('the CLI masks Helm values of an Application, its last-applied copy and an ApplicationSet template, keeping names and structure', () => {
  const helm = { ...secretHelm, valuesObject: { apiKey: 'k3y', nested: { list: ['a', 2] } } };
  const application = {
    apiVersion: 'sluice.dev/v1alpha1', kind: 'Application',
    metadata: { name: 'creds', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: spec(helm) }), other: 'kept' } },
    spec: spec(helm), status: { sync: { status: 'Synced' } },
  };
  const shown = maskShownHelmValues(application);
  expect(shown.spec.source!.helm).toEqual({
    releaseName: 'r', valueFiles: ['values-prod.yaml'], parameters: [{ name: 'password', value: MASK }], values: MASK, valuesObject: { apiKey: MASK, nested: { list: [MASK, MASK] } },
  });
  expect(JSON.parse(shown.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).spec.source.helm.values).toBe(MASK);
  expect(shown.metadata.annotations.other).toBe('kept');
  expect(shown.status).toEqual(application.status);
  const set = { kind: 'ApplicationSet', metadata: { name: 's' }, spec: { generators: [], template: { metadata: {}, spec: spec(helm) } } };
  for (const masked of [shown, maskShownHelmValues(set)]) expect(texts(masked)).not.toMatch(/s3cret|t0ken|k3y/);
  expect(maskShownHelmValues(application)).not.toBe(application);
  expect(application.spec.source!.helm).toBe(helm);
  expect(maskShownHelmValues({ kind: 'Application', metadata: { name: 'plain' }, spec: spec() })).toEqual({ kind: 'Application', metadata: { name: 'plain' }, spec: spec() });
});
