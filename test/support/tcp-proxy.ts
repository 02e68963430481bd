// A loopback TCP proxy that can be taken down and brought back on the same port: what a server that dies and
// returns looks like to its clients (connections refused while down, open connections cut when it goes down).
import net from 'node:net';

export interface SwitchableProxy {
  port: number;
  /** Cuts every open connection and stops listening: new connections are refused. */
  down(): Promise<void>;
  /** Listens again on the same port (if it is not listening already). */
  up(): Promise<void>;
  /** The next `n` connections are cut as soon as the client has sent its first bytes (a flaky network). */
  cutNext(n: number): void;
  /** How many connections were cut that way. */
  cuts(): number;
  /** From now on, each answer goes silent for `ms` after its first bytes, then flows on (0: never). */
  stallAnswers(ms: number): void;
  close(): Promise<void>;
}

export async function startSwitchableProxy(upstream: { host: string; port: number }): Promise<SwitchableProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  let toCut = 0;
  let cut = 0;
  let stallMs = 0;
  const listen = () => new Promise<void>((resolve, reject) => {
    const s = net.createServer((client) => {
      if (toCut > 0) {
        toCut -= 1;
        client.once('data', () => {
          cut += 1;
          client.destroy();
        });
        client.on('error', () => undefined);
        return;
      }
      const target = net.connect(upstream.port, upstream.host);
      for (const socket of [client, target]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(target);
      // While stalling: after each request, the answer's first bytes pass, then the rest is held for stallMs (a
      // server busy between the start of its answer and the rest, as git is, packing a big repository). What the
      // server sent meanwhile, its close included, reaches the client afterwards, in order.
      let armed = false;
      let held: Buffer[] | undefined;
      let closed = false;
      client.on('data', () => { armed = stallMs > 0; });
      target.on('data', (chunk: Buffer) => {
        if (held) return void held.push(chunk);
        client.write(chunk);
        if (!armed) return;
        armed = false;
        held = [];
        setTimeout(() => {
          for (const rest of held ?? []) client.write(rest);
          held = undefined;
          if (closed) client.end();
        }, stallMs);
      });
      client.on('close', () => target.destroy());
      target.on('close', () => {
        closed = true;
        if (!held) client.destroy();
      });
    });
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      port = (s.address() as net.AddressInfo).port;
      server = s;
      resolve();
    });
  });
  const down = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    if (!server) return resolve();
    server.close(() => resolve());
    server = undefined;
  });
  await listen();
  return {
    get port() { return port; }, down, up: () => (server ? Promise.resolve() : listen()), close: down,
    cutNext: (n: number) => { toCut = n; },
    cuts: () => cut,
    stallAnswers: (ms: number) => { stallMs = ms; },
  };
}
