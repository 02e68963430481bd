// A repository too big to fetch (bad-input corpus, issue 14: "a repo of 200 MB"). isomorphic-git holds a whole
// pack in memory, so a fetch is bounded (SLUICE_MAX_FETCH_SIZE, 128Mi by default): a bigger one is stopped as it
// streams, with an error naming the repository, the limit and the setting; nothing of it is kept, and the
// setting raised lets the same repository through.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitError, RepoCache } from '../../../activities/git/repository';
import { TestRepo } from '../../support/git';

const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fetch-size-'));
const repos: TestRepo[] = [];
const saved = process.env.SLUICE_MAX_FETCH_SIZE;

/** A repository with `megabytes` of incompressible data beside a small app directory. */
async function repoOf(megabytes: number): Promise<TestRepo> {
  const repo = await TestRepo.create('big');
  repos.push(repo);
  // Random data does not compress: git need not try (the test's time goes into the fetch, not into zlib).
  repo.git('config', 'core.compression', '0');
  repo.git('config', 'pack.window', '0');
  const assets = path.join(repo.workdir, 'assets');
  fs.mkdirSync(assets, { recursive: true });
  for (let file = 0; file < Math.ceil(megabytes / 50); file += 1) {
    const fd = fs.openSync(path.join(assets, `blob-${file}.bin`), 'w');
    for (let mb = 0; mb < Math.min(50, megabytes - file * 50); mb += 1) fs.writeSync(fd, randomBytes(1024 * 1024));
    fs.closeSync(fd);
  }
  repo.commit('big', { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n' });
  return repo;
}

afterEach(() => {
  if (saved === undefined) delete process.env.SLUICE_MAX_FETCH_SIZE;
  else process.env.SLUICE_MAX_FETCH_SIZE = saved;
});
afterAll(() => {
  for (const repo of repos) repo.cleanup();
  fs.rmSync(cacheRoot, { recursive: true, force: true });
});

test('a 200 MB repository is refused at the default limit, naming the repository, the limit and the setting; nothing is kept', async () => {
  const repo = await repoOf(200);
  const cache = new RepoCache(path.join(cacheRoot, 'default'), { revisionTtlMs: 0 });
  const error = await cache.resolve(repo.url, 'main').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GitError);
  expect((error as GitError).code).toBe('RepositoryTooLarge');
  expect((error as Error).message).toBe(`repository ${repo.url}: fetch stopped: it brought more than 128Mi, the most one fetch may bring (SLUICE_MAX_FETCH_SIZE on the worker; raise it together with the worker's memory limit)`);
  // No pack of it was written: the next refresh asks again rather than reading a partial repository.
  const packs = path.join(cache.gitdir(repo.url), 'objects', 'pack');
  expect(fs.existsSync(packs) ? fs.readdirSync(packs) : []).toEqual([]);
}, 300_000);

test('the limit is the setting: 1Mi refuses a 2 MB repository that the default lets through', async () => {
  const repo = await repoOf(2);
  process.env.SLUICE_MAX_FETCH_SIZE = '1Mi';
  const strict = new RepoCache(path.join(cacheRoot, 'strict'), { revisionTtlMs: 0 });
  await expect(strict.resolve(repo.url, 'main')).rejects.toThrow(/it brought more than 1Mi/);
  delete process.env.SLUICE_MAX_FETCH_SIZE;
  const relaxed = new RepoCache(path.join(cacheRoot, 'relaxed'), { revisionTtlMs: 0 });
  const resolved = await relaxed.resolve(repo.url, 'main');
  await expect((await relaxed.at(repo.url, resolved.sha)).text('app/cm.yaml')).resolves.toMatch(/name: web/);
}, 120_000);
