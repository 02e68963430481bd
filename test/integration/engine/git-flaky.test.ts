// A flaky network between the worker and git: connections cut mid-request are tried again (twice at most), so a
// refresh is not failed by one dropped connection; a server that refuses connections is reported at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitError, isConnectionCut, RepoCache } from '../../../activities/git/repository';
import { TestRepo } from '../../support/git';
import { stackEnv } from '../../support/stack';
import { startSwitchableProxy, SwitchableProxy } from '../../support/tcp-proxy';

const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-flaky-'));
let proxy: SwitchableProxy;
let repo: TestRepo;
let url: string;

beforeAll(async () => {
  const git = new URL(stackEnv().SLUICE_GIT_URL);
  proxy = await startSwitchableProxy({ host: git.hostname, port: Number(git.port) });
  repo = await TestRepo.create('flaky');
  repo.commit('one', { 'app/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' });
  url = repo.url.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${proxy.port}`);
});
afterAll(async () => {
  await proxy.close();
  repo.cleanup();
  fs.rmSync(cacheRoot, { recursive: true, force: true });
});

// First, while no kept-alive connection exists: every request opens a new one and meets the cut.
test('connections cut three times in a row fail, naming the repo; a refused connection is not retried', async () => {
  const repos = new RepoCache(path.join(cacheRoot, 'second'), { revisionTtlMs: 0 });
  const before = proxy.cuts();
  proxy.cutNext(3);
  await expect(repos.resolve(url, 'main')).rejects.toThrow(new RegExp(`repository ${url.replace(/[.]/g, '\\.')} cannot be reached`));
  expect(proxy.cuts() - before).toBe(3);
  proxy.cutNext(0);
  await proxy.down();
  const error = await repos.resolve(url, 'main').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GitError);
  expect(String(error)).toMatch(/ECONNREFUSED/);
  await proxy.up();
});

test('a listing and a fetch whose connections are cut once each still resolve', async () => {
  const repos = new RepoCache(cacheRoot, { revisionTtlMs: 0 });
  const before = proxy.cuts();
  proxy.cutNext(2);
  const resolved = await repos.resolve(url, 'main');
  expect(resolved.sha).toBe(repo.git('rev-parse', 'HEAD'));
  expect(proxy.cuts() - before).toBe(2);
});

// Node's default agent drops a kept-alive socket after 5 s without traffic, even mid-answer: a git server that
// takes longer to pack (a big repository) made every fetch fail with "aborted", retried and failed again.
test('a server that goes silent for 6 s in the middle of its answers is waited for', async () => {
  const repos = new RepoCache(path.join(cacheRoot, 'slow'), { revisionTtlMs: 0 });
  proxy.stallAnswers(6_000);
  try {
    const resolved = await repos.resolve(url, 'main');
    expect(resolved.sha).toBe(repo.git('rev-parse', 'HEAD'));
    await expect((await repos.at(url, resolved.sha)).text('app/a.yaml')).resolves.toMatch(/name: a/);
  } finally {
    proxy.stallAnswers(0);
  }
}, 90_000);

test.each([
  [{ code: 'ECONNRESET' }, true],
  [{ code: 'EPIPE' }, true],
  [new Error('socket hang up'), true],
  [{ cause: { code: 'ETIMEDOUT' } }, true],
  [{ code: 'ECONNREFUSED' }, false],
  [{ data: { statusCode: 500 } }, false],
])('isConnectionCut(%j) is %s', (error, expected) => {
  expect(isConnectionCut(error)).toBe(expected);
});
