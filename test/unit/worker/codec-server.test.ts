// The codec endpoint on the worker's HTTP server, in process: on only with a token, never open, and the UI's protocol.
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import pino from 'pino';
import { EncryptionCodec } from '../../../config/payload-codec';
import { codecAuthFromEnv } from '../../../worker/codec-auth';
import { codecServerOptions } from '../../../worker/codec-server';
import { startHttpServer } from '../../../worker/http-server';

const codec = new EncryptionCodec([{ id: 'a', key: Buffer.alloc(32, 1) }]);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const plain = { metadata: { encoding: b64('json/plain') }, data: b64('{"x":1}') };
let servers: Server[] = [];

async function serve(env: NodeJS.ProcessEnv) {
  const server = await startHttpServer({ port: 0, apps: () => [], refresh: async () => undefined, logger: pino({ level: 'silent' }), codec: codecServerOptions(codec, env, { request: async () => { throw new Error('no Kubernetes here'); } }) });
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec`;
  return (path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}) => fetch(`${url}${path}`, {
    method: init.method ?? 'POST', body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    headers: { 'Content-Type': 'application/json', ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}), ...init.headers },
  });
}

afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

test('no token configured: the endpoint is off', async () => {
  const call = await serve({ SLUICE_CODEC_CORS_ORIGINS: '*' });
  expect((await call('/decode', { body: { payloads: [] } })).status).toBe(404);
  expect((await call('/decode', { method: 'OPTIONS', headers: { Origin: 'http://ui' } })).status).toBe(404);
});

test.each([
  ['no Authorization', undefined, { payloads: [plain] }, 401, 'a valid Authorization: Bearer token is required'],
  ['a wrong token', 'nope', { payloads: [plain] }, 401, 'a valid Authorization: Bearer token is required'],
  ['not JSON', 't0ken', '{', 400, 'the body is not JSON'],
  ['no payloads array', 't0ken', { payload: [] }, 400, 'expected {"payloads": [{"metadata": {key: base64}, "data": base64}]}'],
  ['metadata that is not strings', 't0ken', { payloads: [{ metadata: { encoding: 1 } }] }, 400, 'expected {"payloads"'],
  ['an unknown key id', 't0ken', { payloads: [{ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('old') }, data: b64('x'.repeat(40)) }] }, 400, 'a payload is encrypted with key "old", which is not configured (configured: a)'],
])('decode with %s', async (_, token, body, status, error) => {
  const call = await serve({ SLUICE_CODEC_AUTH_TOKEN: 't0ken' });
  const res = await call('/decode', { token, body });
  expect(res.status).toBe(status);
  expect(((await res.json()) as { error: string }).error).toContain(error);
});

test('encode then decode round-trips; an unknown path is 404 and a GET is 405', async () => {
  const call = await serve({ SLUICE_CODEC_AUTH_TOKEN: 't0ken' });
  const encoded = (await (await call('/encode', { token: 't0ken', body: { payloads: [plain] } })).json()) as { payloads: Array<{ metadata: Record<string, string> }> };
  expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  const decoded = await (await call('/decode', { token: 't0ken', body: encoded })).json();
  expect(decoded).toEqual({ payloads: [plain] });
  expect((await call('/other', { token: 't0ken', body: encoded })).status).toBe(404);
  expect((await call('/decode', { method: 'GET', token: 't0ken' })).status).toBe(405);
});

test.each([
  ['a listed origin', 'http://ui.example', 'http://ui.example'],
  ['a listed origin, trailing slash in the setting', 'http://other.example', 'http://other.example'],
  ['an unlisted origin', 'http://evil.example', null],
])('CORS preflight from %s', async (_, origin, allowed) => {
  const call = await serve({ SLUICE_CODEC_AUTH_TOKEN: 't0ken', SLUICE_CODEC_CORS_ORIGINS: 'http://ui.example, http://other.example/' });
  const res = await call('/decode', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
  expect(res.headers.get('access-control-allow-headers')).toBe(allowed ? 'X-Namespace, Content-Type, Authorization' : null);
});

describe('codecAuthFromEnv', () => {
  const kube = { request: async () => ({}) as never };
  test.each([
    [{}, undefined],
    [{ SLUICE_CODEC_AUTH_TOKEN: ' ' }, undefined],
    [{ SLUICE_CODEC_AUTH_TOKEN: 't' }, 'function'],
    [{ SLUICE_CODEC_AUTH: 'token', SLUICE_CODEC_AUTH_TOKEN: 't' }, 'function'],
    [{ SLUICE_CODEC_AUTH: 'kubernetes' }, 'function'],
  ])('%j', (env, type) => {
    expect(typeof codecAuthFromEnv(env, kube)).toBe(type ?? 'undefined');
  });

  test.each([
    [{ SLUICE_CODEC_AUTH: 'oidc' }, 'SLUICE_CODEC_AUTH=oidc: expected kubernetes or token'],
    [{ SLUICE_CODEC_AUTH: 'kubernetes', SLUICE_CODEC_AUTH_TOKEN: 't' }, 'SLUICE_CODEC_AUTH=kubernetes reviews each caller\'s own token: unset SLUICE_CODEC_AUTH_TOKEN'],
    [{ SLUICE_CODEC_AUTH: 'token' }, 'SLUICE_CODEC_AUTH=token needs SLUICE_CODEC_AUTH_TOKEN'],
  ])('%j is refused', (env, message) => {
    expect(() => codecAuthFromEnv(env, kube)).toThrow(message);
  });
});
