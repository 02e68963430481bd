// The render cache's key follows the git objects a render reads and its options, never the commit.
import { cleanRepoPath, kustomizationReachesOutside, renderKeyText, repoPathOf, symlinkLeavesRepository, valueFilesOutside } from '../../../domain/manifests/render-key';

const base = { repo: 'http://git/r', appName: 'a', destinationNamespace: 'ns', source: { repoURL: 'http://git/r', path: 'apps/a', targetRevision: 'main' }, inputs: { 'apps/a': 'tree1' } };

test.each([
  ['the same inputs under another commit or tracked revision', { source: { ...base.source, targetRevision: 'v2' } }, true],
  ['another tree at the app path', { inputs: { 'apps/a': 'tree2' } }, false],
  ['inputs listed in another order', { inputs: { 'apps/a': 'tree1', 'values/x.yaml': 'blob' } }, false],
  ['another option', { source: { ...base.source, directory: { recurse: true } } }, false],
  ['another app name (Helm release name)', { appName: 'b' }, false],
  ['another destination namespace', { destinationNamespace: 'other' }, false],
])('key for %s: unchanged=%s', (_what, change, same) => {
  expect(renderKeyText({ ...base, ...change }) === renderKeyText(base)).toBe(same);
});

test('input order does not matter', () => {
  const two = { 'b': '2', 'a': '1' };
  expect(renderKeyText({ ...base, inputs: two })).toBe(renderKeyText({ ...base, inputs: { a: '1', b: '2' } }));
});

test.each([
  ['apps/a', '../base', 'apps/base'],
  ['apps/a', '/shared/x.yaml', 'shared/x.yaml'],
  ['apps/a', './sub/../file', 'apps/a/file'],
  ['.', 'x', 'x'],
  ['apps/a', '../../..', undefined],
  ['apps/a', '../..', '.'],
])('repoPathOf(%s, %s) = %s', (from, target, expected) => {
  expect(repoPathOf(from, target)).toBe(expected);
});

test.each([
  ['resources in the path', 'apps/a', [{ dir: 'apps/a', document: { resources: ['deployment.yaml', 'sub', 'github.com/org/repo//x?ref=v1'] } }], false],
  ['a base outside', 'apps/a', [{ dir: 'apps/a', document: { resources: ['../../base'] } }], true],
  ['a sub-kustomization climbing out', 'apps/a', [{ dir: 'apps/a/sub', document: { resources: ['../../b'] } }], true],
  ['a sub-kustomization climbing only to the app', 'apps/a', [{ dir: 'apps/a/sub', document: { resources: ['../common'] } }], false],
  ['a patch file outside', 'apps/a', [{ dir: 'apps/a', document: { patches: [{ path: '../patch.yaml' }] } }], true],
  ['a generator file outside, as key=file', 'apps/a', [{ dir: 'apps/a', document: { configMapGenerator: [{ files: ['cfg=../cfg.txt'] }] } }], true],
  ['an absolute path', 'apps/a', [{ dir: 'apps/a', document: { components: ['/components/x'] } }], true],
  ['anything, for an app at the root', '.', [{ dir: '.', document: { resources: ['apps/x'] } }], false],
])('kustomization with %s reaches outside: %s', (_what, appPath, files, expected) => {
  expect(kustomizationReachesOutside(appPath, files)).toBe(expected);
});

test('Helm value files outside the chart are named by their repository path; URLs and files inside are not', () => {
  expect(valueFilesOutside('charts/web', ['values-prod.yaml', '../../env/prod.yaml', '/env/common.yaml', 'https://x/values.yaml'])).toEqual(['env/prod.yaml', 'env/common.yaml']);
  expect(cleanRepoPath('./apps/a/')).toBe('apps/a');
  expect(cleanRepoPath('')).toBe('.');
});

test.each([
  ['apps/a/x.yaml', 'y.yaml', false],
  ['apps/a/x.yaml', '../b/y.yaml', false],
  ['apps/a/x.yaml', '../../top.yaml', false],
  ['x.yaml', './y.yaml', false],
  ['apps/a/x.yaml', '../../../etc/passwd', true],
  ['x.yaml', '..', true],
  ['apps/a/x.yaml', 'sub/../../../../out', true],
  ['apps/a/x.yaml', '/etc/hostname', true],
  ['apps/a/x.yaml', '', true],
])('the symlink %s -> %s leaves the repository: %s', (link, target, leaves) => {
  expect(symlinkLeavesRepository(link, target)).toBe(leaves);
});
