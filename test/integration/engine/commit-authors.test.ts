// Separation of duties reads who wrote the commits a sync deploys: from the deployed revision (excluded) to the
// pending one, from a real repository on the stack's git server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RepoCache } from '../../../activities/git/repository';
import { TestRepo } from '../../support/git';

const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-authors-'));
const repos = new RepoCache(cacheRoot);
let repo: TestRepo;
const commits: Record<string, string> = {};

beforeAll(async () => {
  repo = await TestRepo.create('authors');
  for (const [name, email] of [['deployed', 'ops@example.com'], ['second', 'alice@example.com'], ['pending', 'bob@example.com']]) {
    repo.git('config', 'user.email', email);
    commits[name] = repo.commit(name, { [`app/${name}.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n` });
  }
});
afterAll(() => {
  repo.cleanup();
  fs.rmSync(cacheRoot, { recursive: true, force: true });
});

test('the commits since the deployed revision, newest first; only the pending one when nothing was deployed', async () => {
  const since = await repos.commitsSince(repo.url, commits.pending, commits.deployed);
  expect(since.map((c) => [c.commit, c.email])).toEqual([[commits.pending, 'bob@example.com'], [commits.second, 'alice@example.com']]);
  expect(since[0].name).toBe('Sluice Test');
  expect((await repos.commitsSince(repo.url, commits.pending, undefined)).map((c) => c.email)).toEqual(['bob@example.com']);
  expect((await repos.commitsSince(repo.url, commits.second, commits.deployed)).map((c) => c.email)).toEqual(['alice@example.com']);
});
