// Input errors are classified by type, never by name: each is reported on the app and not retried, while
// passing faults keep their retries. Every case below failed before InputError existed for at least the
// errors that never set a name (AnnotationError, SyncOptionError, JqPathError) or threw a plain Error.
import { ApplicationFailure } from '@temporalio/common';
import { ApplyRejectedError } from '../../../activities/cluster/apply';
import { KubeApiError } from '../../../activities/cluster/kube-client';
import { RepeatedResourceError, UnknownKindError } from '../../../activities/cluster/prepare';
import { GitError } from '../../../activities/git/repository';
import { RenderError } from '../../../activities/render/exec';
import { describeInputError, isInputError } from '../../../activities/refresh';
import { asActivityFailure } from '../../../activities/sync';
import { parseSyncOptions } from '../../../domain/application/sync-options';
import { jqPaths } from '../../../domain/diff/paths';
import { InputError } from '../../../domain/errors';
import { parseJsonManifests, parseManifests } from '../../../domain/manifests/parse';
import { syncWave } from '../../../domain/plan/annotations';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

const withWave = (wave: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { 'argocd.argoproj.io/sync-wave': wave } } });

const cases: Array<[string, unknown, 'InvalidSource' | 'InvalidManifest' | 'PermissionDenied' | 'retried']> = [
  ['a bad sync-wave annotation', thrown(() => syncWave(withWave('one'))), 'InvalidSource'],
  ['an unknown sync option', thrown(() => parseSyncOptions(['Frobnicate=true'])), 'InvalidSource'],
  ['an unsupported jq expression', thrown(() => jqPaths({}, '.metadata | keys')), 'InvalidSource'],
  ['a malformed manifest', thrown(() => parseManifests('a: [', 'app/x.yaml')), 'InvalidSource'],
  ['a .json file that is not strict JSON', thrown(() => parseJsonManifests('{"kind": "ConfigMap",}', 'app/x.json')), 'InvalidSource'],
  ['a resource defined twice', new RepeatedResourceError('ConfigMap/ns/c is defined 2 times'), 'InvalidSource'],
  ['an unknown revision', new GitError('RevisionNotFound', 'no such branch'), 'InvalidSource'],
  ['a failing renderer', new RenderError('helm chart app: helm failed: parse error'), 'InvalidSource'],
  ['an unknown kind', new UnknownKindError('Widget/w: the cluster does not serve kind Widget'), 'InvalidSource'],
  ['a manifest the API rejects', new ApplyRejectedError('ConfigMap/ns/c', 422, 'data: must be a map'), 'InvalidManifest'],
  ['a forbidden request', new KubeApiError(403, 'Forbidden', 'configmaps is forbidden'), 'PermissionDenied'],
  ['an apply (or its dry-run) the API server forbids', new ApplyRejectedError('Role/ns/r', 403, 'roles.rbac.authorization.k8s.io "r" is forbidden: User "u" cannot patch resource "roles"'), 'PermissionDenied'],
  ['an API server that is down', new KubeApiError(503, 'ServiceUnavailable', 'etcd is unavailable'), 'retried'],
  ['a plain error', new Error('socket hang up'), 'retried'],
];

test.each(cases)('%s', (_what, error, expected) => {
  const failure = asActivityFailure(error);
  if (expected === 'retried') {
    expect(failure).toBe(error);
    expect(isInputError(error)).toBe(false);
  } else {
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: expected, nonRetryable: true });
  }
  if (expected === 'InvalidSource' || expected === 'InvalidManifest' || error instanceof ApplyRejectedError) {
    expect(error).toBeInstanceOf(InputError);
    expect(isInputError(error)).toBe(true);
  }
});

test('classification does not depend on the name: a renamed input error is still one', () => {
  const error = new RenderError('kustomize path app: kustomize failed');
  error.name = 'Error';
  expect(isInputError(error)).toBe(true);
  const impostor = new Error('x');
  impostor.name = 'RenderError';
  expect(isInputError(impostor)).toBe(false);
});

test('a bad sync annotation in a manifest names the file, line, object and annotation', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  annotations:\n    argocd.argoproj.io/sync-wave: "one"\n';
  const error = thrown(() => parseManifests(text, 'guestbook/config.yaml')) as InputError;
  expect(error).toBeInstanceOf(InputError);
  expect(error).toMatchObject({ file: 'guestbook/config.yaml:6', field: 'metadata.annotations["argocd.argoproj.io/sync-wave"]' });
  expect(error.message).toBe('guestbook/config.yaml:6: ConfigMap/b: argocd.argoproj.io/sync-wave: "one" is not an integer');
  const options = thrown(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    argocd.argoproj.io/sync-options: Prune=maybe\n', 'x.yaml')) as InputError;
  expect(options).toMatchObject({ file: 'x.yaml:1', field: 'metadata.annotations["argocd.argoproj.io/sync-options"]' });
  expect(describeInputError({ namespace: 'apps', name: 'web' } as never, options)).toMatch(/^Application apps\/web: x\.yaml:1: ConfigMap\/c: argocd\.argoproj\.io\/sync-options: "Prune=maybe": Prune must be true or false \(field metadata\.annotations/);
});

test('helm output is located by its "# Source:" comment, as the file in the repository', () => {
  const output = '---\n# Source: demo/templates/config.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: heavy\n';
  expect(thrown(() => parseManifests(output, 'charts/demo (helm template)', { chartDir: 'charts/demo' }))).toMatchObject({
    file: 'charts/demo/templates/config.yaml', field: 'metadata.annotations["helm.sh/hook-weight"]',
  });
});

test.each([
  ['a trailing comma', '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},}\n', 'app/x.json:1: invalid JSON: '],
  ['a comment on line 2', '{\n// no comments in JSON\n"kind": "ConfigMap"}', 'app/x.json:2: invalid JSON: '],
  ['YAML in a .json file', 'apiVersion: v1\nkind: ConfigMap\n', 'app/x.json: invalid JSON: '],
])('a .json file is read as strict JSON, as Argo CD reads it: %s is refused naming the file (and the line, when the parser gives a position)', (_what, text, prefix) => {
  const error = thrown(() => parseJsonManifests(text, 'app/x.json')) as InputError;
  expect(error).toBeInstanceOf(InputError);
  expect(error.message.startsWith(prefix)).toBe(true);
  expect(error.message).not.toMatch(/position/);
});

test('a valid .json file gives its object, a List its items', () => {
  expect(parseJsonManifests('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}', 'x.json')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }]);
  const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' } }] };
  expect(parseJsonManifests(JSON.stringify(list), 'x.json').map((o) => o.metadata.name)).toEqual(['a', 'b']);
});
