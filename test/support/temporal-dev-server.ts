// A second Temporal dev server (the stack's binary, in memory, on free loopback ports) for a test that needs its
// own server settings, such as the UI's codec endpoint, without touching the shared stack's server.
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { SA } from '../../workflows/search-attributes';
import { eventually } from './kube';
import { stackEnv } from './stack';

export interface DevServer {
  /** host:port of its frontend, for TEMPORAL_ADDRESS. */
  address: string;
  uiUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** A port nobody listens on now (the server binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const cliType = (type: string) => type.toLowerCase().replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase());

/** Starts the server with Sluice's search attributes registered (as scripts/stack.sh does) and `extraArgs`. */
export async function startDevServer(extraArgs: string[] = []): Promise<DevServer> {
  const [port, uiPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const searchAttributes = Object.values(SA).flatMap((key) => ['--search-attribute', `${key.name}=${cliType(key.type)}`]);
  const child: ChildProcess = spawn(stackEnv().SLUICE_TEMPORAL_CLI, [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-ip', '127.0.0.1', '--ui-port', String(uiPort),
    '--http-port', String(httpPort), '--metrics-port', String(metricsPort), '--log-level', 'warn', '--ui-disable-news-fetch', ...searchAttributes, ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
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
  return { address: `127.0.0.1:${port}`, uiUrl, pid: child.pid!, stop };
}
