// Runs the real Sluice worker as a child process, so tests can stop it by pid (or SIGKILL it mid-sync).
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { jsonnetEnv, repoRoot, stackEnv } from './stack';
import { testBundleFor } from './workflow-bundle';

export interface WorkerProcess {
  pid: number;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The worker's node arguments. By default it runs from source through tsx, loaded in-process (not its CLI, which
 * runs the script in a child) so the pid is the worker itself. SLUICE_WORKER_COMPILED (in `env` or this process's
 * environment) runs the compiled worker instead: `1` for dist/, or the path of another build's output directory.
 */
export function workerCommand(env: Record<string, string | undefined> = {}): string[] {
  const compiled = compiledBuild(env);
  if (!compiled) return ['--import', 'tsx', path.join(repoRoot, 'worker/main.ts')];
  const main = path.resolve(repoRoot, compiled === '1' ? 'dist' : compiled, 'worker/main.js');
  if (!fs.existsSync(main)) throw new Error(`SLUICE_WORKER_COMPILED: ${main} does not exist; run npm run build`);
  return [main];
}

/** The compiled build SLUICE_WORKER_COMPILED asks for, or undefined for the worker from source. */
function compiledBuild(env: Record<string, string | undefined>): string | undefined {
  const compiled = env.SLUICE_WORKER_COMPILED ?? process.env.SLUICE_WORKER_COMPILED;
  return !compiled || compiled === '0' ? undefined : compiled;
}

/** How to run a worker other than the tests' way, e.g. as the image and its Deployment run it. */
export interface WorkerLaunch {
  /** node's arguments, the script included, in place of `nodeArgs` and workerCommand(env). */
  argv?: string[];
  /** The working directory (the repository by default). */
  cwd?: string;
  /** The process gets `env` alone: neither this process's environment nor the stack's defaults, as a container. */
  exactEnv?: boolean;
}

/** `nodeArgs` go to node before the script: e.g. `--cpu-prof`, which NODE_OPTIONS does not allow. */
export async function startWorker(env: Record<string, string>, nodeArgs: string[] = [], launch: WorkerLaunch = {}): Promise<WorkerProcess> {
  const stack = stackEnv();
  // From source, the worker loads the run's one bundle of workflows/ instead of running webpack (workflow-bundle.ts).
  const bundle = !launch.argv && !launch.exactEnv && !compiledBuild(env) ? testBundleFor(env) : undefined;
  const child: ChildProcess = spawn(process.execPath, launch.argv ?? [...nodeArgs, ...workerCommand(env)], {
    cwd: launch.cwd ?? repoRoot,
    env: launch.exactEnv ? env : {
      ...process.env,
      KUBECONFIG: stack.KUBECONFIG, TEMPORAL_ADDRESS: stack.TEMPORAL_ADDRESS, SLUICE_KUSTOMIZE: stack.SLUICE_KUSTOMIZE, SLUICE_HELM: stack.SLUICE_HELM, ...jsonnetEnv(stack),
      LOG_LEVEL: 'info', ...(bundle ? { SLUICE_WORKFLOW_BUNDLE: bundle } : {}), ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!log.includes('sluice worker started')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the worker did not start:\n${log.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    pid: child.pid!,
    output: () => log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
