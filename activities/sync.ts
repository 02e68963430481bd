// The sync's activities. Each takes one input object and returns a small result; manifests are read from
// the render cache (re-rendered on a miss), never passed through workflow history.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { parseSyncOptions, SyncOptions } from '../domain/application/sync-options';
import { InputError } from '../domain/errors';
import { HelmValuesChangedError } from '../domain/application/helm-values';
import { healthOf } from '../domain/health';
import { keyOf, keyString, subjectOf } from '../domain/resource/identity';
import { KubeObject } from '../domain/resource/types';
import { CommitIdentity, CommitSummary, PreparedSync, SyncRequest, SyncSummary, TaskProgress } from '../domain/operation/types';
import { commitIdentities } from '../domain/operation/approval';
import { APPLICATION_VERSION } from '../domain/application/types';
import { isManagedResource, nameHooks, planSync, summarisePlan, SyncPlan, SyncTask } from '../domain/plan/plan';
import { summariseSteps } from '../domain/plan/steps-summary';
import { ResourceDiff } from '../domain/diff/compare';
import { resourceSyncOptions } from '../domain/plan/annotations';
import { otherOwner, sharedResourceError, SharedResourceError } from '../domain/plan/shared-resource';
import { applyIsNoop } from '../domain/plan/unchanged';
import { applyObjects, ApplyRejectedError, Change, destinationNamespaceObject, dryRunAll } from './cluster/apply';
import { DiffResult, diffResources, knownInSync, splitByDiff } from './cluster/diff';
import { mapLimit } from './cluster/concurrency';
import { isApiOutage, KubeApiError } from './cluster/kube-client';
import { pruneObjects } from './cluster/prune';
import { Engine } from './engine';
import { activityLog } from './log';
import { deadlineMessage, expired, resourceDeadlines } from '../domain/plan/step-deadline';
import { admitApplication, admitObjects, ProjectViolationError, prunable } from './project';
import { PERMISSION_DENIED } from '../domain/operation/forbidden';

/** Marks a hook with the operation that created it, so a retried step never re-creates it. */
export const OPERATION_ANNOTATION = 'sluice.dev/operation-id';

export type SyncContext = Pick<SyncRequest, 'app' | 'spec' | 'revision' | 'operationId' | 'prune' | 'managedKinds' | 'resources'>;

/** Turns engine errors into Temporal failures: the app's own mistakes are not retried. */
export function asActivityFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof HelmValuesChangedError) return ApplicationFailure.create({ message: error.message, type: 'HelmValuesChanged', nonRetryable: true, details: [{ field: error.field }] });
  if (error instanceof SharedResourceError) return ApplicationFailure.nonRetryable(error.message, 'SharedResource');
  if (error instanceof ProjectViolationError) return ApplicationFailure.create({ message: error.message, type: 'ProjectViolation', nonRetryable: true, details: [{ field: error.field }] });
  // The API server refused the identity the sync acts as (the worker, or the project's ServiceAccount).
  if ((error instanceof KubeApiError || error instanceof ApplyRejectedError) && (error.code === 403 || error.code === 401)) return ApplicationFailure.nonRetryable(`permission denied: ${error.message}`, PERMISSION_DENIED);
  if (error instanceof InputError) {
    const type = error instanceof ApplyRejectedError ? 'InvalidManifest' : 'InvalidSource';
    return ApplicationFailure.create({ message: error.message, type, nonRetryable: true, details: [{ file: error.file, field: error.field }] });
  }
  return error;
}

function matchesSubset(obj: KubeObject, subset: string[] | undefined): boolean {
  if (!subset?.length) return true;
  const key = keyOf(obj);
  return subset.some((s) => s === subjectOf(key) || s === `${key.kind}/${key.name}`);
}

interface SyncObjects {
  objects: KubeObject[];
  orphans: KubeObject[];
  byKey: Map<string, KubeObject>;
  digest: string;
}

/**
 * The sync's objects at its revision. Every step loads them this way, so every step checks them against the
 * app's project as it stands now: a refused object fails the step before anything of it is applied, and a
 * prune never deletes what the project no longer permits.
 */
async function loadObjects(engine: Engine, ctx: SyncContext, { orphans: withOrphans = true } = {}): Promise<SyncObjects> {
  const grant = await admitApplication(engine, ctx.app, ctx.spec);
  const state = await engine.desired(ctx.app, ctx.spec, { sha: ctx.revision, ref: 'sha' });
  admitObjects(grant, ctx.spec, state.objects);
  const named = nameHooks(state.objects, ctx.operationId).map((o) =>
    isManagedResource(o) ? o : { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [OPERATION_ANNOTATION]: ctx.operationId } } },
  );
  const objects = named.filter((o) => matchesSubset(o, ctx.resources));
  // The health wait reads no orphans (it waits for no prune), and spares the list requests they cost.
  const orphans = withOrphans ? prunable(grant, ctx.spec, await engine.orphans(ctx.app, named.filter(isManagedResource), ctx.managedKinds)).filter((o) => matchesSubset(o, ctx.resources)) : [];
  const byKey = new Map([...objects, ...orphans].map((o) => [keyString(keyOf(o)), o]));
  return { objects, orphans, byKey, digest: state.digest };
}

/**
 * FailOnSharedResource: refuses, before anything is applied, when another app tracks an object this sync
 * would apply. The tracking name is the one prepareManifests stamps (the app's name).
 */
async function refuseSharedResources(engine: Engine, ctx: SyncContext, objects: KubeObject[]): Promise<void> {
  const shared = await mapLimit(objects.filter(isManagedResource), 8, async (obj) => {
    const owner = otherOwner(await engine.client.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!), ctx.app);
    return owner ? { subject: subjectOf(keyOf(obj)), owner } : undefined;
  });
  const error = sharedResourceError(ctx.app, shared.filter((s): s is { subject: string; owner: string } => !!s));
  if (error) throw error;
}

/**
 * The objects whose apply would change nothing (domain/plan/unchanged.ts), by key: a server-side dry-run of the
 * same desired object against the same live version found them in sync. They are neither dry-run nor applied,
 * and their health is read from the watch cache, so a re-sync with nothing changed costs almost no requests.
 */
async function noopApplies(engine: Engine, ctx: SyncContext, objects: KubeObject[], options: SyncOptions): Promise<Set<string>> {
  const managed = objects.filter(isManagedResource);
  const known = await knownInSync(engine.live, engine.diffMemo, managed, ctx.spec.ignoreDifferences);
  return new Set(managed.map((o) => keyString(keyOf(o))).filter((key, i) => applyIsNoop(managed[i], resourceSyncOptions(managed[i], options), ctx.spec.ignoreDifferences, known.has(key))));
}

/** sha256 over the redacted per-resource diffs, in order: it names exactly what an approver was shown. */
export function diffDigest(resources: ReadonlyArray<Pick<ResourceDiff, 'subject' | 'diff'> & { status: string }>): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(resources.map((r) => [r.subject, r.status, r.diff]))).digest('hex')}`;
}

/** What a sync at a revision would do, as an approver is shown it. Holds redacted diffs: never into history. */
export interface SyncPreview {
  plan: SyncPlan;
  /** Per resource, the redacted unified diff (Secrets masked); orphans only when the sync prunes. */
  diff: DiffResult;
  diffDigest: string;
  summary: SyncSummary;
  /** The sync's objects (the render's digest, and what it applies), for planning only. */
  objects: KubeObject[];
  digest: string;
}

const COMMIT_MESSAGE_LIMIT = 2000;

/** The commit being deployed, as the approver reads it. */
async function commitSummary(engine: Engine, ctx: SyncContext): Promise<CommitSummary | undefined> {
  const [commit] = await engine.commitAuthors(ctx.spec, ctx.revision, undefined);
  if (!commit) return undefined;
  const message = commit.message.trimEnd();
  return {
    sha: commit.commit, author: `${commit.name} <${commit.email}>`, date: new Date(commit.timestamp * 1000).toISOString(),
    message: message.length > COMMIT_MESSAGE_LIMIT ? `${message.slice(0, COMMIT_MESSAGE_LIMIT)}…` : message,
  };
}

/**
 * The plan, the redacted diff and its digest of a sync at `ctx.revision`. The sync plans with it and `sluice app
 * approve|diff` shows it: one computation, so the diff a person is shown is the one the digest names.
 */
export async function previewSync(engine: Engine, ctx: SyncContext): Promise<SyncPreview> {
  const { objects, orphans, digest } = await loadObjects(engine, ctx);
  const options = parseSyncOptions(ctx.spec.syncPolicy?.syncOptions);
  const plan = planSync({ desired: objects, orphans, prune: ctx.prune, options, operationId: ctx.operationId });
  // Read as a refresh reads: live objects from the watch cache, and comparisons that still stand from the memo.
  const diff = await diffResources(engine.client, objects.filter(isManagedResource), ctx.prune ? orphans : [], ctx.spec.ignoreDifferences, { live: engine.live, memo: engine.diffMemo });
  const commit = await commitSummary(engine, ctx);
  const summary: SyncSummary = {
    ...summarisePlan(plan), outOfSync: diff.resources.filter((r) => r.status === 'OutOfSync').length, plan: summariseSteps(plan), ...(commit ? { commit } : {}),
  };
  return { plan, diff, diffDigest: diffDigest(diff.resources), summary, objects, digest };
}

/**
 * Plans the sync: the objects at the revision, the orphans, the steps and the diff an approver would see (handed
 * to `publish`, when given, before anything else is decided). With
 * `dryRun` (a sync with no approval to wait for), also dry-runs what it would apply, from the same objects: a
 * rejection is returned, not thrown, so the sync still fails the way a failed dry-run does (SyncFail hooks run).
 */
export async function prepareSync(engine: Engine, ctx: SyncContext & { dryRun?: boolean }, publish?: (preview: SyncPreview) => Promise<void>): Promise<PreparedSync> {
  const preview = await previewSync(engine, ctx);
  const { plan, diffDigest, summary, objects, digest } = preview;
  // A sync that will wait for approval publishes the diff its digest names (activities/sync-diff.ts).
  if (publish) await publish(preview);
  const options = parseSyncOptions(ctx.spec.syncPolicy?.syncOptions);
  if (options.failOnSharedResource) await refuseSharedResources(engine, ctx, objects);
  syncLog(ctx).info({ apply: summary.apply, prune: summary.prune, hook: summary.hook, steps: summary.steps, outOfSync: summary.outOfSync }, 'sync planned');
  const prepared: PreparedSync = { revision: ctx.revision, digest, diffDigest, plan, summary };
  if (!ctx.dryRun) return prepared;
  try {
    await dryRunObjects(engine, ctx, objects, options);
    return { ...prepared, dryRun: { passed: true } };
  } catch (error) {
    // What a separate dry-run would have failed the sync with; a passing fault is still retried.
    const failure = asActivityFailure(error);
    if (!(failure instanceof ApplicationFailure) || !failure.nonRetryable) throw error;
    return { ...prepared, dryRun: { passed: false, message: failure.message, ...(failure.type ? { failure: failure.type } : {}) } };
  }
}

/**
 * With spec.syncPolicy.approval.separationOfDuties: the authors of the commits this sync deploys, from the
 * revision last deployed (the app's newest history entry) to the pending one; just the pending commit when the
 * app has deployed nothing yet. `engine` is the control cluster's (the Application is there), acting as the worker.
 */
export async function separationOfDuties(engine: Engine, ctx: SyncContext): Promise<CommitIdentity[] | undefined> {
  const policy = ctx.spec.syncPolicy?.approval;
  if (!policy?.separationOfDuties) return undefined;
  const app = (await engine.client.get(`${ctx.app.group}/${APPLICATION_VERSION}`, 'Application', ctx.app.namespace, ctx.app.name)) as { status?: { history?: Array<{ revision?: string }> } } | undefined;
  const deployed = app?.status?.history?.at(-1)?.revision;
  return commitIdentities(await engine.commitAuthors(ctx.spec, ctx.revision, deployed === ctx.revision ? undefined : deployed), policy);
}

/** Dry-runs everything the sync would apply; one rejected object fails the sync before anything is applied. */
export async function dryRunSync(engine: Engine, ctx: SyncContext): Promise<void> {
  const { objects } = await loadObjects(engine, ctx);
  const options = parseSyncOptions(ctx.spec.syncPolicy?.syncOptions);
  // Checked again just before applying: an approval may have waited long enough for another app to take an object.
  if (options.failOnSharedResource) await refuseSharedResources(engine, ctx, objects);
  await dryRunObjects(engine, ctx, objects, options);
}

async function dryRunObjects(engine: Engine, ctx: SyncContext, objects: KubeObject[], options: SyncOptions): Promise<void> {
  const namespace = options.createNamespace ? destinationNamespaceObject(objects, ctx.spec.destination.namespace ?? '') : undefined;
  const noop = await noopApplies(engine, ctx, objects, options);
  const changing = objects.filter((o) => !noop.has(keyString(keyOf(o))));
  await dryRunAll(engine.client, namespace ? [namespace, ...changing] : changing, options);
  syncLog(ctx).info({ objects: changing.length, unchanged: noop.size }, 'dry-run passed');
}

async function waitGone(engine: Engine, obj: KubeObject, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await engine.client.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!)) {
    if (Date.now() > deadline) throw new Error(`${subjectOf(keyOf(obj))}: still being deleted after ${timeoutMs / 1000}s`);
    Context.current().heartbeat();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** BeforeHookCreation: a hook left by an earlier operation is deleted first; one from this operation is kept. */
async function replaceOldHooks(engine: Engine, hooks: Array<{ task: SyncTask; obj: KubeObject }>, operationId: string): Promise<void> {
  for (const { task, obj } of hooks) {
    if (!(task.deletePolicies ?? []).includes('BeforeHookCreation')) continue;
    const live = await engine.client.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
    if (!live || live.metadata.annotations?.[OPERATION_ANNOTATION] === operationId) continue;
    await engine.client.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!, 'Background');
    await waitGone(engine, obj);
  }
}

export async function runSyncStep(engine: Engine, input: { ctx: SyncContext; tasks: SyncTask[]; first: boolean }): Promise<Change[]> {
  const { ctx, tasks } = input;
  const loaded = await loadObjects(engine, ctx);
  const options = parseSyncOptions(ctx.spec.syncPolicy?.syncOptions);
  const pick = (action: SyncTask['action']) => tasks.filter((t) => t.action === action).map((task) => ({ task, obj: loaded.byKey.get(keyString(task.key))! })).filter((x) => x.obj);
  const changes: Change[] = [];
  if (input.first && options.createNamespace) {
    const namespace = destinationNamespaceObject(loaded.objects, ctx.spec.destination.namespace ?? '');
    if (namespace) changes.push(...(await applyObjects(engine.client, [namespace], options)));
  }
  changes.push(...(await pruneObjects(engine.client, pick('prune').map((x) => x.obj), options.prunePropagationPolicy)));
  const hooks = pick('hook');
  await replaceOldHooks(engine, hooks, ctx.operationId);
  let applies = pick('apply').map((x) => x.obj);
  const noop = await noopApplies(engine, ctx, applies, options);
  changes.push(...(await mapLimit(applies.filter((o) => noop.has(keyString(keyOf(o)))), 16, async (o) => ({
    subject: subjectOf(keyOf(o)), action: 'unchanged' as const, message: 'unchanged (a server-side dry-run against this live version found nothing to apply)',
    healthy: healthOf(await engine.live.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name!)).status === 'Healthy',
  }))));
  applies = applies.filter((o) => !noop.has(keyString(keyOf(o))));
  if (options.applyOutOfSyncOnly) {
    const { outOfSync, inSync } = await splitByDiff(engine.client, applies, ctx.spec.ignoreDifferences);
    changes.push(...inSync.map((o) => ({ subject: subjectOf(keyOf(o)), action: 'skipped' as const, message: 'already in sync (ApplyOutOfSyncOnly)' })));
    applies = outOfSync;
  }
  changes.push(...(await applyObjects(engine.client, [...applies, ...hooks.map((x) => x.obj)], options, { ignoreDifferences: ctx.spec.ignoreDifferences })));
  const log = syncLog(ctx, tasks);
  for (const change of changes) log.debug({ subject: change.subject, action: change.action }, change.message ?? change.action);
  log.info({ changes: countBy(changes.map((c) => c.action)) }, 'sync step applied');
  return changes;
}

export interface HealthWaitInput {
  ctx: SyncContext;
  tasks: SyncTask[];
  stepStartedAt?: string;
}

/**
 * Waits until every applied object and hook of a step is Healthy, reading health through the per-kind
 * rules (observedGeneration-aware). Degraded fails at once, naming the resource. Heartbeats while waiting.
 *
 * `connect` gives the engine that acts for the app and the input with its Helm values (activities/index.ts). It
 * and loading the objects read the API server too (the AppProject, the destination), before the first health
 * read: an outage there is waited out as one during a health read is, each resource Unknown with the reason on
 * the heartbeat, until the API server answers or the step's deadline passes (untilReachable).
 */
export async function awaitStepHealthy(carried: HealthWaitInput, connect: (carried: HealthWaitInput) => Promise<{ engine: Engine; input: HealthWaitInput }>): Promise<TaskProgress[]> {
  // Each resource waits until its deadline, counted from the step's start as the workflow recorded it (syncs
  // started before that was passed count from this attempt's start).
  const startedAt = carried.stepStartedAt ? Date.parse(carried.stepStartedAt) : Date.now();
  const { engine, input, watched, unchanged } = await untilReachable(carried, startedAt, async () => {
    const { engine, input } = await connect(carried);
    const loaded = await loadObjects(engine, input.ctx, { orphans: false });
    const watched = input.tasks.filter((t) => t.action !== 'prune').map((task) => ({ task, obj: loaded.byKey.get(keyString(task.key)) })).filter((x) => x.obj);
    // What the step left unchanged is read from the watch cache; what it applied, from the API server (the cache
    // may not have seen the write yet, and would show the old generation as Healthy).
    const unchanged = await noopApplies(engine, input.ctx, watched.map((w) => w.obj!), parseSyncOptions(input.ctx.spec.syncPolicy?.syncOptions));
    return { engine, input, watched, unchanged };
  });
  const deadlines = resourceDeadlines(startedAt, watched.map(({ task, obj }) => ({
    subject: task.subject, kind: task.key.kind, activeDeadlineSeconds: (obj as { spec?: { activeDeadlineSeconds?: number } }).spec?.activeDeadlineSeconds,
  })), input.ctx.spec.syncPolicy?.stepTimeout);
  const lastHealth = new Map<string, string>();
  // Once Healthy, a resource is not read again for this step: each poll reads only those still waiting, a few
  // at a time (a wave of hundreds of ConfigMaps is read once, not once per poll).
  let waiting = watched;
  const read = (obj: KubeObject) => (unchanged.has(keyString(keyOf(obj))) ? engine.live : engine.client).get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
  for (let delay = 200; ; delay = Math.min(delay * 1.5, 2000)) {
    const report = await mapLimit(waiting, 16, async ({ task, obj }) => ({ task, obj, health: await readHealth(() => read(obj!)) }));
    const degraded = report.find((r) => r.health.status === 'Degraded');
    if (degraded) {
      syncLog(input.ctx, input.tasks).warn({ subject: degraded.task.subject, health: degraded.health.message }, 'resource degraded');
      throw ApplicationFailure.nonRetryable(`${degraded.task.subject} is Degraded${degraded.health.message ? `: ${degraded.health.message}` : ''}`, 'ResourceDegraded', { subject: degraded.task.subject });
    }
    waiting = report.filter((r) => r.health.status !== 'Healthy');
    for (const r of report) lastHealth.set(r.task.subject, `${r.health.status}${r.health.message ? `: ${r.health.message}` : ''}`);
    const overdue = expired(deadlines, new Set(waiting.map((r) => r.task.subject)), Date.now());
    if (overdue.length > 0) {
      const message = deadlineMessage(overdue, (subject) => lastHealth.get(subject) ?? 'not read yet', input.tasks[0]?.phase ?? 'Sync');
      syncLog(input.ctx, input.tasks).warn({ subject: overdue[0].subject, waiting: waiting.length }, 'sync step deadline passed');
      throw ApplicationFailure.nonRetryable(message, 'StepDeadlineExceeded', { subject: overdue[0].subject });
    }
    // What each resource is waiting on, the first 20: Temporal shows it on the pending activity (`temporal workflow
    // describe`, the UI), which stays readable when the API server holding the Application's status is not.
    Context.current().heartbeat({ waiting: waiting.slice(0, 20).map((r) => ({ subject: r.task.subject, health: lastHealth.get(r.task.subject) })), waitingCount: waiting.length });
    if (waiting.length === 0) {
      syncLog(input.ctx, input.tasks).info({ resources: watched.length }, 'sync step healthy');
      return watched.map(({ task }) => ({ subject: task.subject, action: task.action, phase: task.phase, wave: task.wave, status: 'Healthy' }));
    }
    // Cancellable: a cancelled sync (terminated, or its app deleted) stops waiting at once instead of at its deadline.
    await Context.current().sleep(delay);
  }
}

/**
 * A resource's health, or Unknown while the API server cannot be reached or answers with a server-side error: an
 * outage is waited out within the step's deadline, heartbeating, instead of failing the sync (issue 14). What the
 * API server refuses (a 4xx other than 429) is not an outage, and fails the step.
 */
/**
 * Runs the health wait's setup until the API server answers it. While it cannot (isApiOutage), each resource the
 * step waits for shows Unknown with the reason on the heartbeat, as a failed health read does, and the setup is
 * tried again with back-off; past the step's deadline (spec.syncPolicy.stepTimeout, or the default: the objects,
 * and so a Job's activeDeadlineSeconds, are not loaded yet) the step fails as a health wait past it does.
 * Anything else (a project violation, a 403) fails this attempt at once.
 */
async function untilReachable<T>(carried: HealthWaitInput, startedAt: number, setup: () => Promise<T>): Promise<T> {
  const tasks = carried.tasks.filter((t) => t.action !== 'prune');
  const deadlines = resourceDeadlines(startedAt, tasks.map((t) => ({ subject: t.subject, kind: t.key.kind })), carried.ctx.spec.syncPolicy?.stepTimeout);
  for (let delay = 200; ; delay = Math.min(delay * 1.5, 2000)) {
    try {
      return await setup();
    } catch (error) {
      if (!isApiOutage(error)) throw error;
      const health = `Unknown: cannot read it: ${(error as Error).message}`;
      const overdue = expired(deadlines, new Set(tasks.map((t) => t.subject)), Date.now());
      if (overdue.length > 0) {
        syncLog(carried.ctx, carried.tasks).warn({ subject: overdue[0].subject, problem: (error as Error).message }, 'sync step deadline passed, the API server unreachable');
        throw ApplicationFailure.nonRetryable(deadlineMessage(overdue, () => health, carried.tasks[0]?.phase ?? 'Sync'), 'StepDeadlineExceeded', { subject: overdue[0].subject });
      }
      Context.current().heartbeat({ waiting: tasks.slice(0, 20).map((t) => ({ subject: t.subject, health })), waitingCount: tasks.length });
      await Context.current().sleep(delay);
    }
  }
}

async function readHealth(read: () => Promise<KubeObject | undefined>): Promise<ReturnType<typeof healthOf>> {
  try {
    return healthOf(await read());
  } catch (error) {
    if (error instanceof KubeApiError && error.code < 500 && error.code !== 429) throw error;
    return { status: 'Unknown', message: `cannot read it: ${(error as Error).message}` };
  }
}

/** Deletes hooks whose policy asks for it, now that the sync has ended with `outcome`. */
export async function cleanupHooks(engine: Engine, input: { ctx: SyncContext; tasks: SyncTask[]; outcome: 'Succeeded' | 'Failed' }): Promise<Change[]> {
  const policy = input.outcome === 'Succeeded' ? 'HookSucceeded' : 'HookFailed';
  const loaded = await loadObjects(engine, input.ctx);
  const doomed = input.tasks.filter((t) => t.action === 'hook' && (t.deletePolicies ?? []).includes(policy)).map((t) => loaded.byKey.get(keyString(t.key))).filter((o): o is KubeObject => !!o);
  const removed = await pruneObjects(engine.client, doomed, 'background');
  syncLog(input.ctx).info({ outcome: input.outcome, deleted: removed.length }, 'hooks cleaned up');
  return removed;
}

/** The sync's logger; for a step, phase and wave come from its tasks (a step is one phase and one wave). */
function syncLog(ctx: SyncContext, tasks: SyncTask[] = []) {
  return activityLog({ app: ctx.app, revision: ctx.revision, operationId: ctx.operationId, phase: tasks[0]?.phase, wave: tasks[0]?.wave });
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
