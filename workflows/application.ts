// One long-lived workflow per Application: refresh on an interval (jittered) and on signals, auto-sync once
// per revision, retry failed syncs with Argo CD's backoff (a newer revision supersedes a stuck retry),
// self-heal with a back-off, take manual sync / rollback / terminate requests as Updates, and continue as
// new with compact state when Temporal suggests it.
import {
  allHandlersFinished, ChildWorkflowHandle, condition, continueAsNew, defineQuery, defineSignal, defineUpdate, getExternalWorkflowHandle,
  log, ParentClosePolicy, proxyActivities, setHandler, startChild, upsertSearchAttributes, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import { ApplicationSpec } from '../domain/application/types';
import { canRetry, effectiveRetry, retryDelayMs } from '../domain/operation/retry';
import {
  AppRef, Initiator, KindRef, RefreshResult, RESOURCE_FINALIZERS, syncMemo, SyncOutcome, SyncResult, syncWorkflowId,
} from '../domain/operation/types';
import { SA } from './search-attributes';
import { notify as deliver } from './notify';
import { supersedeSignal, syncWorkflow } from './sync';

const activities = proxyActivities<SluiceActivities>({
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
  /** Notifications on (default) or off. */
  notifications?: boolean;
}

/** What survives continue-as-new: small and bounded. */
export interface CarriedState {
  /** The uid of the CR this state belongs to. */
  uid?: string;
  lastSyncedRevision?: string;
  failedRevision?: string;
  retry?: { revision: string; failures: number; nextAt: number; manual?: Omit<Operation, 'attempt'> };
  selfHeal?: { revision: string; attempts: number; nextAt: number };
  managedKinds: KindRef[];
  history: Array<{ id: number; revision: string }>;
  operations: number;
  lastOutcome?: { outcome: SyncOutcome; revision: string; message: string };
  /** The last revision announced on-deployed (Succeeded and Healthy, once per revision). */
  deployedRevision?: string;
  health?: string;
}

export interface ApplicationInput {
  app: AppRef;
  state?: CarriedState;
  options?: ApplicationOptions;
}

interface Operation {
  revision?: string;
  prune: boolean;
  resources?: string[];
  requireApproval: boolean;
  initiatedBy: Initiator;
  attempt: number;
}

export interface ApplicationStatus {
  app: AppRef;
  revision?: string;
  syncStatus: string;
  health: string;
  comparisonError?: string;
  invalid?: string;
  operation?: { workflowId: string; revision: string; attempt: number; initiatedBy: Initiator };
  state: CarriedState;
  refreshes: number;
  /** Why auto-sync is holding back, if it is. */
  autoSyncBlocked?: string;
}

export const refreshSignal = defineSignal('refresh');
export const statusQuery = defineQuery<ApplicationStatus>('status');
export const syncUpdate = defineUpdate<{ operationId: string; workflowId: string }, [ManualSync]>('sync');
export const rollbackUpdate = defineUpdate<{ operationId: string; workflowId: string; revision: string }, [{ id: number; initiatedBy: string }]>('rollback');
export const terminateUpdate = defineUpdate<{ terminated: string }, [{ initiatedBy: string }]>('terminateOperation');

const DEFAULT_REFRESH_MS = 180_000;
const DEFAULT_JITTER_MS = 60_000;
const SELF_HEAL = { durationMs: 5_000, factor: 2, maxDurationMs: 180_000 };

export async function applicationWorkflow(input: ApplicationInput): Promise<string> {
  const { app } = input;
  const options = input.options ?? {};
  const notify: typeof deliver = async (target, event) => (options.notifications === false ? undefined : deliver(target, event));
  let state: CarriedState = input.state ?? { managedKinds: [], history: [], operations: 0 };
  let last: RefreshResult | undefined;
  let spec: ApplicationSpec | undefined;
  let refreshRequested = false;
  let refreshes = 0;
  let autoSyncBlocked: string | undefined;
  const queue: Operation[] = [];
  let running: { handle: ChildWorkflowHandle<typeof syncWorkflow>; operation: Operation; revision: string; workflowId: string } | undefined;
  let finished: SyncResult | undefined;
  let childError: string | undefined;

  const automated = () => !!spec?.syncPolicy?.automated;
  const busy = () => running !== undefined || queue.length > 0;

  setHandler(refreshSignal, () => {
    refreshRequested = true;
  });
  setHandler(statusQuery, () => ({
    app, revision: last?.revision, syncStatus: last?.syncStatus ?? 'Unknown', health: last?.health ?? 'Unknown',
    comparisonError: last?.comparisonError, invalid: last?.invalid, state, refreshes, autoSyncBlocked,
    operation: running ? { workflowId: running.workflowId, revision: running.revision, attempt: running.operation.attempt, initiatedBy: running.operation.initiatedBy } : undefined,
  }));
  setHandler(syncUpdate, (request) => {
    const operation: Operation = { revision: request.revision, prune: !!request.prune, resources: request.resources, requireApproval: !!request.requireApproval, initiatedBy: { username: request.initiatedBy, automated: false }, attempt: 1 };
    queue.push(operation);
    return { operationId: `pending-${state.operations + queue.length}`, workflowId: 'starts after the next refresh' };
  }, {
    validator: (request) => {
      if (!request?.initiatedBy) throw new Error('a sync request must name who initiates it');
      if (busy()) throw new Error('another operation is already in progress');
      if (last?.invalid) throw new Error(`the Application is invalid: ${last.invalid}`);
      if (!last?.exists) throw new Error('the Application does not exist (yet)');
    },
  });
  setHandler(rollbackUpdate, ({ id, initiatedBy }) => {
    const entry = state.history.find((h) => h.id === id)!;
    queue.push({ revision: entry.revision, prune: false, requireApproval: false, initiatedBy: { username: initiatedBy, automated: false }, attempt: 1 });
    return { operationId: 'pending', workflowId: 'starts after the next refresh', revision: entry.revision };
  }, {
    validator: ({ id, initiatedBy }) => {
      if (!initiatedBy) throw new Error('a rollback must name who initiates it');
      if (automated()) throw new Error('rollback cannot be initiated when auto-sync is enabled');
      if (busy()) throw new Error('another operation is already in progress');
      if (!state.history.some((h) => h.id === id)) throw new Error(`history id ${id} not found (known: ${state.history.map((h) => h.id).join(', ') || 'none'})`);
    },
  });
  setHandler(terminateUpdate, async (_request) => {
    const workflowId = running!.workflowId;
    await getExternalWorkflowHandle(workflowId).cancel();
    return { terminated: workflowId };
  }, {
    validator: (request) => {
      if (!request?.initiatedBy) throw new Error('a terminate request must name who initiates it');
      if (!running) throw new Error('no operation is in progress');
    },
  });

  const upsert = (result: RefreshResult) => {
    if (options.searchAttributes === false) return;
    upsertSearchAttributes([
      { key: SA.application, value: app.name }, { key: SA.namespace, value: app.namespace },
      { key: SA.project, value: result.project ?? 'default' }, { key: SA.kind, value: 'Application' },
      { key: SA.syncStatus, value: result.syncStatus }, { key: SA.health, value: result.health },
      ...(result.revision ? [{ key: SA.revision, value: result.revision }] : []),
    ]);
  };

  /** What auto-sync would do now, given the latest refresh. */
  const automaticOperation = (result: RefreshResult, now: number): Operation | undefined => {
    if (!automated() || !result.revision || result.syncStatus !== 'OutOfSync') return undefined;
    const initiatedBy = { username: 'automated sync policy', automated: true };
    const approval = !!spec?.syncPolicy?.approval?.required;
    const prune = !!spec?.syncPolicy?.automated?.prune;
    autoSyncBlocked = undefined;
    if (prune && !spec?.syncPolicy?.automated?.allowEmpty && result.desiredCount === 0) {
      // Argo CD's guard: an empty render with prune on would delete everything the app owns.
      autoSyncBlocked = 'auto-sync will not prune all resources: git declares none and allowEmpty is false';
      return undefined;
    }
    if (state.retry && state.retry.revision === result.revision) {
      if (now < state.retry.nextAt) return undefined;
      return { ...(state.retry.manual ?? { prune, requireApproval: approval, initiatedBy }), revision: result.revision, attempt: state.retry.failures + 1 };
    }
    // A newer revision supersedes a stuck retry (Sluice's default; argo-cd #11494).
    if (state.retry && state.retry.revision !== result.revision) state.retry = undefined;
    if (result.revision === state.failedRevision) return undefined;
    if (result.revision === state.lastSyncedRevision) {
      if (!spec?.syncPolicy?.automated?.selfHeal) return undefined;
      if (state.selfHeal?.revision === result.revision && now < state.selfHeal.nextAt) return undefined;
      const attempts = state.selfHeal?.revision === result.revision ? state.selfHeal.attempts + 1 : 1;
      state.selfHeal = { revision: result.revision, attempts, nextAt: now + Math.min(SELF_HEAL.durationMs * Math.pow(SELF_HEAL.factor, attempts - 1), SELF_HEAL.maxDurationMs) };
    }
    return { revision: result.revision, prune, requireApproval: approval, initiatedBy, attempt: 1 };
  };

  const start = async (operation: Operation, result: RefreshResult) => {
    state.operations += 1;
    const operationId = `${state.operations}-${uuid4().slice(0, 8)}`;
    const revision = operation.revision ?? result.revision!;
    const workflowId = syncWorkflowId(app, operationId);
    const handle = await startChild(syncWorkflow, {
      workflowId,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      args: [{
        app, spec: spec!, revision, prune: operation.prune, resources: operation.resources, operationId, initiatedBy: operation.initiatedBy,
        attempt: operation.attempt, managedKinds: state.managedKinds, approvalRequired: operation.requireApproval || !!spec?.syncPolicy?.approval?.required,
        searchAttributes: options.searchAttributes, notifications: options.notifications,
      }],
      ...(options.searchAttributes === false ? {} : {
        typedSearchAttributes: [{ key: SA.application, value: app.name }, { key: SA.namespace, value: app.namespace }, { key: SA.kind, value: 'Sync' }, { key: SA.project, value: result.project ?? 'default' }],
        // What `sluice app history` lists for every sync, read from the visibility store without a query.
        memo: { sluice: syncMemo(revision, operation.initiatedBy, operation.attempt) },
      }),
    });
    running = { handle, operation, revision, workflowId };
    log.info('sync started', { app: app.name, namespace: app.namespace, revision, syncId: operationId, attempt: operation.attempt, initiatedBy: operation.initiatedBy.username });
    handle.result().then(
      (r) => { finished = r; },
      (e: Error) => { childError = e.message; },
    );
  };

  const settle = (operation: Operation, revision: string, result: SyncResult | undefined, now: number) => {
    const outcome = result?.outcome ?? 'Failed';
    state.lastOutcome = { outcome, revision, message: result?.message ?? childError ?? 'the sync workflow failed' };
    if (outcome === 'Succeeded') {
      state.lastSyncedRevision = revision;
      state.retry = undefined;
      const id = (state.history[state.history.length - 1]?.id ?? -1) + 1;
      state.history = [...state.history, { id, revision }].slice(-(spec?.revisionHistoryLimit ?? 10));
      if (state.selfHeal?.revision !== revision) state.selfHeal = undefined;
      return;
    }
    if (outcome === 'Superseded') return;
    if (outcome === 'Failed') {
      const retry = effectiveRetry(spec?.syncPolicy?.retry, operation.initiatedBy.automated);
      const failures = operation.attempt;
      if (canRetry(retry, failures)) {
        log.warn('sync failed; retry scheduled', { app: app.name, namespace: app.namespace, revision, attempt: failures, retryInMs: retryDelayMs(retry, failures - 1) });
        state.retry = { revision, failures, nextAt: now + retryDelayMs(retry, failures - 1), manual: operation.initiatedBy.automated ? undefined : { revision, prune: operation.prune, resources: operation.resources, requireApproval: operation.requireApproval, initiatedBy: operation.initiatedBy } };
        return;
      }
    }
    // Never re-sync a failed, rejected or expired revision automatically: a new commit or a manual sync is needed.
    state.retry = undefined;
    state.failedRevision = revision;
  };

  /** Books the result of a child that has finished, if any. */
  const settleFinished = () => {
    if (running && (finished !== undefined || childError !== undefined)) {
      settle(running.operation, running.revision, finished, Date.now());
      running = undefined;
      finished = undefined;
      childError = undefined;
    }
  };

  for (;;) {
    refreshRequested = false;
    refreshes += 1;
    const result = await activities.refreshApplication({ app });
    last = result;
    if (!result.exists) return 'deleted';
    if (result.deleting) {
      if (running) await getExternalWorkflowHandle(running.workflowId).cancel();
      const finalizers = (result.finalizers ?? []).filter((f) => RESOURCE_FINALIZERS.includes(f));
      await finalizing.finalizeApplication({ app, managedKinds: state.managedKinds, prune: finalizers.length > 0, finalizers });
      return 'finalized';
    }
    if (state.uid !== undefined && result.uid !== undefined && state.uid !== result.uid) {
      // The CR was deleted and created again while this workflow was not looking: start afresh.
      state = { managedKinds: [], history: [], operations: state.operations };
    }
    state.uid = result.uid;
    if (result.spec) spec = result.spec;
    state.managedKinds = result.managedKinds;
    upsert(result);
    if (result.health === 'Degraded' && state.health !== 'Degraded') {
      await notify(app, { trigger: 'on-health-degraded', app, revision: result.revision, message: 'the application is Degraded' });
    }
    state.health = result.health;
    if (!running && result.health === 'Healthy' && state.lastSyncedRevision && state.lastSyncedRevision === result.revision && state.deployedRevision !== result.revision) {
      state.deployedRevision = result.revision;
      await notify(app, { trigger: 'on-deployed', app, revision: result.revision, message: `deployed and Healthy at ${result.revision.slice(0, 12)}` });
    }
    const now = Date.now();

    settleFinished();
    if (running && result.revision && result.revision !== running.revision && running.operation.initiatedBy.automated) {
      // A newer commit replaces a pending approval request; a sync already applying finishes first. The
      // child may finish at this very moment, so a failed signal is expected and harmless.
      await running.handle.signal(supersedeSignal, { revision: result.revision }).catch(() => undefined);
    }
    if (!running && !result.invalid && spec) {
      const manual = queue.shift();
      const operation = manual ?? (state.retry?.manual && state.retry.revision && now >= state.retry.nextAt ? { ...state.retry.manual, attempt: state.retry.failures + 1 } : automaticOperation(result, now));
      if (operation) await start(operation, result);
    }

    const jitter = Math.floor(Math.random() * (options.jitterMs ?? DEFAULT_JITTER_MS));
    let wait = (options.refreshIntervalMs ?? DEFAULT_REFRESH_MS) + jitter;
    for (const at of [state.retry?.nextAt, state.selfHeal?.nextAt]) if (at !== undefined && at > now) wait = Math.min(wait, at - now + 1);
    await condition(() => refreshRequested || (queue.length > 0 && !running) || finished !== undefined || childError !== undefined, wait);

    settleFinished();
    const longRun = options.continueAsNewAfter !== undefined && refreshes >= options.continueAsNewAfter;
    if ((workflowInfo().continueAsNewSuggested || longRun) && !running && queue.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof applicationWorkflow>({ app, state, options });
    }
  }
}
