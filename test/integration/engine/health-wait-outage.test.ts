// The sync's health wait against an API server that is already unreachable when the wait begins (the window
// between a step's apply and the wait's first read, where test/e2e/apiserver-down.test.ts sometimes lands). The
// wait reads the API server before its first health read too: the AppProject, the destination, the objects. An
// outage there is waited out like an outage during a health read: it shows on the heartbeat, each resource
// Unknown with the reason, until the API server is back or the step's deadline passes. It is not a failed attempt
// before any heartbeat, retried into the activity's back-off, with nothing to show for it in Temporal.
//
// The activity runs in the Temporal SDK's activity test context (which records heartbeats); the API server, git
// and the activity are real, reached through a loopback proxy that the test takes down.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import { KubeClient } from '../../../activities/cluster/kube-client';
import { Engine } from '../../../activities/engine';
import { RepoCache } from '../../../activities/git/repository';
import { RenderedStore } from '../../../activities/render';
import { prepareSync, runSyncStep, SyncContext } from '../../../activities/sync';
import { ApplicationSpec } from '../../../domain/application/types';
import { SyncTask } from '../../../domain/plan/plan';
import { TestRepo } from '../../support/git';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';
import { ensureTestProjects } from '../../support/projects';
import { stackEnv } from '../../support/stack';
import { startSwitchableProxy, SwitchableProxy } from '../../support/tcp-proxy';

const kc = kubeConfig();
const namespaces: string[] = [];
let proxy: SwitchableProxy;
let dir: string;
let engine: Engine;
let repo: TestRepo;

beforeAll(async () => {
  const original = fs.readFileSync(stackEnv().KUBECONFIG, 'utf8');
  const server = new URL(/server: (\S+)/.exec(original)![1]);
  proxy = await startSwitchableProxy({ host: server.hostname, port: Number(server.port) });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-health-outage-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, original.replace(/server: \S+/g, `server: https://${server.hostname}:${proxy.port}`), { mode: 0o600 });
  engine = new Engine(KubeClient.fromFile(kubeconfig), { repos: new RepoCache(path.join(dir, 'repos'), { revisionTtlMs: 0 }), rendered: new RenderedStore(path.join(dir, 'rendered')), controlNamespace: 'default' });
  await ensureTestProjects(engine.client, engine.controlNamespace);
  repo = await TestRepo.create('health-outage');
  repo.commit('a ConfigMap', { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: waited\ndata: {a: b}\n' });
});
afterAll(async () => {
  await proxy.up().catch(() => undefined);
  await proxy.close();
  repo.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
  await Promise.all(namespaces.map((ns) => deleteNamespace(kc, ns)));
});

/** An app over the repo's one ConfigMap, synced (its step applied) while the API server is reachable. */
async function applied(syncPolicy: ApplicationSpec['syncPolicy'] = {}): Promise<{ ctx: SyncContext; tasks: SyncTask[] }> {
  const namespace = await createTestNamespace(kc, 'health-outage');
  namespaces.push(namespace);
  const spec: ApplicationSpec = { source: { repoURL: repo.url, targetRevision: 'main', path: 'app' }, destination: { server: 'https://kubernetes.default.svc', namespace }, syncPolicy };
  const ctx: SyncContext = { app: { group: 'sluice.dev', name: namespace, namespace }, spec, revision: (await engine.resolve(spec)).sha, operationId: `op-${randomUUID().slice(0, 8)}`, prune: false, managedKinds: [] };
  const { plan } = await prepareSync(engine, ctx);
  const tasks = plan.steps.flatMap((s) => s.tasks);
  await runSyncStep(engine, { ctx, tasks, first: true });
  return { ctx, tasks };
}

type Waiting = { waiting?: Array<{ subject: string; health?: string }> };

/** Runs the health wait activity as the worker registers it, recording each heartbeat's details. */
function healthWait(input: { ctx: SyncContext; tasks: SyncTask[]; stepStartedAt: string }) {
  const env = new MockActivityEnvironment();
  const heartbeats: Waiting[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details as Waiting));
  const result = env.run(createActivities(engine).awaitStepHealthy, input);
  result.catch(() => undefined);
  return { result, heartbeats };
}

const UNREACHABLE = /^Unknown: cannot read it: .*(ECONNREFUSED|ECONNRESET|socket hang up)/;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number, failed: Promise<unknown>): Promise<T> {
  let failure: unknown;
  failed.catch((error) => { failure = error; });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (failure) throw new Error(`the health wait failed before ${what}: ${String((failure as Error).message)}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('an outage from before the first read: every resource shows Unknown on the heartbeat, and the wait ends Healthy once the API server is back', async () => {
  const { ctx, tasks } = await applied();
  await proxy.down();
  try {
    const { result, heartbeats } = healthWait({ ctx, tasks, stepStartedAt: new Date().toISOString() });
    const shown = await until('a heartbeat showing the resource Unknown', () => heartbeats.flatMap((h) => h.waiting ?? []).find((w) => w.subject === 'ConfigMap/' + ctx.app.namespace + '/waited' && UNREACHABLE.test(w.health ?? '')), 10_000, result);
    expect(shown.health).toMatch(UNREACHABLE);
    // Still waiting, not failed: the outage is waited out.
    const settled = await Promise.race([result.then(() => 'ended', () => 'failed'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1500))]);
    expect(settled).toBe('waiting');
    await proxy.up();
    await expect(result).resolves.toEqual([expect.objectContaining({ subject: `ConfigMap/${ctx.app.namespace}/waited`, status: 'Healthy' })]);
  } finally {
    await proxy.up();
  }
}, 60_000);

test('an outage that outlasts the step\'s deadline fails the step, non-retryable, naming the resource and what it last showed', async () => {
  const { ctx, tasks } = await applied({ stepTimeout: '3s' });
  await proxy.down();
  try {
    const { result } = healthWait({ ctx, tasks, stepStartedAt: new Date().toISOString() });
    const error = await result.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('StepDeadlineExceeded');
    expect((error as ApplicationFailure).message).toMatch(new RegExp(`^resource ConfigMap/${ctx.app.namespace}/waited did not become Healthy within spec.syncPolicy.stepTimeout of 3s \\(it is Unknown: cannot read it: .*ECONNREFUSED`));
  } finally {
    await proxy.up();
  }
}, 60_000);
