// A loopback reverse proxy that records who called: every request is forwarded unchanged (headers, body,
// streamed answer, so watches work) to the real server, and its method, path and User-Agent are kept.
// In front of the API server it speaks TLS with its own CA, and a kubeconfig pointing at it is written.
import * as k8s from '@kubernetes/client-node';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { makeCertificates } from './certificates';

export interface RecordedRequest {
  method: string;
  path: string;
  userAgent: string | undefined;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  /** How many connections clients opened to the proxy (for TLS, each one a handshake). */
  connections(): number;
  close(): Promise<void>;
}

interface Upstream {
  url: URL;
  /** For an https upstream: its CA and the like, as the client's kubeconfig gives them. */
  tls?: https.RequestOptions;
}

async function serve(upstream: Upstream, server: http.Server, scheme: 'http' | 'https', cleanup: () => void): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const send = upstream.url.protocol === 'https:' ? https.request : http.request;
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', userAgent: req.headers['user-agent'] });
    const target = new URL(req.url ?? '/', upstream.url.origin);
    const forward = send(target, { ...upstream.tls, method: req.method, headers: { ...req.headers, host: upstream.url.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // A watch may send nothing for a while: its client waits for the headers alone.
      res.flushHeaders();
      answer.pipe(res);
    });
    forward.on('error', (error) => (res.headersSent ? res.destroy() : res.writeHead(502).end(String(error))));
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      cleanup();
    },
  };
}

/** A plain HTTP recorder in front of `upstream` (e.g. the git server). */
export function startHttpRecorder(upstream: string): Promise<RecordingProxy> {
  return serve({ url: new URL(upstream) }, http.createServer(), 'http', () => undefined);
}

/**
 * A TLS recorder in front of the API server of `kubeconfigFile`, and a copy of that kubeconfig (same user and
 * credentials) whose cluster is the recorder, trusted through the recorder's own CA.
 */
export async function startKubeRecorder(kubeconfigFile: string): Promise<RecordingProxy & { kubeconfig: string }> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigFile);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${kubeconfigFile} has no current cluster`);
  const tls: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kube-recorder-'));
  const files = makeCertificates(dir);
  const server = https.createServer({ cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) });
  const proxy = await serve({ url: new URL(cluster.server), tls: { ca: tls.ca, cert: tls.cert, key: tls.key } }, server, 'https', () => fs.rmSync(dir, { recursive: true, force: true }));
  const copy = new k8s.KubeConfig();
  copy.loadFromOptions({
    clusters: kc.clusters.map((c) => (c.name === cluster.name ? { name: c.name, server: proxy.url, caData: fs.readFileSync(files.ca).toString('base64'), skipTLSVerify: false } : c)),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, copy.exportConfig(), { mode: 0o600 });
  return { ...proxy, kubeconfig };
}
