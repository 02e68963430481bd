// Git resolution and rendering against the real git server and the real kustomize and helm binaries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitError, RepoCache } from '../../../activities/git/repository';
import { renderDigest, renderSource } from '../../../activities/render';
import { KubeObject } from '../../../domain/resource/types';
import { helmFiles, kustomizeFiles, plainFiles } from '../../fixtures/sources';
import { TestRepo } from '../../support/git';
import { useStackTools } from '../../support/stack';

const env = useStackTools();
const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-repos-'));
const repos = new RepoCache(cacheRoot);
let repo: TestRepo;
let first: string;
let second: string;

beforeAll(async () => {
  repo = await TestRepo.create('render');
  first = repo.commit('first', { ...plainFiles(), ...kustomizeFiles(), ...helmFiles() });
  repo.tag('v1.2.0');
  second = repo.commit('second', { 'plain/deployment.yaml': plainFiles(4)['plain/deployment.yaml'] });
  repo.tag('v1.3.0');
  repo.tag('v2.0.0');
});
afterAll(() => {
  repo.cleanup();
  fs.rmSync(cacheRoot, { recursive: true, force: true });
});

const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

test('revisions resolve: branch, HEAD, tag, short and full SHA, semver constraint', async () => {
  expect(await repos.resolve(repo.url, 'main')).toEqual({ sha: second, ref: 'refs/heads/main' });
  expect((await repos.resolve(repo.url, 'HEAD')).sha).toBe(second);
  expect((await repos.resolve(repo.url, undefined)).sha).toBe(second);
  expect(await repos.resolve(repo.url, 'v1.2.0')).toEqual({ sha: first, ref: 'refs/tags/v1.2.0' });
  expect(await repos.resolve(repo.url, first.slice(0, 9))).toEqual({ sha: first, ref: 'sha' });
  expect(await repos.resolve(repo.url, first)).toEqual({ sha: first, ref: 'sha' });
  expect(await repos.resolve(repo.url, '>=1.2.0 <2')).toEqual({ sha: second, ref: 'refs/tags/v1.3.0' });
  expect((await repos.resolve(repo.url, '1.x')).ref).toBe('refs/tags/v1.3.0');
  expect((await repos.resolve(repo.url, '^2')).ref).toBe('refs/tags/v2.0.0');
});

test('the cached clone is fetched incrementally: a new push is seen without re-cloning, within the revision TTL once a webhook announces it', async () => {
  const gitdir = repos.gitdir(repo.url);
  const inode = fs.statSync(path.join(gitdir, 'config')).ino;
  const before = (await repos.resolve(repo.url, 'main')).sha;
  const third = repo.commit('third', { 'plain/note.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: note\n' });
  // Within the TTL the listed refs answer: the push is not seen until it expires or a webhook clears it.
  expect((await repos.resolve(repo.url, 'main')).sha).toBe(before);
  repos.invalidate(repo.url);
  expect((await repos.resolve(repo.url, 'main')).sha).toBe(third);
  expect(fs.statSync(path.join(gitdir, 'config')).ino).toBe(inode);
});

test('unreachable repo, unknown revision, missing path and wrong credentials are distinct errors', async () => {
  await expect(repos.resolve('http://127.0.0.1:1/nothing.git', 'main')).rejects.toMatchObject({ code: 'RepositoryUnreachable' });
  await expect(repos.resolve(`${env.SLUICE_GIT_URL}/no-such-repo.git`, 'main')).rejects.toBeInstanceOf(GitError);
  await expect(repos.resolve(repo.url, 'no-such-branch')).rejects.toMatchObject({ code: 'RevisionNotFound', message: expect.stringContaining('"no-such-branch"') });
  await expect(repos.resolve(repo.url, '>=9')).rejects.toMatchObject({ code: 'RevisionNotFound', message: expect.stringContaining('semver') });
  const input = { appName: 'x', source: { repoURL: repo.url, path: 'nowhere' }, revision: first, destinationNamespace: 'x' };
  await expect(renderSource(repos, input)).rejects.toMatchObject({ code: 'PathNotFound', message: expect.stringContaining('"nowhere"') });
  const secret = await TestRepo.create('private', { username: 'u', password: 'right' });
  secret.cleanup();
  await expect(repos.resolve(secret.url, 'main', { username: 'u', password: 'wrong' })).rejects.toMatchObject({ code: 'AuthenticationFailed' });
});

test('a plain directory renders its YAML files, recursing and filtering when asked', async () => {
  const base = { appName: 'plain', revision: first, destinationNamespace: 'ns' };
  const flat = await renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'plain' } });
  expect(flat.sourceType).toBe('Directory');
  expect(names(flat.manifests)).toEqual(['ConfigMap/settings', 'Deployment/web']);
  const deep = await renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'plain', directory: { recurse: true } } });
  expect(names(deep.manifests)).toEqual(['ConfigMap/only-when-recursing', 'ConfigMap/settings', 'Deployment/web']);
  const filtered = await renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'plain', directory: { recurse: true, include: '*.yaml', exclude: '{config.yaml,extra/*}' } } });
  expect(names(filtered.manifests)).toEqual(['Deployment/web']);
});

test('a Kustomize overlay renders with the spec options applied', async () => {
  const rendered = await renderSource(repos, {
    appName: 'kz', revision: first, destinationNamespace: 'ns',
    source: { repoURL: repo.url, path: 'kustomize/overlays/prod', kustomize: { namePrefix: 'prod-', images: ['nginx=nginx:1.28'], commonLabels: { team: 'web' }, namespace: 'prod' } },
  });
  expect(rendered.sourceType).toBe('Kustomize');
  const [deployment] = rendered.manifests as any[];
  expect(deployment.metadata).toMatchObject({ name: 'prod-web', namespace: 'prod', labels: { team: 'web' } });
  expect(deployment.spec.replicas).toBe(3);
  expect(deployment.spec.template.spec.containers[0].image).toBe('nginx:1.28');
});

test('Kustomize nameSuffix and patches, and Helm skipCrds, are applied', async () => {
  const withCrd = repo.commit('crd in chart', {
    'chart/crds/widgets.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {plural: widgets, kind: Widget}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n',
  });
  const base = { appName: 'opts', revision: withCrd, destinationNamespace: 'ns' };
  const kz = await renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'kustomize/base', kustomize: {
    nameSuffix: '-v2', patches: [{ target: { kind: 'Deployment' }, patch: '- op: replace\n  path: /spec/replicas\n  value: 7\n' }],
  } } });
  expect((kz.manifests[0] as any).metadata.name).toBe('web-v2');
  expect((kz.manifests[0] as any).spec.replicas).toBe(7);
  const withCrds = await renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'chart' } });
  const withoutCrds = await renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'chart', helm: { skipCrds: true } } });
  expect(names(withCrds.manifests)).toContain('CustomResourceDefinition/widgets.example.com');
  expect(names(withoutCrds.manifests)).not.toContain('CustomResourceDefinition/widgets.example.com');
});

test('a Helm chart renders with release name, value files, values and parameters', async () => {
  const rendered = await renderSource(repos, {
    appName: 'chart-app', revision: first, destinationNamespace: 'team-a',
    source: { repoURL: repo.url, path: 'chart', helm: { valueFiles: ['values-prod.yaml'], values: 'greeting: hi\n', parameters: [{ name: 'image', value: 'nginx:1.29' }] } },
  });
  expect(rendered.sourceType).toBe('Helm');
  const byKind = Object.fromEntries(rendered.manifests.map((o) => [o.kind, o as any]));
  expect(byKind.Deployment.metadata.name).toBe('chart-app-web');
  expect(byKind.Deployment.spec.replicas).toBe(2);
  expect(byKind.Deployment.spec.template.spec.containers[0].image).toBe('nginx:1.29');
  expect(byKind.ConfigMap.data.greeting).toBe('hi');
  expect(byKind.ConfigMap.metadata.namespace).toBe('team-a');
  expect(byKind.Job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
});

test('a malformed file fails with its path and line; a bad kustomization names kustomize', async () => {
  const broken = repo.commit('broken', { 'broken/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [unclosed\n', 'badkz/kustomization.yaml': 'resources:\n- missing.yaml\n' });
  const base = { appName: 'b', revision: broken, destinationNamespace: 'ns' };
  await expect(renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'broken' } })).rejects.toThrow(/^broken\/a\.yaml:\d+: invalid YAML/);
  await expect(renderSource(repos, { ...base, source: { repoURL: repo.url, path: 'badkz' } })).rejects.toThrow(/kustomize path badkz: kustomize failed: .*missing\.yaml/s);
});

test('the render digest follows the app path\'s git tree and the options, not the commit', async () => {
  const input = { appName: 'a', source: { repoURL: repo.url, path: 'plain' }, revision: first, destinationNamespace: 'ns' };
  const digest = await renderDigest(repos, input);
  expect(await renderDigest(repos, { ...input, source: { ...input.source, repoURL: `${repo.url.replace('.git', '')}` } })).toBe(digest);
  // "second" changed plain/deployment.yaml, and nothing under kustomize/.
  expect(await renderDigest(repos, { ...input, revision: second })).not.toBe(digest);
  expect(await renderDigest(repos, { ...input, source: { ...input.source, directory: { recurse: true } } })).not.toBe(digest);
  const base = { ...input, source: { repoURL: repo.url, path: 'kustomize/base' } };
  expect(await renderDigest(repos, { ...base, revision: second })).toBe(await renderDigest(repos, base));
  // The prod overlay reaches ../../base: its key is the whole tree's, so any commit changes it.
  const overlay = { ...input, source: { repoURL: repo.url, path: 'kustomize/overlays/prod' } };
  expect(await renderDigest(repos, { ...overlay, revision: second })).not.toBe(await renderDigest(repos, overlay));
});

test('a commit is checked out once and shared, and renderers leave it pristine (kustomize edits and helm values work on copies)', async () => {
  const kz = { appName: 'kz', revision: first, destinationNamespace: 'ns', source: { repoURL: repo.url, path: 'kustomize/overlays/prod', kustomize: { namePrefix: 'p-', patches: [{ target: { kind: 'Deployment' }, patch: '- op: replace\n  path: /spec/replicas\n  value: 5\n' }] } } };
  const [a, b] = await Promise.all([renderSource(repos, kz), renderSource(repos, kz)]);
  expect(b).toEqual(a);
  expect((a.manifests[0] as any).metadata.name).toBe('p-web');
  await renderSource(repos, { ...kz, appName: 'chart-app', source: { repoURL: repo.url, path: 'chart', helm: { values: 'greeting: hi\n' } } });
  const lease = await repos.checkout(repo.url, first);
  try {
    const kustomization = fs.readFileSync(path.join(lease.dir, 'kustomize/overlays/prod/kustomization.yaml'), 'utf8');
    expect(kustomization).toBe(kustomizeFiles()['kustomize/overlays/prod/kustomization.yaml']);
    expect(fs.readdirSync(path.join(lease.dir, 'chart')).filter((f) => f.startsWith('.sluice'))).toEqual([]);
  } finally {
    lease.release();
  }
  expect(fs.readdirSync(repos.checkouts.root).filter((d) => d.includes(first) && !d.endsWith('.tmp'))).toHaveLength(1);
});
