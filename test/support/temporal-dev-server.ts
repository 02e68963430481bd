// A second Temporal dev server (the stack's binary, on free loopback ports) for a test that needs its own server
// settings, such as the UI's codec endpoint, or a server it may stop, without touching the shared stack's server.
// In memory by default; with a SQLite file and the ports of an earlier start, it comes back as the same server.
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { SEARCH_ATTRIBUTE_LIST, SearchAttributeSpec } from '../../domain/search-attributes';
import { eventually } from './kube';
import { stackEnv } from './stack';

export interface DevServerPorts { port: number; uiPort: number; httpPort: number; metricsPort: number }

export interface DevServerOptions {
  /** Persist to this SQLite file (`--db-filename`) instead of memory: a later start on it has the same workflows. */
  dbFilename?: string;
  /** The ports of an earlier start, so clients find the restarted server where they left it; free ones otherwise. */
  ports?: DevServerPorts;
  /** The search attributes registered at start: Sluice's by default; `[]` for a server that has none. */
  searchAttributes?: SearchAttributeSpec[];
}

export interface DevServer {
  /** host:port of its frontend, for TEMPORAL_ADDRESS. */
  address: string;
  uiUrl: string;
  pid: number;
  ports: DevServerPorts;
  /** SIGTERM (SIGKILL after 10 s), or `signal` at once, and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A port nobody listens on now (the server binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the server with Sluice's search attributes registered (as scripts/stack.sh does; options.searchAttributes
 * chooses others) and `extraArgs`. The
 * attributes are registered at every start: on a SQLite file that has them already, the server accepts that.
 */
export async function startDevServer(extraArgs: string[] = [], options: DevServerOptions = {}): Promise<DevServer> {
  // The server picks free ports for its internal services (history, matching) itself, and another process on a
  // busy machine can take one between its pick and its bind: it then exits with "address already in use"
  // (seen in CI, for the history service). That start is tried again; any other failure is not.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(extraArgs, options);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce(extraArgs: string[], options: DevServerOptions): Promise<DevServer> {
  const ports = options.ports ?? { port: await freePort(), uiPort: await freePort(), httpPort: await freePort(), metricsPort: await freePort() };
  const { port, uiPort, httpPort, metricsPort } = ports;
  const searchAttributes = (options.searchAttributes ?? SEARCH_ATTRIBUTE_LIST).flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]);
  const child: ChildProcess = spawn(stackEnv().SLUICE_TEMPORAL_CLI, [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-ip', '127.0.0.1', '--ui-port', String(uiPort),
    '--http-port', String(httpPort), '--metrics-port', String(metricsPort), '--log-level', 'warn', '--ui-disable-news-fetch', ...searchAttributes,
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []), ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  try {
    await eventually('the second Temporal dev server', async () => {
      if (child.exitCode !== null) throw new Error(`it exited: ${log.slice(-2000)}`);
      return (await fetch(`${uiUrl}/api/v1/namespaces/default`)).ok || undefined;
    }, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address: `127.0.0.1:${port}`, uiUrl, pid: child.pid!, ports, stop };
}
