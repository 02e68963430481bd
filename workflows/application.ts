// One long-lived workflow per Application: the loop that feeds refreshes and finished syncs to the pure state
// machine in domain/operation/machine.ts and carries out what it decides. Manual sync, rollback and terminate
// are Updates whose validators refuse what cannot be served; an accepted sync or rollback is answered with the
// sync it started (or why it could not start). Syncs are started abandoned, so the app can continue as new
// while one runs (an approval may wait for days); the sync tells the app when it ends.
import {
  allHandlersFinished, ApplicationFailure, CancellationScope, condition, continueAsNew, defineQuery, defineSignal, defineUpdate, getExternalWorkflowHandle,
  isCancellation, log, ParentClosePolicy, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler, sleep, startChild, upsertSearchAttributes, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import { ApplicationSpec } from '../domain/application/types';
import {
  AppAction, AppEvent, CarriedState, initialState, LONG_RUN_EVENTS, next, nextWakeMs, Operation, refuseRollback, refuseSync, RequestView, RUN_EVENTS_BEFORE_CONTINUE, runIsLong,
} from '../domain/operation/machine';
import { AppRef, Initiator, RefreshResult, RESOURCE_FINALIZERS, syncMemo, SyncOutcome, TestFault } from '../domain/operation/types';
import { notifies } from '../domain/notifications';
import { syncErrorMessage } from '../domain/operation/forbidden';
import { carriedSyncSummary, finalizeSummary, operationEndSummary, refreshSummary, terminateSummary } from '../domain/summary/activities';
import { applicationCurrentDetails, refreshWaitSummary, syncWorkflowMetadata, terminateGraceSummary } from '../domain/summary/workflows';
import { changedAttributes, SA } from './search-attributes';
import { notify as deliver } from './notify';
import { supersedeSignal, syncFinishedSignal, syncWorkflow } from './sync';


const activities = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/**
 * The refresh runs as a local activity, on the worker that runs this workflow: no task-queue round trip, and a
 * refresh costs 6 history events instead of 11 (a marker instead of scheduled/started/completed plus a second
 * workflow task). It is idempotent, so a retry after a crash is harmless.
 */
const local = proxyLocalActivities<SluiceActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/** Finalizing waits for deletions to finish, heartbeating as it goes. */
const finalizing = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface ManualSync {
  revision?: string;
  prune?: boolean;
  resources?: string[];
  /** Ask for approval even when the spec does not require it. */
  requireApproval?: boolean;
  initiatedBy: string;
}

export interface ApplicationOptions {
  refreshIntervalMs?: number;
  jitterMs?: number;
  /** Off only on test servers with no custom search attributes registered. */
  searchAttributes?: boolean;
  /** Continue as new after this many refreshes even if Temporal has not suggested it yet. */
  continueAsNewAfter?: number;
  /** Benchmarks only: the events at which a run continues as new, in place of RUN_EVENTS_BEFORE_CONTINUE. */
  runEventsBeforeContinue?: number;
  /** Notifications on (default) or off. */
  notifications?: boolean;
  /** Tests only: a fault injected into the workflow code of every sync this app starts. */
  testFault?: TestFault;
}

export interface ApplicationInput {
  app: AppRef;
  state?: CarriedState;
  options?: ApplicationOptions;
}

export interface ApplicationStatus {
  app: AppRef;
  revision?: string;
  syncStatus: string;
  health: string;
  comparisonError?: string;
  invalid?: string;
  operation?: { operationId: string; workflowId: string; revision: string; attempt: number; initiatedBy: Initiator };
  state: CarriedState;
  refreshes: number;
  /** Why auto-sync is holding back, if it is. */
  autoSyncBlocked?: string;
}

/** The sync an accepted request started. */
export interface StartedOperation {
  operationId: string;
  workflowId: string;
  revision: string;
}

export const refreshSignal = defineSignal('refresh');
export const statusQuery = defineQuery<ApplicationStatus>('status');
export const syncUpdate = defineUpdate<StartedOperation, [ManualSync]>('sync');
export const rollbackUpdate = defineUpdate<StartedOperation, [{ id: number; initiatedBy: string }]>('rollback');
export const terminateUpdate = defineUpdate<{ terminated: string; escalated: boolean }, [{ initiatedBy: string }]>('terminateOperation');

const DEFAULT_REFRESH_MS = 180_000;
/** How long after a refresh the worker cancelled (an eviction) the app refreshes again. */
const REFRESH_RETRY_MS = 1_000;
const DEFAULT_JITTER_MS = 60_000;
/** How long a cancelled sync gets to end by itself before terminate-op terminates it. */
const TERMINATE_GRACE_MS = 30_000;
/** How long an accepted request waits for the app to get to it (a refresh in progress) before it is withdrawn. */
const REQUEST_WAIT_MS = 120_000;
/**
 * How long a request that finds a sync running waits for it to end before it is refused. The sync writes its end
 * to the CR before the app hears of it, so a client that asks again on reading that status must not be refused.
 */
const RUNNING_GRACE_MS = 10_000;
/** Every how many refreshes a sync carried over from an earlier run is looked up, in case it ended unheard. */
const CARRIED_SYNC_CHECK_EVERY = 20;

type Ending = Extract<AppEvent, { type: 'finished' }>;

export async function applicationWorkflow(input: ApplicationInput): Promise<string> {
  const { app } = input;
  const options = input.options ?? {};
  const notify: typeof deliver = async (target, event) => (options.notifications === false ? undefined : deliver(target, event));
  let state: CarriedState = input.state ?? initialState();
  let last: RefreshResult | undefined;
  let spec: ApplicationSpec | undefined;
  let refreshRequested = false;
  let refreshes = 0;
  let autoSyncBlocked: string | undefined;
  /** The app's project as of the last refresh (what a sync started now is tagged with). */
  let project = 'default';
  /** Accepted manual requests not yet served, and the answer each one gets. */
  const pending: Operation[] = [];
  const answers = new Map<string, StartedOperation | { refused: string }>();
  /** Syncs that have ended, waiting to be settled by the loop. */
  const endings: Ending[] = [];
  /** Syncs started by this run, whose results this run can await (a carried one reports by signal). */
  const startedHere = new Set<string>();

  const view = (): RequestView => ({ state, last, spec, queued: pending.length });
  const ended = (operationId: string, outcome: SyncOutcome, message: string, recorded: boolean, failure?: string) => {
    endings.push({ type: 'finished', operationId, outcome, message, recorded, now: Date.now(), ...(failure ? { failure } : {}) });
  };

  setHandler(refreshSignal, () => {
    refreshRequested = true;
  });
  setHandler(syncFinishedSignal, ({ operationId, outcome, message, failure }) => ended(operationId, outcome, message, true, failure));
  setHandler(statusQuery, () => ({
    app, revision: last?.revision, syncStatus: last?.syncStatus ?? 'Unknown', health: last?.health ?? 'Unknown',
    comparisonError: last?.comparisonError, invalid: last?.invalid, state, refreshes, autoSyncBlocked,
    operation: state.running ? { operationId: state.running.operation.id, workflowId: state.running.workflowId, revision: state.running.revision, attempt: state.running.operation.attempt, initiatedBy: state.running.operation.initiatedBy } : undefined,
  }));

  /** Queues a manual operation and answers with the sync it started, or fails with why it could not start. */
  const request = async (fields: Omit<Operation, 'id' | 'attempt'>): Promise<StartedOperation> => {
    state.operations += 1;
    const operation: Operation = { ...fields, id: `${state.operations}-${uuid4().slice(0, 8)}`, attempt: 1 };
    pending.push(operation);
    let served = await condition(() => answers.has(operation.id), REQUEST_WAIT_MS);
    if (!served && state.running?.operation.id === operation.id) served = await condition(() => answers.has(operation.id), REQUEST_WAIT_MS);
    const answer = answers.get(operation.id);
    answers.delete(operation.id);
    if (!answer) {
      pending.splice(pending.indexOf(operation), 1);
      throw ApplicationFailure.nonRetryable(`the app did not get to the request within ${REQUEST_WAIT_MS / 1000}s (is it refreshing a slow repository?); nothing was started`, 'RequestTimedOut');
    }
    if ('refused' in answer) throw ApplicationFailure.nonRetryable(answer.refused, 'SyncRefused');
    return answer;
  };
  const refuse = (reason: string | undefined) => {
    if (reason) throw new Error(reason);
  };
  /**
   * A request accepted while a sync runs waits (briefly) for that sync to end and be settled, then is decided
   * again in full: still running, it is refused as Argo CD refuses it; ended, it is served.
   */
  const afterRunning = async (reason: () => string | undefined) => {
    const running = state.running;
    if (running) {
      const id = running.operation.id;
      await condition(() => state.running?.operation.id !== id || endings.some((e) => e.operationId === id), RUNNING_GRACE_MS);
      if (endings.length) await settle(project);
    }
    const refused = reason();
    if (refused) throw ApplicationFailure.nonRetryable(refused, 'SyncRefused');
  };
  setHandler(syncUpdate, async (r) => {
    await afterRunning(() => refuseSync(view(), r));
    return request({ revision: r.revision, prune: !!r.prune, resources: r.resources, requireApproval: !!r.requireApproval, initiatedBy: { username: r.initiatedBy, automated: false } });
  }, {
    validator: (r) => refuse(refuseSync({ ...view(), exceptRunning: true }, r)),
  });
  setHandler(rollbackUpdate, async ({ id, initiatedBy }) => {
    await afterRunning(() => refuseRollback(view(), { id, initiatedBy }));
    const entry = state.history.find((h) => h.id === id)!;
    return request({ revision: entry.revision, prune: false, requireApproval: false, initiatedBy: { username: initiatedBy, automated: false } });
  }, {
    validator: (r) => refuse(refuseRollback({ ...view(), exceptRunning: true }, r)),
  });
  setHandler(terminateUpdate, async ({ initiatedBy }) => {
    const { workflowId, operation } = state.running!;
    const mark = (escalated: boolean) => {
      if (state.running?.operation.id === operation.id) state.running = { ...state.running, terminating: { by: initiatedBy, escalated } };
    };
    const over = () => state.running?.operation.id !== operation.id || endings.some((e) => e.operationId === operation.id);
    mark(false);
    // Cancel first, so the sync runs its SyncFail hooks and records its end; a sync that will not stop is terminated.
    await getExternalWorkflowHandle(workflowId).cancel().catch(() => undefined);
    if (await condition(over, TERMINATE_GRACE_MS, { summary: terminateGraceSummary(operation.id, TERMINATE_GRACE_MS) })) return { terminated: workflowId, escalated: false };
    mark(true);
    await activities.terminateSync.executeWithOptions({ summary: terminateSummary(operation.id, 'terminate-op') }, [{ workflowId, reason: `terminate-op by ${initiatedBy}: not stopped ${TERMINATE_GRACE_MS / 1000}s after cancel` }]);
    if (!over()) ended(operation.id, 'Terminated', 'terminated', false);
    return { terminated: workflowId, escalated: true };
  }, {
    validator: (r) => {
      if (!r?.initiatedBy) throw new Error('a terminate request must name who initiates it');
      if (!state.running) throw new Error('no operation is in progress');
      if (state.running.terminating) throw new Error(`the operation is already being terminated by ${state.running.terminating.by}`);
    },
  });

  /** The Temporal UI's "current details" of this run: the app's status and its sync, as of now. */
  const publishDetails = () => setCurrentDetails(applicationCurrentDetails(app, {
    revision: last?.revision, targetRevision: spec?.source?.targetRevision ?? spec?.sources?.[0]?.targetRevision, syncStatus: last?.syncStatus ?? 'Unknown', health: last?.health ?? 'Unknown',
    comparisonFailed: !!last?.comparisonError, invalid: !!last?.invalid, autoSyncBlocked: !!autoSyncBlocked, lastOutcome: state.lastOutcome,
    running: state.running && { operationId: state.running.operation.id, revision: state.running.revision, initiatedBy: state.running.operation.initiatedBy },
  }));

  const upsert = (result: RefreshResult) => {
    if (options.searchAttributes === false) return;
    const wanted: Record<string, string | undefined> = {
      [SA.application.name]: app.name, [SA.namespace.name]: app.namespace, [SA.project.name]: result.project ?? 'default', [SA.kind.name]: 'Application',
      [SA.syncStatus.name]: result.syncStatus, [SA.health.name]: result.health, [SA.revision.name]: result.revision,
    };
    const changed = changedAttributes(state.searchAttributes ?? {}, wanted);
    if (changed.pairs.length === 0) return;
    upsertSearchAttributes(changed.pairs);
    state.searchAttributes = changed.current;
  };

  const startSync = async (operation: Operation, revision: string, workflowId: string, project: string) => {
    const approvalRequired = operation.requireApproval || !!spec?.syncPolicy?.approval?.required;
    const handle = await startChild(syncWorkflow, {
      workflowId,
      // What the Temporal UI shows for this sync: the app, the revision and who asked.
      ...syncWorkflowMetadata({ app, spec: { ...spec!, project }, revision, initiatedBy: operation.initiatedBy, attempt: operation.attempt, operationId: operation.id, prune: operation.prune, approvalRequired, resources: operation.resources }),
      // Abandoned, so that the app can continue as new while a sync waits (for an approval, say); the sync
      // reports its end by signal, and a deleted app cancels it explicitly.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [{
        app, spec: spec!, revision, prune: operation.prune, resources: operation.resources, operationId: operation.id, initiatedBy: operation.initiatedBy,
        attempt: operation.attempt, managedKinds: state.managedKinds, approvalRequired,
        searchAttributes: options.searchAttributes, notifications: options.notifications, testFault: options.testFault,
      }],
      ...(options.searchAttributes === false ? {} : {
        typedSearchAttributes: [{ key: SA.application, value: app.name }, { key: SA.namespace, value: app.namespace }, { key: SA.kind, value: 'Sync' }, { key: SA.project, value: project }],
        // What `sluice app history` lists for every sync, read from the visibility store without a query.
        memo: { sluice: syncMemo(revision, operation.initiatedBy, operation.attempt) },
      }),
    });
    startedHere.add(operation.id);
    log.info('sync started', { app: app.name, namespace: app.namespace, revision, syncId: operation.id, attempt: operation.attempt, initiatedBy: operation.initiatedBy.username });
    handle.result().then(
      (r) => ended(operation.id, r.outcome, r.message, true, r.failure),
      (e: Error) => ended(operation.id, 'Failed', `the sync workflow failed: ${(e.cause as Error | undefined)?.message ?? e.message}`, false),
    );
  };

  const perform = async (actions: AppAction[], project: string) => {
    for (const action of actions) {
      switch (action.type) {
        case 'start': {
          const { operation, revision } = action;
          const workflowId = state.running!.workflowId;
          try {
            await startSync(operation, revision, workflowId, project);
            answers.set(operation.id, { operationId: operation.id, workflowId, revision });
          } catch (error) {
            state.running = undefined;
            answers.set(operation.id, { refused: `the sync could not be started: ${(error as Error).message}` });
          }
          break;
        }
        case 'drop':
          answers.set(action.operation.id, { refused: action.reason });
          break;
        case 'supersede':
          // The sync may end at this very moment, so a failed signal is expected and harmless.
          await getExternalWorkflowHandle(action.workflowId).signal(supersedeSignal, { revision: action.revision }).catch(() => undefined);
          break;
        case 'notify':
          // Only if someone listens: a notification workflow per event for an unsubscribed fleet is pure cost.
          if (notifies(last?.subscribed, action.trigger)) await notify(app, { trigger: action.trigger, app, revision: action.revision, message: action.message });
          break;
        case 'record':
          await activities.recordOperationEnd.executeWithOptions({ summary: operationEndSummary(action.operation.id) }, [{ app, operationId: action.operation.id, revision: action.revision, attempt: action.operation.attempt, message: action.message, initiatedBy: action.operation.initiatedBy }]);
          break;
      }
    }
  };

  /** Settles every sync that has ended since the last look. */
  const settle = async (project: string) => {
    for (const ending of endings.splice(0)) {
      const transition = next(state, ending, spec);
      state = transition.state;
      await perform(transition.actions, project);
    }
  };

  for (;;) {
    refreshRequested = false;
    const asked = [...pending];
    let result: RefreshResult;
    try {
      const revisions = [...new Set(asked.flatMap((o) => (o.revision ? [o.revision] : [])))];
      const syncError = syncErrorMessage(state.lastOutcome);
      result = await local.refreshApplication.executeWithOptions({ summary: refreshSummary(app, spec, revisions) }, [{ app, revisions, ...(syncError ? { syncError } : {}) }]);
    } catch (error) {
      // The worker may cancel a refresh in flight (it evicted this workflow from its cache to make room): that is
      // not this app's end. Only a cancellation of the workflow itself stops it; otherwise the next turn refreshes.
      if (!isCancellation(error) || CancellationScope.current().consideredCancelled) throw error;
      log.warn('the refresh was cancelled by the worker; refreshing again', { app: app.name, namespace: app.namespace });
      refreshRequested = true;
      await sleep(REFRESH_RETRY_MS);
      continue;
    }
    last = result;
    refreshes += 1;
    // Requests withdrawn while the refresh ran are no longer pending; those that came in meanwhile wait a turn.
    const requests = asked.filter((o) => pending.includes(o));
    pending.splice(0, pending.length, ...pending.filter((o) => !requests.includes(o)));
    if (!result.exists || result.deleting) {
      for (const o of [...requests, ...pending]) answers.set(o.id, { refused: 'the Application is being deleted' });
      if (!result.exists) return 'deleted';
      if (state.running) {
        const { workflowId, operation } = state.running;
        await getExternalWorkflowHandle(workflowId).cancel().catch(() => undefined);
        // Prune only once the sync has stopped writing (its running step, its SyncFail hooks), or it could apply
        // after the prune and leave objects behind a released CR; one that will not stop is terminated.
        if (patched('finalize-after-sync')) {
          const over = () => endings.some((e) => e.operationId === operation.id);
          if (!(await condition(over, TERMINATE_GRACE_MS, { summary: terminateGraceSummary(operation.id, TERMINATE_GRACE_MS) }))) {
            await activities.terminateSync.executeWithOptions({ summary: terminateSummary(operation.id, 'deletion') }, [{ workflowId, reason: `the Application is being deleted: not stopped ${TERMINATE_GRACE_MS / 1000}s after cancel` }]);
          }
        }
      }
      const finalizers = (result.finalizers ?? []).filter((f) => RESOURCE_FINALIZERS.includes(f));
      await finalizing.finalizeApplication.executeWithOptions({ summary: finalizeSummary(app, finalizers.length > 0) }, [{ app, managedKinds: state.managedKinds, prune: finalizers.length > 0, finalizers }]);
      return 'finalized';
    }
    if (result.spec) spec = result.spec;
    upsert(result);
    project = result.project ?? 'default';
    if (state.running && !startedHere.has(state.running.operation.id) && endings.length === 0 && refreshes % CARRIED_SYNC_CHECK_EVERY === 1) {
      // A sync carried over from an earlier run reports its end by signal; this catches one that never could
      // (terminated by hand, say): at the first refresh of a run, then every so often.
      const carried = await activities.describeSync.executeWithOptions({ summary: carriedSyncSummary(state.running.operation.id) }, [{ workflowId: state.running.workflowId }]);
      if (carried.closed) ended(state.running.operation.id, carried.outcome ?? 'Failed', carried.message ?? 'the sync workflow ended', carried.recorded ?? false);
    }
    await settle(project);
    const transition = next(state, { type: 'refreshed', app, result, now: Date.now(), requests, nextId: `${state.operations + 1}-${uuid4().slice(0, 8)}` }, spec);
    state = transition.state;
    autoSyncBlocked = transition.autoSyncBlocked;
    await perform(transition.actions, project);
    publishDetails();

    const jitter = Math.floor(Math.random() * (options.jitterMs ?? DEFAULT_JITTER_MS));
    const wait = nextWakeMs(state, Date.now(), (options.refreshIntervalMs ?? DEFAULT_REFRESH_MS) + jitter);
    await condition(() => refreshRequested || pending.length > 0 || endings.length > 0, wait, { summary: refreshWaitSummary(wait) });
    await settle(project);
    publishDetails();

    const info = workflowInfo();
    // Since the `short-runs` patch, a run continues as new at RUN_EVENTS_BEFORE_CONTINUE events: an evicted app
    // workflow replays its run at its next refresh. A run replayed from before the patch keeps its old bound.
    const runEvents = options.runEventsBeforeContinue ?? (patched('short-runs') ? RUN_EVENTS_BEFORE_CONTINUE : LONG_RUN_EVENTS);
    const long = runIsLong({ suggested: info.continueAsNewSuggested, events: info.historyLength, refreshes }, runEvents, options.continueAsNewAfter);
    if (long && pending.length === 0 && endings.length === 0) {
      await condition(allHandlersFinished);
      if (pending.length === 0 && endings.length === 0) await continueAsNew<typeof applicationWorkflow>({ app, state, options });
    }
  }
}
