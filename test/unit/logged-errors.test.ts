// A KubeApiError logged as an object (as the Temporal worker logs a failed activity's error, under `error`) keeps
// the API server's message, scrubbed: a status write refused with a 500 used to log only
// {"code":500,"reason":"Internal Server Error","name":"KubeApiError"}.
import { Writable } from 'node:stream';
import { KubeApiError } from '../../activities/cluster/kube-client';
import { createLogger } from '../../activities/log';

test('a logged KubeApiError carries its code, reason and message', () => {
  let line = '';
  const logger = createLogger({ destination: new Writable({ write: (chunk, _, done) => { line += String(chunk); done(); } }) as never });
  logger.warn({ error: new KubeApiError(500, 'Internal Server Error', 'etcdserver: request is too large') }, 'Activity failed');
  expect(JSON.parse(line).error).toEqual({ name: 'KubeApiError', code: 500, reason: 'Internal Server Error', message: 'etcdserver: request is too large' });
  line = '';
  logger.warn({ error: new Error('GET https://bob:hunter2@git.example/repo.git failed') }, 'Activity failed');
  expect(JSON.parse(line).error.message).toBe('GET https://bob:***@git.example/repo.git failed');
});
