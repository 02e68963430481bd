// GET /readyz on the worker's HTTP server: the Deployment's readiness probe. 503 naming what is not up yet until
// the Temporal worker runs and the controllers have started (and again once the worker stops); /healthz, the
// liveness probe, answers 200 all along.
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import pino from 'pino';
import { startHttpServer } from '../../../worker/http-server';
import { readiness } from '../../../worker/readiness';

let server: Server;
afterEach(() => new Promise((resolve) => server.close(resolve)));

async function serve(options: Partial<Parameters<typeof startHttpServer>[0]> = {}) {
  server = await startHttpServer({ port: 0, apps: () => [], refresh: async () => undefined, logger: pino({ level: 'silent' }), ...options });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.json() };
  };
}

test.each([
  ['nothing up yet', 'INITIALIZED', false, 503, ['temporal worker', 'controllers']],
  ['the controllers started, the worker not yet polling', 'INITIALIZED', true, 503, ['temporal worker']],
  ['the worker polling, the controllers still listing', 'RUNNING', false, 503, ['controllers']],
  ['both up', 'RUNNING', true, 200, []],
  ['shutting down', 'STOPPING', true, 503, ['temporal worker']],
])('/readyz with %s', async (_, workerState, controllersStarted, status, waiting) => {
  const get = await serve({ readiness: () => readiness({ 'temporal worker': () => workerState === 'RUNNING', controllers: () => controllersStarted }) });
  expect(await get('/readyz')).toEqual({ status, body: { ready: status === 200, waiting } });
  expect(await get('/healthz')).toEqual({ status: 200, body: { ok: true } });
});

test('/readyz follows the checks as they change', async () => {
  let started = false;
  const get = await serve({ readiness: () => readiness({ controllers: () => started }) });
  expect((await get('/readyz')).status).toBe(503);
  started = true;
  expect((await get('/readyz')).status).toBe(200);
});
