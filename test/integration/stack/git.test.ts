// The git server speaks smart HTTP to isomorphic-git: clone, incremental fetch, and basic-auth refusal.
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestRepo } from '../../support/git';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-clone-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a pushed repo is cloned by isomorphic-git and a second push is seen by fetch', async () => {
  const repo = await TestRepo.create('clone');
  cleanups.push(() => repo.cleanup());
  const first = repo.commit('first', { 'app/cm.yaml': 'kind: ConfigMap\n' });

  const dir = tempDir();
  await git.clone({ fs, http, dir, url: repo.url, ref: 'main', singleBranch: true });
  expect(await git.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(first);
  expect(fs.readFileSync(path.join(dir, 'app/cm.yaml'), 'utf8')).toBe('kind: ConfigMap\n');

  const second = repo.commit('second', { 'app/cm.yaml': 'kind: ConfigMap\nmetadata: {name: x}\n' });
  const fetched = await git.fetch({ fs, http, dir, url: repo.url, ref: 'main', singleBranch: true });
  expect(fetched.fetchHead).toBe(second);
  const { blob } = await git.readBlob({ fs, dir, oid: second, filepath: 'app/cm.yaml' });
  expect(Buffer.from(blob).toString('utf8')).toContain('name: x');
});

test('a private repo needs the right password', async () => {
  const credentials = { username: 'deployer', password: 's3cret-pass' };
  const repo = await TestRepo.create('private', credentials);
  cleanups.push(() => repo.cleanup());
  const head = repo.commit('first', { 'README.md': 'private\n' });

  const refused = git.clone({ fs, http, dir: tempDir(), url: repo.url, onAuth: () => ({ ...credentials, password: 'wrong' }) });
  await expect(refused).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 401 } });
  const anonymous = git.clone({ fs, http, dir: tempDir(), url: repo.url });
  await expect(anonymous).rejects.toMatchObject({ data: { statusCode: 401 } });

  const dir = tempDir();
  await git.clone({ fs, http, dir, url: repo.url, onAuth: () => credentials });
  expect(await git.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(head);
});
