// The codec endpoint the Temporal UI and CLI call to show encrypted payloads (their "codec server" protocol):
// POST /codec/encode and /codec/decode with `{"payloads": [{"metadata": {k: base64}, "data": base64}]}` and the
// header X-Namespace, answered in the same shape. It is on only when payload keys and an auth mode are set
// (worker/codec-auth.ts): every request needs `Authorization: Bearer <token>`. SLUICE_CODEC_CORS_ORIGINS lists the
// UI origins (comma-separated, e.g. http://localhost:8233) a browser may call it from.
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { KubeClient } from '../activities/cluster/kube-client';
import { codecAuthFromEnv, CodecAuthorizer } from './codec-auth';
import { readBody, WebhookError } from './webhook';

export interface CodecServerOptions {
  codec: PayloadCodec;
  authorize: CodecAuthorizer;
  corsOrigins: string[];
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

// The UI can post every payload of a long history at once.
const MAX_CODEC_BYTES = 16 * 1024 * 1024;
const ALLOWED_HEADERS = 'X-Namespace, Content-Type, Authorization';

/** The endpoint's settings, or undefined (the endpoint is off: 404) when no auth is configured: it is never open. */
export function codecServerOptions(codec: PayloadCodec, env: NodeJS.ProcessEnv, kube: Pick<KubeClient, 'request'>): CodecServerOptions | undefined {
  const authorize = codecAuthFromEnv(env, kube);
  if (!authorize) return undefined;
  return { codec, authorize, corsOrigins: (env.SLUICE_CODEC_CORS_ORIGINS ?? '').split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean) };
}

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: metadata ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])) : undefined,
  data: data ? new Uint8Array(Buffer.from(data, 'base64')) : undefined,
});

const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: metadata ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])) : {},
  data: Buffer.from(data ?? []).toString('base64'),
});

function parsePayloads(body: Buffer): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookError(400, 'the body is not JSON');
  }
  const payloads = (parsed as { payloads?: unknown })?.payloads;
  const valid = (p: unknown): p is JsonPayload => {
    const { metadata, data } = (p ?? {}) as Record<string, unknown>;
    return typeof p === 'object' && p !== null && (data == null || typeof data === 'string')
      && (metadata == null || (typeof metadata === 'object' && Object.values(metadata).every((v) => typeof v === 'string')));
  };
  if (!Array.isArray(payloads) || !payloads.every(valid)) throw new WebhookError(400, 'expected {"payloads": [{"metadata": {key: base64}, "data": base64}]}');
  return payloads.map(fromJson);
}

/** Serves /codec/*; the caller routes only those paths here, and only when the endpoint is on. */
export function serveCodec(req: IncomingMessage, res: ServerResponse, options: CodecServerOptions, logger: Logger): void {
  const origin = req.headers.origin?.replace(/\/$/, '');
  const cors: Record<string, string> = origin && (options.corsOrigins.includes(origin) || options.corsOrigins.includes('*'))
    ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' }
    : {};
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...cors, ...headers });
    res.end(JSON.stringify(body));
  };
  const path = new URL(req.url ?? '/', 'http://codec').pathname;
  const operation = ({ '/codec/encode': 'encode', '/codec/decode': 'decode' } as const)[path];
  if (!operation) return reply(404, { error: 'not found' });
  // A browser's preflight carries no credentials: it is answered without them.
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { ...cors, ...(cors['Access-Control-Allow-Origin'] ? { 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' } : {}) });
    return void res.end();
  }
  if (req.method !== 'POST') return reply(405, { error: 'use POST' }, { Allow: 'POST, OPTIONS' });
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  void (async () => {
    let auth: Awaited<ReturnType<CodecAuthorizer>>;
    try {
      auth = await options.authorize(bearer, operation);
    } catch (error) {
      logger.warn({ err: String(error) }, 'codec request: cannot review the caller');
      return reply(503, { error: 'cannot review the caller\'s token now' });
    }
    if (!auth.ok) return reply(auth.status, { error: auth.reason }, auth.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="sluice-codec"' } : {});
    try {
      const payloads = parsePayloads(await readBody(req, MAX_CODEC_BYTES));
      const result = await options.codec[operation](payloads);
      logger.info({ operation, payloads: payloads.length, user: auth.user, temporalNamespace: req.headers['x-namespace'] }, 'codec request');
      reply(200, { payloads: result.map(toJson) });
    } catch (error) {
      const status = error instanceof WebhookError ? error.status : 400;
      reply(status, { error: (error as Error).message });
    }
  })();
}
