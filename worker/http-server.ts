// The worker's HTTP endpoint: git webhooks (POST /api/webhook), a liveness check (/healthz), a readiness check
// (/readyz, worker/readiness.ts), /metrics, and the payload codec for the Temporal UI (/codec/*,
// worker/codec-server.ts) when it is configured.
import { createServer, Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AppRef } from '../domain/operation/types';
import { parsePush, pushMatches, readBody, WebhookError } from './webhook';
import { CodecServerOptions, serveCodec } from './codec-server';
import { Readiness } from './readiness';

export interface TrackedApp {
  app: AppRef;
  project?: string;
  repoURL?: string;
  targetRevision?: string;
}

export interface HttpOptions {
  port: number;
  host?: string;
  webhookSecret?: string;
  apps: () => Iterable<TrackedApp>;
  refresh: (app: AppRef) => Promise<void>;
  /** Forgets the cached revisions of a pushed repository, before its apps refresh (so they see the push at once). */
  invalidate?: (repoURL: string) => void;
  logger: Logger;
  /** Served at /metrics. */
  metrics?: Registry;
  /** ApplicationSets with the repositories their git generators read: a push to one makes them regenerate. */
  sets?: () => Iterable<{ set: { namespace: string; name: string }; repoURLs: string[] }>;
  refreshSet?: (set: { namespace: string; name: string }) => Promise<void>;
  /** Counts webhook requests by provider and result (metrics). */
  onWebhook?: (provider: string, result: string) => void;
  /** Serves /codec/encode and /codec/decode; absent, they are 404. */
  codec?: CodecServerOptions;
  /** Answers /readyz: 200 when ready, else 503 naming what is waited for. Absent, nothing is waited for. */
  readiness?: () => Readiness;
}

export function startHttpServer(options: HttpOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return reply(200, { ok: true });
    if (req.url === '/readyz') {
      const state = options.readiness?.() ?? { ready: true, waiting: [] };
      return reply(state.ready ? 200 : 503, state);
    }
    if (req.url === '/metrics' && options.metrics) {
      void options.metrics.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': options.metrics!.contentType });
        res.end(text);
      });
      return;
    }
    if (req.url?.startsWith('/codec/') && options.codec) return serveCodec(req, res, options.codec, options.logger);
    if (req.url !== '/api/webhook' || req.method !== 'POST') return reply(404, { error: 'not found' });
    void (async () => {
      try {
        const push = parsePush(req.headers, await readBody(req), options.webhookSecret);
        if (!push) {
          options.onWebhook?.('unknown', 'ignored');
          return reply(200, { refreshed: [], ignored: 'not a push event' });
        }
        const matched = [...options.apps()].filter((t) => t.repoURL && pushMatches(push, t.repoURL, t.targetRevision));
        // A set's git generator may read any branch (even a templated one), so any push to its repository counts.
        const sets = [...(options.sets?.() ?? [])].filter((s) => s.repoURLs.some((url) => pushMatches(push, url, undefined)));
        for (const repoURL of new Set([...matched.map((t) => t.repoURL!), ...sets.flatMap((s) => s.repoURLs)])) options.invalidate?.(repoURL);
        await Promise.all([...matched.map((t) => options.refresh(t.app)), ...sets.map((s) => options.refreshSet?.(s.set))]);
        options.onWebhook?.(push.provider, 'accepted');
        options.logger.info({ provider: push.provider, ref: push.ref, refreshed: matched.length }, 'webhook push');
        reply(200, { refreshed: matched.map((t) => `${t.app.namespace}/${t.app.name}`), ...(sets.length ? { applicationSets: sets.map((s) => `${s.set.namespace}/${s.set.name}`) } : {}) });
      } catch (error) {
        const status = error instanceof WebhookError ? error.status : 500;
        options.onWebhook?.('unknown', String(status));
        reply(status, { error: (error as Error).message });
      }
    })();
  });
  return new Promise((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server)));
}
