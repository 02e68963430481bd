import { Writable } from 'node:stream';
import { concealUrl, logFieldsFromWorkflowId, scrubSecrets } from '../../domain/logging';
import { createLogger } from '../../activities/log';

test('workflow ids give the app, namespace and sync id', () => {
  expect(logFieldsFromWorkflowId('sluice-app/team-a/web')).toEqual({ namespace: 'team-a', app: 'web' });
  expect(logFieldsFromWorkflowId('sluice-sync/team-a/web/3-ab12cd34')).toEqual({ namespace: 'team-a', app: 'web', syncId: '3-ab12cd34' });
  expect(logFieldsFromWorkflowId('sluice-notify/team-a/web/on-deployed/1234')).toEqual({ namespace: 'team-a', app: 'web' });
  expect(logFieldsFromWorkflowId('something-else')).toEqual({});
  expect(logFieldsFromWorkflowId(undefined)).toEqual({});
});

test('credentials are scrubbed from free text', () => {
  expect(scrubSecrets('fetch https://bob:hunter2@git.example.com/repo.git failed')).toBe('fetch https://bob:***@git.example.com/repo.git failed');
  expect(scrubSecrets('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc')).toBe('Authorization: Bearer ***');
  expect(scrubSecrets('post to https://hooks.slack.com/services/T000/B000/XXXX failed')).toBe('post to https://hooks.slack.com/*** failed');
  expect(scrubSecrets('nothing secret in https://git.example.com/repo.git')).toBe('nothing secret in https://git.example.com/repo.git');
});

test('the logger writes JSON lines with the fields given, redacts secret-bearing keys and scrubs messages', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).trim().split('\n')); done(); } });
  const logger = createLogger({ level: 'info', destination: sink });
  const child = logger.child({ app: 'web', namespace: 'team-a', revision: 'abc123', syncId: '1-x', wave: 2 });
  child.info({ password: 'hunter2', target: { url: 'https://hooks.slack.com/services/T/B/C', service: 'slack' }, headers: { authorization: 'Basic Ym9iOmh1bnRlcjI=' } }, 'cloning https://bob:hunter2@git.example.com/r.git');
  child.warn({ err: 'token Zm9vYmFyYmF6cXV4 rejected' }, 'failed');
  const [first, second] = lines.map((l) => JSON.parse(l));
  expect(first).toMatchObject({ app: 'web', namespace: 'team-a', revision: 'abc123', syncId: '1-x', wave: 2, password: '[redacted]', target: { url: '[redacted]', service: 'slack' }, headers: { authorization: '[redacted]' } });
  expect(first.msg).toBe('cloning https://bob:***@git.example.com/r.git');
  expect(second.err).toBe('token *** rejected');
  expect(lines.join('\n')).not.toMatch(/hunter2|Ym9iOmh1bnRlcjI|Zm9vYmFyYmF6cXV4|T\/B\/C/);
});

test.each([
  ['network timeout at: https://hooks.example.com/T0/B0/s3cret', 'https://hooks.example.com/T0/B0/s3cret', 'network timeout at: <webhook URL>'],
  ['request to https://h.example.com/a?token=s3cret failed, reason: ECONNREFUSED', 'https://h.example.com/a?token=s3cret', 'request to <webhook URL> failed, reason: ECONNREFUSED'],
  // The client may print the normalised URL (lower-case host, a path of /), or drop the query.
  ['request to https://hooks.example.com/ failed', 'https://HOOKS.example.com', 'request to <webhook URL> failed'],
  ['at https://h.example.com/a/s3cret: refused', 'https://h.example.com/a/s3cret?x=1', 'at <webhook URL>: refused'],
  ['nothing to hide', 'https://h.example.com/s3cret', 'nothing to hide'],
  ['not a url: s3cret-value', 's3cret-value', 'not a url: <webhook URL>'],
])('concealUrl(%j) hides the URL', (text, url, expected) => {
  expect(concealUrl(text, url, '<webhook URL>')).toBe(expected);
});
