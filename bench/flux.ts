// Flux's source-controller and kustomize-controller for the fleet benchmark: run as local processes against the
// stack's API server (as the Sluice worker is), built by `scripts/build-tools.sh flux` into ~/.cache/sluice.
// Started with their pids recorded and stopped by pid; everything listens on 127.0.0.1 only.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyObjects } from '../activities/cluster/apply';
import { KubeClient } from '../activities/cluster/kube-client';
import { KubeObject } from '../domain/resource/types';
import { repoRoot } from '../test/support/stack';

export const BUILD_COMMAND = 'npm run build:flux';
const CONTROLLERS = ['source-controller', 'kustomize-controller'] as const;
type Controller = (typeof CONTROLLERS)[number];

/** Each controller's cache directory (bin/<name> and crds/), at the versions pinned in scripts/versions.env. */
export function fluxBuild(): Record<Controller, string> {
  const versions = Object.fromEntries(
    fs.readFileSync(path.join(repoRoot, 'scripts/versions.env'), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=', 2)),
  );
  const cache = process.env.SLUICE_CACHE ?? path.join(os.homedir(), '.cache', 'sluice');
  return {
    'source-controller': path.join(cache, `source-controller-${versions.FLUX_SOURCE_CONTROLLER_VERSION}`),
    'kustomize-controller': path.join(cache, `kustomize-controller-${versions.FLUX_KUSTOMIZE_CONTROLLER_VERSION}`),
  };
}

/** Why Flux cannot run (with the command that fixes it), or undefined when both controllers are built. */
export function fluxMissing(): string | undefined {
  const missing = Object.values(fluxBuild()).filter((dir) => !fs.existsSync(path.join(dir, '.complete')) || !fs.existsSync(path.join(dir, 'crds')));
  if (missing.length === 0) return undefined;
  return `Flux's controllers are not built (no ${missing.join(', ')}): run \`${BUILD_COMMAND}\` (about 6 minutes on 2 cores; later runs reuse it)`;
}

export interface Ports {
  storage: number;
  metrics: [number, number];
  health: [number, number];
}

interface Running {
  name: Controller;
  child: ChildProcess;
  log: string;
}

export class FluxControllers {
  private running: Running[] = [];

  constructor(private readonly kubeconfig: string, private readonly scratch: string, private readonly ports: Ports) {}

  get pids(): number[] {
    return this.running.map((r) => r.child.pid!);
  }

  /** Installs the CRDs (all six of source.toolkit.fluxcd.io and the Kustomization) and starts both controllers. */
  async start(kube: KubeClient): Promise<void> {
    const problem = fluxMissing();
    if (problem) throw new Error(problem);
    const build = fluxBuild();
    const crds = CONTROLLERS.flatMap((name) => {
      const dir = path.join(build[name], 'crds');
      return fs.readdirSync(dir).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject));
    });
    await applyObjects(kube, crds);
    const storage = `127.0.0.1:${this.ports.storage}`;
    const storagePath = path.join(this.scratch, 'flux-artifacts');
    fs.mkdirSync(storagePath, { recursive: true });
    const common = (i: number) => [
      '--enable-leader-election=false', '--watch-all-namespaces',
      `--metrics-addr=127.0.0.1:${this.ports.metrics[i]}`, `--health-addr=127.0.0.1:${this.ports.health[i]}`, '--log-level=info',
    ];
    // --concurrent as in Flux's own benchmark; kustomize-controller downloads artifacts from the storage address.
    this.spawn('source-controller', [...common(0), '--concurrent=10', `--storage-path=${storagePath}`, `--storage-addr=${storage}`, `--storage-adv-addr=${storage}`]);
    this.spawn('kustomize-controller', [...common(1), '--concurrent=20']);
    await Promise.all(this.running.map((r, i) => this.ready(r, this.ports.health[i])));
  }

  private spawn(name: Controller, args: string[]): void {
    // No --kubeconfig flag: controller-runtime reads KUBECONFIG from the environment.
    const child = spawn(path.join(fluxBuild()[name], 'bin', name), args, { env: { ...process.env, KUBECONFIG: this.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    const running: Running = { name, child, log: '' };
    const keep = (d: Buffer) => (running.log = (running.log + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.running.push(running);
  }

  private async ready(r: Running, port: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (r.child.exitCode !== null) throw new Error(`${r.name} exited with ${r.child.exitCode}:\n${r.log.slice(-3000)}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((res) => res.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${r.name} not ready after 60s:\n${r.log.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** SIGTERM each controller by pid, SIGKILL after 15s. */
  async stop(): Promise<void> {
    await Promise.all(this.running.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }));
    this.running = [];
  }

  output(): string {
    return this.running.map((r) => `--- ${r.name}\n${r.log.slice(-3000)}`).join('\n');
  }
}

/** A GitRepository (an unauthenticated repo on the stack's git server): ONE for a monorepo, or one per app. */
export function gitRepository(namespace: string, url: string, name = 'fleet'): KubeObject {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name, namespace },
    spec: { url, interval: '1m', ref: { branch: 'main' } },
  } as unknown as KubeObject;
}

/** One app of the fleet: its directory, applied to its own namespace, pruned, and waited on until healthy. */
export function kustomization(namespace: string, name: string, appPath: string, targetNamespace: string, source = 'fleet'): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace },
    spec: { interval: '10m', path: appPath, targetNamespace, prune: true, wait: true, timeout: '10m', sourceRef: { kind: 'GitRepository', name: source } },
  } as unknown as KubeObject;
}

export const isReady = (obj: KubeObject): boolean =>
  ((obj as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
