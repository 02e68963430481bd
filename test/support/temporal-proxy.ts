// A TLS front for the local Temporal dev server (which speaks only plaintext), checking an API key the way a
// Temporal Cloud endpoint does: HTTP/2 over TLS, `authorization: Bearer <key>` on every call, and gRPC's
// UNAUTHENTICATED status otherwise. Each gRPC call is forwarded to the dev server with its trailers.
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { makeCertificates } from './certificates';

export interface TemporalTlsProxy {
  address: string;
  caPath: string;
  /** Calls let through and refused, by whether they carried the right key. */
  counts: { accepted: number; refused: number };
  close(): Promise<void>;
}

export async function startTemporalTlsProxy(upstream: string, apiKey: string): Promise<TemporalTlsProxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-temporal-tls-'));
  const files = makeCertificates(dir);
  const counts = { accepted: 0, refused: 0 };
  const backend = http2.connect(`http://${upstream}`);
  backend.on('error', () => undefined);
  const server = http2.createSecureServer({ cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key), ALPNProtocols: ['h2'] });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers.authorization !== `Bearer ${apiKey}`) {
      counts.refused += 1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'invalid API key' }, { endStream: true });
      return;
    }
    counts.accepted += 1;
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name === ':authority' || name === ':scheme' || name === 'authorization') continue;
      forwarded[name] = value;
    }
    const call = backend.request(forwarded);
    call.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('close', () => call.close());
    let trailers: http2.IncomingHttpHeaders = {};
    call.on('response', (response) => {
      const { ':status': status, ...rest } = response;
      // A trailers-only answer (an error) ends with its headers; anything else sends trailers after the data.
      stream.respond({ ':status': status, ...rest }, rest['grpc-status'] !== undefined ? { endStream: true } : { waitForTrailers: true });
    });
    call.on('trailers', (t) => (trailers = t));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    call.on('data', (chunk) => stream.write(chunk));
    call.on('end', () => (stream.writable ? stream.end() : undefined));
    stream.pipe(call);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    caPath: files.ca,
    counts,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      await closed;
      backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
