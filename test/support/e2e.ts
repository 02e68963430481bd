// The end-to-end harness shared by test/e2e: a real worker process (its own task queue, label selector and
// HTTP port), a Temporal client, and helpers that create an app from a test repo and wait on what the
// worker writes back. Everything a run creates is removed by stop().
import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeClient } from '../../activities/cluster/kube-client';
import { defaultLeaseName } from '../../config/leader-election';
import { applicationWorkflowId } from '../../domain/operation/types';
import { KubeObject } from '../../domain/resource/types';
import { payloadDataConverter } from '../../config/payload-codec';
import { payloadKeysFromEnv } from '../../config/payload-keys';
import { applicationManifest } from '../fixtures/gitops';
import { TestRepo } from './git';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from './kube';
import { ensureTestProjects } from './projects';
import { jsonnetEnv, repoRoot, stackEnv } from './stack';
import { startWorker, WorkerLaunch, WorkerProcess } from './worker';


const CLI = path.join(repoRoot, 'client/bin/sluice');
const CLI_TIMEOUT_MS = 60_000;

export class E2eRun {
  readonly env = stackEnv();
  readonly kc = kubeConfig();
  readonly kube = KubeClient.fromFile(this.env.KUBECONFIG);
  readonly runId = randomBytes(4).toString('hex');
  readonly scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-'));
  readonly webhookSecret = `hook-${this.runId}`;
  readonly namespaces: string[] = [];
  readonly repos: TestRepo[] = [];
  readonly workerEnv: Record<string, string>;
  worker!: WorkerProcess;
  /** More workers on the same task queue and selector (`startReplica`), stopped with the run. */
  readonly replicas: WorkerProcess[] = [];
  /** Arguments for the worker's node (before the script), e.g. a benchmark's `--cpu-prof`. */
  workerNodeArgs: string[] = [];
  /** How the worker process is run, when not as the tests run it (support/worker.ts). */
  workerLaunch: WorkerLaunch = {};
  /** The permissive AppProjects start() creates in the control namespace; none for a test that brings its own. */
  testProjects = ['default', 'e2e'];
  temporal!: Client;
  /** The Temporal server this harness's client and CLI use (plain gRPC); a test running its own server sets it, and the worker's TEMPORAL_ADDRESS. */
  temporalAddress = this.env.TEMPORAL_ADDRESS;
  private connection?: Connection;

  constructor(readonly httpPort: number, extraEnv: Record<string, string> = {}) {
    this.workerEnv = {
      SLUICE_APP_SELECTOR: `sluice.dev/test-run=${this.runId}`, SLUICE_TASK_QUEUE: `sluice-e2e-${this.runId}`, SLUICE_NAMESPACE: 'default', SLUICE_WATCH_ARGOCD: 'true',
      SLUICE_HTTP_PORT: String(httpPort), SLUICE_WEBHOOK_SECRET: this.webhookSecret, SLUICE_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${httpPort + 1}`,
      // Polling is slow on purpose: drift must be noticed by the watch, and pushes announced (as a webhook would).
      SLUICE_REFRESH_INTERVAL: '2m', SLUICE_REFRESH_JITTER: '1s',
      // As in a pod: a worker restarted on this port is the same pod, and takes its Lease back at once.
      POD_NAME: `e2e-${this.runId}-${httpPort}`,
      SLUICE_REPO_CACHE: path.join(this.scratch, 'repos'), SLUICE_RENDER_CACHE: path.join(this.scratch, 'rendered'),
      // push() announces a commit by a refresh signal, not a webhook: no revision cache may hide it.
      SLUICE_REVISION_TTL: '0',
      ...extraEnv,
    };
  }

  /** Replaces the worker's whole environment (none of the tests' defaults stays), e.g. with a Deployment's. */
  useWorkerEnv(env: Record<string, string>): void {
    for (const key of Object.keys(this.workerEnv)) delete this.workerEnv[key];
    Object.assign(this.workerEnv, env);
  }

  async start(): Promise<void> {
    await ensureTestProjects(this.kube, this.workerEnv.SLUICE_NAMESPACE, this.testProjects);
    this.worker = await startWorker(this.workerEnv, this.workerNodeArgs, this.workerLaunch);
    this.connection = await Connection.connect({ address: this.temporalAddress });
    this.temporal = this.temporalClient();
  }

  /** A client with the worker's payload keys (SLUICE_PAYLOAD_KEYS in workerEnv or this process's environment), as the CLI has. */
  private temporalClient(): Client {
    return new Client({ connection: this.connection!, dataConverter: payloadDataConverter(payloadKeysFromEnv({ ...process.env, ...this.workerEnv })) });
  }

  /**
   * Another worker like the first (same task queue, selector and Lease), serving HTTP on `httpPort` and its Temporal
   * metrics on `httpPort + 1`: a second replica of a Deployment.
   */
  async startReplica(httpPort: number): Promise<WorkerProcess> {
    const replica = await startWorker({ ...this.workerEnv, POD_NAME: `e2e-${this.runId}-${httpPort}`, SLUICE_HTTP_PORT: String(httpPort), SLUICE_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${httpPort + 1}` }, this.workerNodeArgs);
    this.replicas.push(replica);
    return replica;
  }

  /** The Lease this run's workers elect their leader on (one per selector: every run has its own). */
  get leaseName(): string {
    return this.workerEnv.SLUICE_LEADER_ELECTION_LEASE || defaultLeaseName(this.workerEnv.SLUICE_APP_SELECTOR);
  }

  /** Restarts the worker with the current workerEnv (the client takes its payload keys too). */
  async restartWorker(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.worker.stop(signal);
    this.worker = await startWorker(this.workerEnv, this.workerNodeArgs, this.workerLaunch);
    this.temporal = this.temporalClient();
  }

  async stop(): Promise<void> {
    for (const replica of this.replicas) await replica.stop();
    await this.worker?.stop();
    await this.kube.delete('coordination.k8s.io/v1', 'Lease', this.workerEnv.SLUICE_NAMESPACE, this.leaseName).catch(() => undefined);
    // With the worker gone, nobody processes this run's resources finalizers (generated apps carry one by default):
    // release them, or the apps and their namespaces would stay Terminating for good.
    await this.releaseFinalizers();
    await this.connection?.close();
    for (const r of this.repos) r.cleanup();
    await Promise.all(this.namespaces.map((ns) => deleteNamespace(this.kc, ns)));
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }

  private async releaseFinalizers(): Promise<void> {
    for (const group of ['sluice.dev', 'argoproj.io']) {
      const apps = await this.kube.list(`${group}/v1alpha1`, 'Application', { labelSelector: `sluice.dev/test-run=${this.runId}` }).catch(() => []);
      for (const app of apps.filter((a) => a.metadata.finalizers?.length)) {
        await this.kube.request('PATCH', `/apis/${group}/v1alpha1/namespaces/${app.metadata.namespace}/applications/${app.metadata.name}`, {
          body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json',
        }).catch(() => undefined);
      }
    }
  }

  namespace = async (prefix: string): Promise<string> => {
    const namespace = await createTestNamespace(this.kc, prefix);
    this.namespaces.push(namespace);
    return namespace;
  };

  repo = async (prefix: string, options?: Parameters<typeof TestRepo.create>[1]): Promise<TestRepo> => {
    const repo = await TestRepo.create(prefix, options);
    this.repos.push(repo);
    return repo;
  };

  /** A namespace, a repo with `files`, and an Application (named after the namespace) deploying it there. */
  scenario = async (prefix: string, files: Record<string, string>, manifest: Partial<Parameters<typeof applicationManifest>[0]> = {}) => {
    const namespace = await this.namespace(prefix);
    const repo = await this.repo(prefix);
    repo.commit('initial', files);
    const name = namespace;
    await this.kube.create(applicationManifest({ name, namespace, repoURL: repo.url, destination: namespace, runId: this.runId, ...manifest }) as unknown as KubeObject);
    return { namespace, name, repo };
  };

  application = async (namespace: string, name: string): Promise<any> => this.kube.get('sluice.dev/v1alpha1', 'Application', namespace, name);

  waitForOperation = (namespace: string, name: string, phase: string, revision?: string, timeoutMs = 90_000): Promise<any> =>
    eventually(`Application ${namespace}/${name} operation ${phase}${revision ? ` at ${revision.slice(0, 8)}` : ''}`, async () => {
      const app = await this.application(namespace, name);
      const op = app?.status?.operationState;
      if (op?.phase === phase && (!revision || op.syncResult?.revision === revision)) return app;
      return undefined;
    }, timeoutMs);

  /** Pushes a commit and sends the refresh signal a git webhook would send. */
  push = async (repo: TestRepo, namespace: string, name: string, message: string, files: Record<string, string | null>): Promise<string> => {
    const sha = repo.commit(message, files);
    await this.appHandle(namespace, name).signal('refresh');
    return sha;
  };

  appHandle = (namespace: string, name: string) => this.temporal.workflow.getHandle(applicationWorkflowId({ namespace, name }));

  refreshed = async (namespace: string, name: string): Promise<void> => {
    await eventually('the first refresh', async () => ((await this.application(namespace, name))?.status?.sync?.status ? true : undefined));
  };

  /** How many refreshes the worker has finished (its reconcile histogram's count). */
  refreshCount = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${this.httpPort}/metrics`)).text();
    return Number(/^sluice_app_reconcile_duration_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
  };

  /** Signals a refresh and waits for the worker to finish one: a refresh that changes nothing writes no status. */
  refreshNow = async (namespace: string, name: string): Promise<void> => {
    const before = await this.refreshCount();
    await this.appHandle(namespace, name).signal('refresh');
    await eventually(`a refresh of ${namespace}/${name}`, async () => ((await this.refreshCount()) > before ? true : undefined), 60_000);
  };

  pendingApproval = (namespace: string, name: string): Promise<any> =>
    eventually('an approval request', async () => {
      const app = await this.application(namespace, name);
      return app?.status?.approval?.state === 'Pending' ? app : undefined;
    });

  private cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const payloadKeys = Object.fromEntries(Object.entries(this.workerEnv).filter(([k]) => k.startsWith('SLUICE_PAYLOAD_KEYS')));
    // The CLI reads projects and repository Secrets where the worker does (SLUICE_NAMESPACE), as an operator sets it.
    return { ...process.env, ...payloadKeys, SLUICE_NAMESPACE: this.workerEnv.SLUICE_NAMESPACE, KUBECONFIG: this.env.KUBECONFIG, TEMPORAL_ADDRESS: this.temporalAddress, SLUICE_KUSTOMIZE: this.env.SLUICE_KUSTOMIZE, SLUICE_HELM: this.env.SLUICE_HELM, ...jsonnetEnv(this.env), NO_COLOR: '1', ...extra };
  }

  /**
   * Runs the CLI binary against the stack in namespace `namespace`, as a user would. A CLI that has not exited
   * after `CLI_TIMEOUT_MS` is killed (code -1), so a hanging command fails its test instead of the whole run.
   */
  sluice = (namespace: string, ...args: string[]): { code: number; out: string; ms: number } => {
    const started = Date.now();
    const r = spawnSync(CLI, [...args, '-n', namespace], { encoding: 'utf8', env: this.cliEnv(), timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL' });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}${r.error ? `\n[${r.error.message}]` : ''}`, ms: Date.now() - started };
  };

  /** The CLI binary without blocking this process (for tests that serve something the CLI talks to). */
  sluiceAsync = (env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      execFile(CLI, args, { encoding: 'utf8', env: this.cliEnv(env) }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, out: `${stdout}${stderr}` }));
    });
}

/** The reason an Update's validator gave (the client wraps it as the failure's cause). */
export async function rejection(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (error) {
    return (error as { cause?: Error }).cause?.message ?? (error as Error).message;
  }
  throw new Error('expected the update to be rejected');
}
