// The activities the worker registers, bound to an engine (kube client, repo and render caches).
// Each takes one input object; failures that are the app's own mistake are made non-retryable.
import { AppRef } from '../domain/operation/types';
import { removeFinalizers } from './application-resource';
import { pruneObjects } from './cluster/prune';
import { Engine } from './engine';
import { recordOperation, OperationRecord } from './operation-status';
import { refreshApplication } from './refresh';
import { asActivityFailure, awaitStepHealthy, cleanupHooks, dryRunSync, prepareSync, runSyncStep, SyncContext } from './sync';
import { KindRef } from '../domain/operation/types';
import { SyncTask } from '../domain/plan/plan';


function guarded<I, O>(fn: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return async (input) => {
    try {
      return await fn(input);
    } catch (error) {
      throw asActivityFailure(error);
    }
  };
}

export function createActivities(engine: Engine) {
  return {
    refreshApplication: guarded((input: { app: AppRef }) => refreshApplication(engine, input.app)),
    prepareSync: guarded((ctx: SyncContext) => prepareSync(engine, ctx)),
    dryRunSync: guarded((ctx: SyncContext) => dryRunSync(engine, ctx)),
    runSyncStep: guarded((input: { ctx: SyncContext; tasks: SyncTask[]; first: boolean }) => runSyncStep(engine, input)),
    awaitStepHealthy: guarded((input: { ctx: SyncContext; tasks: SyncTask[] }) => awaitStepHealthy(engine, input)),
    cleanupHooks: guarded((input: { ctx: SyncContext; tasks: SyncTask[]; outcome: 'Succeeded' | 'Failed' }) => cleanupHooks(engine, input)),
    recordOperation: guarded((record: OperationRecord) => recordOperation(engine, record)),
    /** On deletion with a resources finalizer: prune everything the app tracks, then release the CR. */
    finalizeApplication: guarded(async (input: { app: AppRef; managedKinds: KindRef[]; prune: boolean; finalizers: string[] }) => {
      if (input.prune) await pruneObjects(engine.client, await engine.orphans(input.app, [], input.managedKinds), 'foreground');
      await removeFinalizers(engine.client, input.app, input.finalizers);
    }),
  };
}

export type SluiceActivities = ReturnType<typeof createActivities>;
