// The activities the worker registers, bound to an engine (kube client, repo and render caches).
// Each takes one input object; failures that are the app's own mistake are made non-retryable.
import { reconcileApplicationSet, SetRef } from './appset';
import { promotionActivities } from './promotion';
import { Context } from '@temporalio/activity';
import { AppRef, finalizerPropagation } from '../domain/operation/types';
import { KubeObject } from '../domain/resource/types';
import { parseSyncOptions } from '../domain/application/sync-options';
import { deletedWithApp } from '../domain/plan/deletion';
import { patchStatus, readApplication, removeFinalizers } from './application-resource';
import { KubeApiError } from './cluster/kube-client';
import { describeForbidden, parseForbidden } from '../domain/operation/forbidden';
import { pruneObjects } from './cluster/prune';
import { Engine } from './engine';
import { activityLog } from './log';
import { actingEngine, admitApplication, ProjectViolationError, prunable, syncEngine } from './project';
import { OperationEnd, recordOperation, recordOperationEnd, OperationRecord } from './operation-status';
import { temporalActivities } from './temporal';
import type { Client } from '@temporalio/client';
import { refreshApplication } from './refresh';
import { specToRender } from './helm-values';
import { deliverNotification, notificationTargets, NotificationTarget } from './notify';
import { NotificationEvent } from '../domain/notifications';
import { asActivityFailure, awaitStepHealthy, cleanupHooks, HealthWaitInput, dryRunSync, prepareSync, runSyncStep, separationOfDuties, SyncContext, SyncPreview } from './sync';
import { publishSyncDiff } from './sync-diff';
import { KindRef } from '../domain/operation/types';
import { SyncTask } from '../domain/plan/plan';

/** Heartbeats when run as an activity; engine-level tests call activities directly, outside one. */
function heartbeat(): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return;
  }
  context.heartbeat();
}

async function waitDeleted(engine: Engine, objects: KubeObject[], timeoutMs = 5 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const obj of objects) {
    while (await engine.client.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!)) {
      if (Date.now() > deadline) throw new Error(`${obj.kind}/${obj.metadata.name}: still being deleted after ${timeoutMs / 1000}s`);
      heartbeat();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * The finalizer's prune, with a refusal by the API server (the project's ServiceAccount may not delete an object)
 * reported as Argo CD reports it: a DeletionError condition naming who, the verb and the object; the finalizer
 * stays and the deletion is tried again (a retryable failure, backing off to once a minute) until someone grants it.
 */
async function pruneRefusalReported<T>(engine: Engine, app: AppRef, prune: () => Promise<T>): Promise<T> {
  try {
    return await prune();
  } catch (error) {
    if (!(error instanceof KubeApiError && (error.code === 403 || error.code === 401))) throw error;
    const refused = parseForbidden(error.message);
    const message = `Application ${app.namespace}/${app.name}: deleting its resources is forbidden: ${refused ? describeForbidden(refused) : error.message}; the finalizer stays, and the deletion is tried again until that is granted`;
    await patchStatus(engine.client, app, { conditions: [{ type: 'DeletionError', message, lastTransitionTime: new Date().toISOString() }] });
    activityLog({ app }).warn({ problem: error.message }, 'deleting the app\'s resources: forbidden');
    throw new Error(message);
  }
}

function guarded<I, O>(fn: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input) => {
    try {
      return await fn(input);
    } catch (error) {
      throw asActivityFailure(error);
    }
  };
}

/**
 * Kinds looked for, besides the app's managed kinds, when deleting an app: hooks are nearly always Jobs or Pods,
 * and a hook left by a sync (BeforeHookCreation keeps the last one; a cancelled sync may leave a running one) is
 * the app's too, as Argo CD's cascading delete removes it.
 */
const HOOK_KINDS: KindRef[] = [{ apiVersion: 'batch/v1', kind: 'Job' }, { apiVersion: 'v1', kind: 'Pod' }];

/** `temporal` is the worker's own client, for the activities that act on sync workflows. */
export function createActivities(engine: Engine, temporal: () => Client = () => {
  throw new Error('this worker has no Temporal client for its activities');
}) {
  // Each step acts on the destination as the app's project says: the worker itself, or the project's account.
  const target = (ctx: SyncContext) => syncEngine(engine, ctx.app, ctx.spec);
  // The sync's spec comes from history without its Helm values: each step reads them from the CR (they must match).
  const hydrated = <C extends SyncContext>(ctx: C) => specToRender(engine.client, ctx);
  const withCtx = async <I extends { ctx: SyncContext }>(input: I): Promise<I> => ({ ...input, ctx: await hydrated(input.ctx) });
  return {
    ...temporalActivities(temporal),
    reconcileApplicationSet: guarded((ref: SetRef) => reconcileApplicationSet(engine, ref)),
    ...promotionActivities(engine, temporal),
    refreshApplication: guarded((input: { app: AppRef; revisions?: string[]; syncError?: string }) => refreshApplication(engine, input.app, input.revisions, input.syncError)),
    // A sync acts on its app's destination cluster (activities/cluster/cluster-clients.ts); CR writes stay here.
    // With publishDiff (a sync that will wait for approval), the diff goes to a SyncDiff on the control cluster.
    prepareSync: guarded(async (carried: SyncContext & { dryRun?: boolean; publishDiff?: boolean }) => {
      const ctx = await hydrated(carried);
      const publish = carried.publishDiff ? (preview: SyncPreview) => publishSyncDiff(engine, ctx, preview) : undefined;
      const [prepared, authors] = await Promise.all([prepareSync(await target(ctx), ctx, publish), separationOfDuties(engine, ctx)]);
      return authors ? { ...prepared, authors } : prepared;
    }),
    dryRunSync: guarded(async (carried: SyncContext) => {
      const ctx = await hydrated(carried);
      return dryRunSync(await target(ctx), ctx);
    }),
    runSyncStep: guarded(async (carried: { ctx: SyncContext; tasks: SyncTask[]; first: boolean }) => {
      const input = await withCtx(carried);
      return runSyncStep(await target(input.ctx), input);
    }),
    awaitStepHealthy: guarded((carried: HealthWaitInput) => awaitStepHealthy(carried, async (c) => {
      const input = await withCtx(c);
      return { engine: await target(input.ctx), input };
    })),
    cleanupHooks: guarded(async (carried: { ctx: SyncContext; tasks: SyncTask[]; outcome: 'Succeeded' | 'Failed' }) => {
      const input = await withCtx(carried);
      return cleanupHooks(await target(input.ctx), input);
    }),
    recordOperation: guarded((record: OperationRecord) => recordOperation(engine, record)),
    recordOperationEnd: guarded((end: OperationEnd) => recordOperationEnd(engine, end)),
    notificationTargets: (input: { app: AppRef; event: NotificationEvent }) => notificationTargets(engine, input),
    deliverNotification: (input: { event: NotificationEvent; target: NotificationTarget }) => deliverNotification(engine, input),
    /** On deletion with a resources finalizer: prune everything the app tracks, then release the CR. */
    finalizeApplication: guarded(async (input: { app: AppRef; managedKinds: KindRef[]; prune: boolean; finalizers: string[] }) => {
      if (input.prune) {
        // Delete=false (the app's or the object's), Helm's resource-policy keep and CRDs stay, as in Argo CD.
        // Only what the project permits is deleted, as the project's account when it names one. An app whose
        // project is gone or no longer admits it deletes nothing: it is released, and its objects stay.
        const spec = (await readApplication(engine.client, input.app))?.spec;
        const appOptions = parseSyncOptions(spec?.syncPolicy?.syncOptions);
        const grant = spec ? await admitApplication(engine, input.app, spec).catch((error: unknown) => {
          if (!(error instanceof ProjectViolationError)) throw error;
          activityLog({ app: input.app }).warn({ problem: error.message }, 'deleting nothing: the project does not admit the app');
          return undefined;
        }) : undefined;
        const destination = spec && grant ? actingEngine(await engine.forDestination(spec.destination), grant) : undefined;
        const doomed = spec && grant && destination ? prunable(grant, spec, await destination.owned(input.app, [...input.managedKinds, ...HOOK_KINDS])).filter((obj) => deletedWithApp(obj, appOptions)) : [];
        if (destination) {
          await pruneRefusalReported(engine, input.app, () => pruneObjects(destination.client, doomed, finalizerPropagation(input.finalizers)));
          // As Argo CD does, the finalizer stays until the objects are really gone.
          await waitDeleted(destination, doomed);
        }
      }
      await removeFinalizers(engine.client, input.app, input.finalizers);
    }),
  };
}

export type SluiceActivities = ReturnType<typeof createActivities>;
