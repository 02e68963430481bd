// The Sluice worker: runs the workflows and activities on task queue "sluice", and the controllers that
// watch Application, ApplicationSet and SyncApproval CRs. Configuration from the environment:
//   TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TLS*, TEMPORAL_API_KEY (as the
//   Temporal CLI reads them; see config/temporal.ts), KUBECONFIG, SLUICE_NAMESPACE (sluice),
//   SLUICE_WATCH_ARGOCD=true to also reconcile argoproj.io Applications (compatibility mode),
//   SLUICE_REFRESH_INTERVAL / SLUICE_REFRESH_JITTER (durations; default 3m and 1m),
//   SLUICE_APP_SELECTOR (a label selector: only matching Applications), SLUICE_TASK_QUEUE (sluice),
//   SLUICE_HTTP_PORT (8080) and SLUICE_HTTP_HOST (127.0.0.1) for webhooks, /metrics, /healthz and /readyz
//   (0.0.0.0 in a pod: deploy/base), SLUICE_WEBHOOK_SECRET,
//   SLUICE_TEMPORAL_METRICS_ADDRESS (host:port) for the Temporal SDK's own Prometheus metrics,
//   SLUICE_REVISION_TTL (10s) how long a repository's listed refs answer resolutions (a webhook clears them),
//   SLUICE_CHECKOUT_CACHE / SLUICE_CHECKOUT_CACHE_SIZE (1Gi) where per-commit checkouts live and their total size,
//   SLUICE_GIT_TIMEOUT (60s) how long a git server may stay silent within a request, SLUICE_MAX_FETCH_SIZE (128Mi)
//   the most one git fetch may bring (isomorphic-git holds a fetch in memory),
//   SLUICE_PAYLOAD_KEYS / SLUICE_PAYLOAD_KEYS_FILE to encrypt payloads (config/payload-keys.ts), and then
//   SLUICE_CODEC_AUTH_TOKEN or SLUICE_CODEC_AUTH=kubernetes, and SLUICE_CODEC_CORS_ORIGINS, for the codec
//   endpoint (worker/codec-server.ts, worker/codec-auth.ts).
// Replicas: every replica runs the workflows and activities (they share the task queue), its HTTP endpoint, and
// the watches and caches its activities and webhooks read. One replica, the leader, runs the controllers: it
// starts and signals workflows for CR events, forwards SyncApprovals, and signals refreshes for drift and health
// changes. It is elected on a coordination.k8s.io/v1 Lease in SLUICE_NAMESPACE (config/leader-election.ts):
//   SLUICE_LEADER_ELECTION (true; false: this replica always leads), SLUICE_LEADER_ELECTION_LEASE
//   (sluice-controller, or sluice-controller-<hash> for a worker with SLUICE_APP_SELECTOR: a Lease per shard),
//   SLUICE_LEADER_ELECTION_LEASE_DURATION (15s), SLUICE_LEADER_ELECTION_RENEW_DEADLINE (10s),
//   SLUICE_LEADER_ELECTION_RETRY_PERIOD (2s), and POD_NAME, the holder identity (else `<host>_<pid>`). See docs/operating.md, "Scaling workers".
import * as k8s from '../activities/cluster/k8s';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { metrics, registry } from '../activities/metrics';
import { createActivities } from '../activities';
import { createLogger, installLogger } from '../activities/log';
import { describeTemporal, temporalOptions } from '../config/temporal';
import { payloadKeysFromEnv } from '../config/payload-keys';
import { EncryptionCodec, payloadDataConverter } from '../config/payload-codec';
import { identifyAs, SLUICE_VERSION } from '../config/user-agent';
import { workerTuning, workflowStackTraces } from '../config/worker-tuning';
import { logFieldsFromWorkflowId } from '../domain/logging';
import { KubeClient } from '../activities/cluster/kube-client';
import { LiveObjectCache } from '../activities/cluster/live-cache';
import { Engine } from '../activities/engine';
import { parseDuration } from '../domain/duration';
import { AppGroup, AppRef, applicationWorkflowId, TASK_QUEUE } from '../domain/operation/types';
import { startHttpServer, TrackedApp } from './http-server';
import { readiness } from './readiness';
import { codecServerOptions } from './codec-server';
import { refreshSignal } from '../workflows/application';
import { ClusterWatches } from './cluster-watches';
import { DriftWatcher } from './drift-watcher';
import { ApplicationController } from './controller';
import { ApplicationSetController, SetReads } from './appset-controller';
import { ApprovalController } from './approval-controller';
import { ClusterSecretWatch } from './cluster-secrets';
import type { SetRef } from '../activities/appset';
import { applicationSetWorkflowId } from '../workflows/appset';
import { workflowSource } from './workflow-source';
import { APPLICATION_VERSION } from '../domain/application/types';
import { DEFAULT_PROJECT } from '../activities/project';
import { workerIdentity } from '../domain/worker-identity';
import { missingPatches } from './sdk-patches';
import { ensureSearchAttributes, StartupError } from './search-attributes';
import { leaderElectionSettings } from '../config/leader-election';
import { loadKubeconfig, NO_KUBECONFIG, NO_KUBECONFIG_HINT } from '../config/kubeconfig';
import { ALWAYS_LEADING, Leadership, LeaseElector } from './leader-election';

export async function main(): Promise<void> {
  identifyAs('worker');
  const logger = createLogger();
  installLogger(logger);
  for (const missing of missingPatches()) logger.warn({ patch: missing }, 'running without one of patches/ (Sluice was installed where it could not apply it)');
  // The SDK's logs (workflow and activity lines included) go to pino, with the app and sync id read off the
  // workflow id; its own worker metrics (temporal_*) are served on a second port when asked.
  const sdkLevel = ({ trace: 'TRACE', debug: 'DEBUG' } as const)[process.env.LOG_LEVEL ?? ''] ?? 'INFO';
  const sdkLogger = new DefaultLogger(sdkLevel, (entry) => {
    const level = entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
    // The SDK's `namespace` is Temporal's; ours names the Application's, as on every other line.
    const { namespace: temporalNamespace, ...meta } = entry.meta ?? {};
    const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
    logger[level]({ ...meta, ...(temporalNamespace ? { temporalNamespace } : {}), ...logFieldsFromWorkflowId(workflowId), sdk: true }, entry.message);
  });
  const temporalMetrics = process.env.SLUICE_TEMPORAL_METRICS_ADDRESS;
  Runtime.install({ logger: sdkLogger, ...(temporalMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: temporalMetrics } } } } : {}) });
  const temporal = temporalOptions();
  const { address, namespace } = temporal;
  const kc = new k8s.KubeConfig();
  if (!loadKubeconfig(kc)) throw new Error(`${NO_KUBECONFIG}: ${NO_KUBECONFIG_HINT}`);
  const kube = new KubeClient(kc);
  // The leader (and only it) runs the controllers. It competes before anything else starts, so a replica that
  // finds the Lease free leads from its controllers' first event, and one that does not never acts on it.
  const election = leaderElectionSettings(process.env, { hostname: os.hostname(), pid: process.pid });
  const elector = election.enabled ? new LeaseElector(kube, election, logger) : undefined;
  const leadership: Leadership = elector ?? ALWAYS_LEADING;
  if (elector) await elector.start();
  else metrics.leader.set({ lease: '' }, 1);
  // A refresh for what this replica's watches saw (drift, a health change, a project's change): every replica
  // sees the same events, so only the leader signals. A webhook, which reaches one replica, refreshes from any.
  const refreshIfLeading = async (app: AppRef): Promise<boolean> => {
    if (!leadership.leading) return false;
    metrics.controllerActions.inc({ controller: 'refresh' });
    await refresh(app);
    return true;
  };
  // One watch per kind feeds both the drift watcher and the refreshes' live reads; other clusters get their own.
  const live = new LiveObjectCache(kube, logger);
  const drift = new DriftWatcher(live, refreshIfLeading, logger);
  const watches = new ClusterWatches(drift, refreshIfLeading, logger);
  const engine = new Engine(kube, { live, liveFor: watches.liveFor });
  watches.attach(engine);
  const groups: AppGroup[] = process.env.SLUICE_WATCH_ARGOCD === 'true' ? ['sluice.dev', 'argoproj.io'] : ['sluice.dev'];
  const workflowOptions = {
    refreshIntervalMs: parseDuration(process.env.SLUICE_REFRESH_INTERVAL ?? '') ?? undefined,
    jitterMs: parseDuration(process.env.SLUICE_REFRESH_JITTER ?? '') ?? undefined,
  };

  const taskQueue = process.env.SLUICE_TASK_QUEUE ?? TASK_QUEUE;
  const tuning = workerTuning(process.env);
  // Read by the (patched) SDK in the workflow thread, which takes its copy of the environment when it starts.
  process.env.SLUICE_WORKFLOW_STACK_TRACES = workflowStackTraces(process.env) ? '1' : '0';
  // One codec for the client and the worker; the Worker runs it on the main thread, outside the workflow sandbox.
  const keys = payloadKeysFromEnv();
  const codec = keys ? new EncryptionCodec(keys) : undefined;
  const dataConverter = payloadDataConverter(keys, codec);
  const codecServer = codec && codecServerOptions(codec, process.env, kube);
  if (!codec && (process.env.SLUICE_CODEC_AUTH || process.env.SLUICE_CODEC_AUTH_TOKEN)) logger.warn('the codec endpoint is off: no SLUICE_PAYLOAD_KEYS or SLUICE_PAYLOAD_KEYS_FILE');
  // `sluice version` reads the version back off the task queue's pollers.
  const identity = workerIdentity(SLUICE_VERSION, process.pid, os.hostname());
  const connection = await Connection.connect({ address, tls: temporal.tls, apiKey: temporal.apiKey });
  await ensureSearchAttributes(connection, { address, namespace }, logger);
  const client = new Client({ connection, namespace, dataConverter, identity });
  const worker = await Worker.create({
    identity,
    connection: await NativeConnection.connect({ address, tls: temporal.tls, apiKey: temporal.apiKey }),
    namespace,
    dataConverter,
    taskQueue,
    ...tuning,
    ...workflowSource(logger),
    activities: createActivities(engine, () => client),
  });
  const tracked = new Map<string, TrackedApp>();
  const refresh = async (app: AppRef) => {
    await client.workflow.getHandle(applicationWorkflowId(app)).signal(refreshSignal);
  };
  // AppProjects are read from the watch cache; a project that changes refreshes its apps at once, so a
  // tightened project stops them and a loosened one lets them go without waiting for the next poll.
  for (const group of groups) live.watch({ apiVersion: `${group}/${APPLICATION_VERSION}`, kind: 'AppProject', namespace: engine.controlNamespace, labelKey: '' });
  live.subscribe((scope, _type, project) => {
    if (scope.kind !== 'AppProject') return;
    for (const t of tracked.values()) {
      if (`${t.app.group}/${APPLICATION_VERSION}` === scope.apiVersion && (t.project || DEFAULT_PROJECT) === project.metadata.name) void refreshIfLeading(t.app).catch(() => undefined);
    }
  });

  const sets = new Map<string, { set: SetRef } & SetReads>();
  const setController = new ApplicationSetController({
    kubeConfig: engine.client.kubeConfig, client, groups, logger, taskQueue, labelSelector: process.env.SLUICE_APP_SELECTOR, leadership,
    workflowOptions: { intervalMs: workflowOptions.refreshIntervalMs },
    onSet: (set, reads, deleted) => {
      const key = applicationSetWorkflowId(set);
      if (deleted) sets.delete(key);
      else sets.set(key, { set, ...reads });
    },
  });
  // A cluster Secret added, edited or deleted regenerates every set with a clusters generator, at once.
  const clusterSecrets = new ClusterSecretWatch(live, engine.controlNamespace, () => {
    for (const { set, clusters } of sets.values()) if (clusters) void setController.refreshIfLeading(set);
    // Apps on a cluster whose Secret changed move to watches made with its new client now.
    watches.retrack().catch((err: unknown) => logger.warn({ err: String(err) }, 'could not move apps to their clusters\' new watches'));
  }, logger);
  // A set shows its Applications' sync and health: it is told when they change.
  const ownedState = new Map<string, string>();
  const controller = new ApplicationController({
    kubeConfig: engine.client.kubeConfig, client, groups, logger, workflowOptions, taskQueue, labelSelector: process.env.SLUICE_APP_SELECTOR, leadership,
    onApplication: (app, seen, deleted) => {
      const key = applicationWorkflowId(app);
      if (seen.ownerSet && (deleted || ownedState.get(key) !== seen.state)) void setController.refreshIfLeading({ namespace: app.namespace, name: seen.ownerSet });
      if (deleted || !seen.ownerSet) ownedState.delete(key);
      else ownedState.set(key, seen.state ?? '');
      if (deleted) {
        watches.untrack(app);
        tracked.delete(key);
      } else {
        void watches.track(app, seen.kinds, seen.destination);
        tracked.set(key, { app, project: seen.project, repoURL: seen.repoURL, targetRevision: seen.targetRevision });
      }
    },
  });
  // SyncApprovals carry their Application's labels, so a label-scoped worker sees its own apps' decisions only.
  const approvals = new ApprovalController({ kubeConfig: engine.client.kubeConfig, kube: engine.client, client, groups, logger, labelSelector: process.env.SLUICE_APP_SELECTOR, leadership });
  let controllersStarted = false;
  const http = await startHttpServer({
    port: Number(process.env.SLUICE_HTTP_PORT ?? 8080), host: process.env.SLUICE_HTTP_HOST ?? '127.0.0.1',
    webhookSecret: process.env.SLUICE_WEBHOOK_SECRET, apps: () => tracked.values(), refresh,
    sets: () => sets.values(), refreshSet: (set) => setController.refresh(set), invalidate: (repoURL) => engine.repos.invalidate(repoURL), logger,
    metrics: registry, onWebhook: (provider, result) => metrics.webhookRequests.inc({ provider, result }),
    codec: codecServer,
    // Ready (the Deployment's readiness probe) once it polls Temporal and its controllers watch; not while it stops.
    readiness: () => readiness({ 'temporal worker': () => worker.getState() === 'RUNNING', controllers: () => controllersStarted }),
  });
  await controller.start();
  await setController.start();
  await approvals.start();
  controllersStarted = true;
  logger.info({ version: SLUICE_VERSION, identity, temporal: describeTemporal(temporal), namespace, taskQueue, groups, tuning, leaderElection: elector ? { lease: `${election.namespace}/${election.name}`, identity: election.identity, leading: elector.leading } : false, payloadEncryption: codec ? { currentKey: codec.currentKeyId, keys: keys!.length, codecEndpoint: !!codecServer } : false }, 'sluice worker started');

  const shutdown = () => {
    controller.stop();
    setController.stop();
    approvals.stop();
    // Handed back, so another replica leads at once rather than after the lease lapses.
    void elector?.stop();
    clusterSecrets.stop();
    watches.stop();
    drift.stop();
    live.stop();
    http.close();
    worker.shutdown();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await worker.run();
  logger.info('sluice worker stopped');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof StartupError ? `error: ${error.message}` : error);
    process.exit(1);
  });
}
