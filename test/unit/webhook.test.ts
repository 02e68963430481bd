import { createHmac } from 'node:crypto';
import { parsePush, pushMatches } from '../../worker/webhook';

const body = (o: unknown) => Buffer.from(JSON.stringify(o));
const hmac = (b: Buffer, s: string) => createHmac('sha256', s).update(b).digest('hex');

test('GitHub, GitLab, Gitea and generic pushes are verified and parsed', () => {
  const gh = body({ ref: 'refs/heads/main', repository: { clone_url: 'https://git.example.com/Team/App.git' } });
  expect(parsePush({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(gh, 's')}` }, gh, 's')).toMatchObject({ provider: 'github', ref: 'refs/heads/main' });
  expect(() => parsePush({ 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' }, gh, 's')).toThrow(/bad GitHub signature/);
  expect(parsePush({ 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${hmac(gh, 's')}` }, gh, 's')).toBeUndefined();
  const gl = body({ ref: 'refs/heads/main', project: { git_http_url: 'https://gitlab.example.com/team/app.git' } });
  expect(parsePush({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 's' }, gl, 's')).toMatchObject({ provider: 'gitlab' });
  expect(() => parsePush({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'no' }, gl, 's')).toThrow(/bad GitLab token/);
  expect(parsePush({ 'x-gitea-event': 'push', 'x-gitea-signature': hmac(gh, 's') }, gh, 's')).toMatchObject({ provider: 'gitea' });
  const generic = body({ repoURL: 'https://git.example.com/team/app', revision: 'main' });
  expect(parsePush({ 'x-sluice-token': 's' }, generic, 's')).toMatchObject({ provider: 'generic', ref: 'main' });
  expect(() => parsePush({}, body({ repository: {} }), undefined)).toThrow(/needs a repository URL and a ref/);
});

test('a push matches apps by normalised repo URL and tracked branch', () => {
  const push = { provider: 'github' as const, repoURLs: ['https://GIT.example.com/team/app.git'], ref: 'refs/heads/main' };
  expect(pushMatches(push, 'https://git.example.com/team/app', 'main')).toBe(true);
  expect(pushMatches(push, 'https://git.example.com/team/app.git/', 'HEAD')).toBe(true);
  expect(pushMatches(push, 'https://git.example.com/team/app', 'release')).toBe(false);
  expect(pushMatches(push, 'https://git.example.com/team/other', 'main')).toBe(false);
  const tag = { ...push, ref: 'refs/tags/v1.3.0' };
  expect(pushMatches(tag, 'https://git.example.com/team/app', '>=1.2.0 <2')).toBe(true);
  expect(pushMatches(tag, 'https://git.example.com/team/app', 'main')).toBe(true);
  expect(pushMatches(tag, 'https://git.example.com/team/app', 'HEAD')).toBe(false);
});
