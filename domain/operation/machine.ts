// The Application workflow's decisions as a pure state machine: `next(state, event) → { state, actions }`.
// The workflow is the loop that feeds it events (a refresh, a sync that ended) and carries out its actions
// (start a sync, answer a request it cannot serve, supersede, notify, record). When to auto-sync, retry,
// self-heal, supersede and settle is decided here and nowhere else, so it is table-tested without Temporal.
import { ApplicationSpec } from '../application/types';
import { isRetryableFailure } from './forbidden';
import { canRetry, effectiveRetry, retryDelayMs } from './retry';
import { AppRef, Initiator, KindRef, RefreshResult, SyncOutcome, syncWorkflowId } from './types';

/** One sync the app runs or will run. Its id is decided when it is requested, so the caller can follow it. */
export interface Operation {
  id: string;
  /** An explicit revision (manual sync, rollback); the latest refreshed revision otherwise. */
  revision?: string;
  prune: boolean;
  resources?: string[];
  requireApproval: boolean;
  initiatedBy: Initiator;
  attempt: number;
}

export interface RunningOperation {
  operation: Operation;
  revision: string;
  workflowId: string;
  /** Set by terminate-op: who asked, and whether the cancel had to be escalated to a terminate. */
  terminating?: { by: string; escalated?: boolean };
}

/** What survives continue-as-new: small and bounded. A running sync is carried too (it is abandoned, not a child). */
export interface CarriedState {
  /** The uid of the CR this state belongs to. */
  uid?: string;
  lastSyncedRevision?: string;
  failedRevision?: string;
  retry?: { revision: string; failures: number; nextAt: number; manual?: Omit<Operation, 'attempt' | 'id'> };
  selfHeal?: { revision: string; attempts: number; nextAt: number };
  managedKinds: KindRef[];
  history: Array<{ id: number; revision: string }>;
  /** How many operations were ever requested or started: the counter in operation ids. */
  operations: number;
  lastOutcome?: { outcome: SyncOutcome; revision: string; message: string; failure?: string };
  /** The last revision announced on-deployed (Succeeded and Healthy, once per revision). */
  deployedRevision?: string;
  health?: string;
  running?: RunningOperation;
  /** The search attributes last upserted, so they are written only when they change. */
  searchAttributes?: Record<string, string>;
}

export type AppEvent =
  | {
    type: 'refreshed';
    app: AppRef;
    result: RefreshResult;
    now: number;
    /** Manual requests accepted since the last refresh, oldest first. */
    requests: Operation[];
    /** The id an automatic operation would take, if one is started. */
    nextId: string;
  }
  | {
    type: 'finished';
    operationId: string;
    outcome: SyncOutcome;
    message: string;
    /** False when the sync ended without writing its own end to the CR (it failed or was terminated). */
    recorded: boolean;
    now: number;
    /** What kind of failure ended it (an ApplicationFailure type, e.g. PermissionDenied); absent from older syncs. */
    failure?: string;
  };

export type AppAction =
  | { type: 'start'; operation: Operation; revision: string }
  /** A request that cannot be served is answered with the reason, never left waiting. */
  | { type: 'drop'; operation: Operation; reason: string }
  | { type: 'supersede'; workflowId: string; revision: string }
  | { type: 'notify'; trigger: 'on-health-degraded' | 'on-deployed'; revision?: string; message: string }
  /** Writes the end of a sync that could not write it itself. */
  | { type: 'record'; operation: Operation; revision: string; message: string };

export interface Transition {
  state: CarriedState;
  actions: AppAction[];
  /** Why auto-sync is holding back, if it is. */
  autoSyncBlocked?: string;
}

export const SELF_HEAL = { durationMs: 5_000, factor: 2, maxDurationMs: 180_000 };
export const AUTOMATED: Initiator = { username: 'automated sync policy', automated: true };

export function initialState(): CarriedState {
  return { managedKinds: [], history: [], operations: 0 };
}

export function next(state: CarriedState, event: AppEvent, spec: ApplicationSpec | undefined): Transition {
  return event.type === 'refreshed' ? refreshed(state, event, spec) : finished(state, event, spec);
}

function refreshed(previous: CarriedState, event: Extract<AppEvent, { type: 'refreshed' }>, specBefore: ApplicationSpec | undefined): Transition {
  const { result, now } = event;
  const spec = result.spec ?? specBefore;
  const actions: AppAction[] = [];
  // A CR deleted and created again under the same name is a new app: start afresh (a running sync still settles).
  let state: CarriedState = previous.uid !== undefined && result.uid !== undefined && previous.uid !== result.uid
    ? { ...initialState(), operations: previous.operations, running: previous.running, searchAttributes: previous.searchAttributes }
    : { ...previous };
  state.uid = result.uid;
  state.managedKinds = result.managedKinds;
  if (result.health === 'Degraded' && state.health !== 'Degraded') {
    actions.push({ type: 'notify', trigger: 'on-health-degraded', revision: result.revision, message: 'the application is Degraded' });
  }
  state.health = result.health;
  if (!state.running && result.health === 'Healthy' && result.revision && state.lastSyncedRevision === result.revision && state.deployedRevision !== result.revision) {
    state.deployedRevision = result.revision;
    actions.push({ type: 'notify', trigger: 'on-deployed', revision: result.revision, message: `deployed and Healthy at ${result.revision.slice(0, 12)}` });
  }
  const { running } = state;
  if (running && !running.terminating && result.revision && result.revision !== running.revision && running.operation.initiatedBy.automated) {
    // A newer commit replaces a pending approval request; a sync already applying finishes first.
    actions.push({ type: 'supersede', workflowId: running.workflowId, revision: result.revision });
  }

  const [request, ...later] = event.requests;
  for (const extra of later) actions.push({ type: 'drop', operation: extra, reason: 'another operation was requested first' });
  if (request) {
    const reason = running ? `another operation is already in progress (${running.workflowId})` : cannotStart(result, request);
    if (reason) actions.push({ type: 'drop', operation: request, reason });
    else state = start(event, state, actions, request, request.revision ? result.resolved?.[request.revision]?.sha ?? request.revision : result.revision!);
    return { state, actions };
  }
  if (running || result.invalid || result.comparisonError || !result.revision || !spec) return { state, actions };

  const retry = state.retry;
  if (retry?.manual && now >= retry.nextAt) {
    return { state: start(event, state, actions, { ...retry.manual, id: event.nextId, attempt: retry.failures + 1 }, retry.manual.revision ?? retry.revision), actions };
  }
  const automatic = automaticOperation(state, result, spec, now);
  if (automatic.operation) state = start(event, automatic.state, actions, { ...automatic.operation, id: event.nextId }, result.revision);
  else state = automatic.state;
  return { state, actions, autoSyncBlocked: automatic.blocked };
}

/** Why a manual request cannot start against this refresh, if it cannot. */
function cannotStart(result: RefreshResult, request: Operation): string | undefined {
  if (!result.exists) return 'the Application no longer exists';
  if (result.invalid) return `the Application is invalid: ${result.invalid}`;
  if (request.revision) {
    const resolved = result.resolved?.[request.revision];
    if (!resolved?.sha) return `revision ${request.revision} cannot be resolved: ${resolved?.error ?? 'the source could not be read'}`;
    return undefined;
  }
  if (result.comparisonError || !result.revision) return `the last refresh could not compare (ComparisonError: ${result.comparisonError ?? 'no revision'})`;
  return undefined;
}

function start(event: { app: AppRef }, state: CarriedState, actions: AppAction[], operation: Operation, revision: string): CarriedState {
  actions.push({ type: 'start', operation, revision });
  const counter = Number(/^(\d+)-/.exec(operation.id)?.[1] ?? state.operations);
  return { ...state, operations: Math.max(state.operations, counter), running: { operation, revision, workflowId: syncWorkflowId(event.app, operation.id) } };
}

/** What auto-sync would do now, given the latest refresh (Argo CD's rules, plus Sluice's supersede). */
export function automaticOperation(stateIn: CarriedState, result: RefreshResult, spec: ApplicationSpec, now: number): { state: CarriedState; operation?: Omit<Operation, 'id'>; blocked?: string } {
  const state = { ...stateIn };
  const automated = spec.syncPolicy?.automated;
  if (!automated || !result.revision || result.syncStatus !== 'OutOfSync') return { state };
  const prune = !!automated.prune;
  const base = { revision: undefined, prune, requireApproval: !!spec.syncPolicy?.approval?.required, initiatedBy: AUTOMATED, attempt: 1 };
  if (prune && !automated.allowEmpty && result.desiredCount === 0) {
    // Argo CD's guard: an empty render with prune on would delete everything the app owns.
    return { state, blocked: 'auto-sync will not prune all resources: git declares none and allowEmpty is false' };
  }
  if (state.retry && state.retry.revision === result.revision) {
    if (now < state.retry.nextAt) return { state };
    return { state, operation: { ...base, attempt: state.retry.failures + 1 } };
  }
  // A newer revision supersedes a stuck retry (Sluice's default; argo-cd #11494).
  if (state.retry) state.retry = undefined;
  if (result.revision === state.failedRevision) return { state };
  if (result.revision === state.lastSyncedRevision) {
    if (!automated.selfHeal) return { state };
    if (state.selfHeal?.revision === result.revision && now < state.selfHeal.nextAt) return { state };
    const attempts = state.selfHeal?.revision === result.revision ? state.selfHeal.attempts + 1 : 1;
    state.selfHeal = { revision: result.revision, attempts, nextAt: now + Math.min(SELF_HEAL.durationMs * Math.pow(SELF_HEAL.factor, attempts - 1), SELF_HEAL.maxDurationMs) };
  }
  return { state, operation: base };
}

function finished(previous: CarriedState, event: Extract<AppEvent, { type: 'finished' }>, spec: ApplicationSpec | undefined): Transition {
  const running = previous.running;
  if (!running || running.operation.id !== event.operationId) return { state: previous, actions: [] };
  const { operation, revision } = running;
  const state: CarriedState = { ...previous, running: undefined };
  const actions: AppAction[] = [];
  let { outcome, message } = event;
  if (running.terminating && outcome !== 'Succeeded') {
    outcome = 'Terminated';
    message = running.terminating.escalated
      ? `terminated by ${running.terminating.by}: the sync did not stop within 30s of being cancelled, so its workflow was terminated`
      : `terminated by ${running.terminating.by}: ${message}`;
  }
  if (!event.recorded) actions.push({ type: 'record', operation, revision, message });
  state.lastOutcome = { outcome, revision, message, ...(event.failure ? { failure: event.failure } : {}) };
  if (outcome === 'Succeeded') {
    state.lastSyncedRevision = revision;
    state.retry = undefined;
    const id = (state.history[state.history.length - 1]?.id ?? -1) + 1;
    state.history = [...state.history, { id, revision }].slice(-(spec?.revisionHistoryLimit ?? 10));
    if (state.selfHeal?.revision !== revision) state.selfHeal = undefined;
    return { state, actions };
  }
  if (outcome === 'Superseded') return { state, actions };
  // A refusal by the API server is not retried: the next attempt would be refused the same way.
  if (outcome === 'Failed' && isRetryableFailure(event.failure)) {
    const retry = effectiveRetry(spec?.syncPolicy?.retry, operation.initiatedBy.automated);
    if (canRetry(retry, operation.attempt)) {
      const { id: _id, attempt: _attempt, ...manual } = operation;
      state.retry = { revision, failures: operation.attempt, nextAt: event.now + retryDelayMs(retry, operation.attempt - 1), manual: operation.initiatedBy.automated ? undefined : { ...manual, revision } };
      return { state, actions };
    }
  }
  // Never re-sync a failed, rejected, expired or terminated revision automatically: a new commit or a manual sync is needed.
  state.retry = undefined;
  state.failedRevision = revision;
  return { state, actions };
}

/**
 * The events after which an app workflow's run continues as new. A worker whose cache is full evicts workflows,
 * and an evicted app workflow replays its whole run at its next refresh: a short run keeps that replay cheap
 * (`npm run bench:replay-cost`: about 0.5 to 0.8 ms of worker CPU per event replayed). Runs started before the `short-runs` patch keep LONG_RUN_EVENTS.
 * Still 4,000: at 100, test/e2e/burst.test.ts hung in CI. A run that waits for its update handlers before continuing
 * as new can wait on a handler that waits for the run to serve its request (bench/RESULTS.md, session 12); that
 * must be fixed before runs are made short.
 */
export const RUN_EVENTS_BEFORE_CONTINUE = 4_000;
/** The bound before the `short-runs` patch: well before Temporal's 10,240-event warning. */
export const LONG_RUN_EVENTS = 4_000;

/** Whether the app workflow's run should continue as new: Temporal suggests it, it has `bound` events or more, or it has refreshed `after` times. */
export function runIsLong(run: { suggested: boolean; events: number; refreshes: number }, bound: number, after?: number): boolean {
  return run.suggested || run.events >= bound || (after !== undefined && run.refreshes >= after);
}

/** How long to sleep before the next refresh: the interval, or sooner when a retry or self-heal is due. */
export function nextWakeMs(state: CarriedState, now: number, intervalMs: number): number {
  let wait = intervalMs;
  for (const at of [state.retry?.nextAt, state.selfHeal?.nextAt]) if (at !== undefined && at > now) wait = Math.min(wait, at - now + 1);
  return wait;
}

export interface RequestView {
  state: CarriedState;
  last?: RefreshResult;
  spec?: ApplicationSpec;
  queued: number;
  /**
   * Leave the running sync out of it: the caller waits for that sync to end before it decides. A sync writes its
   * end to the CR a moment before the app workflow hears of it, and a client that reads that status may ask again
   * at once (Argo CD's contract: an ended operation frees the app).
   */
  exceptRunning?: boolean;
}

/** Why a manual sync request is refused before it reaches history, or undefined when it is accepted. */
export function refuseSync(view: RequestView, request: { initiatedBy?: string; revision?: string }): string | undefined {
  if (!request?.initiatedBy) return 'a sync request must name who initiates it';
  return refuseBusyOrBroken(view) ?? (view.last?.comparisonError && !request.revision
    ? `the last refresh could not compare (ComparisonError: ${view.last.comparisonError}); fix the source, or name a --revision that resolves`
    : undefined);
}

export function refuseRollback(view: RequestView, request: { id: number; initiatedBy?: string }): string | undefined {
  if (!request?.initiatedBy) return 'a rollback must name who initiates it';
  if (view.spec?.syncPolicy?.automated) return 'rollback cannot be initiated when auto-sync is enabled';
  const busy = refuseBusyOrBroken(view);
  if (busy) return busy;
  // The running sync may be about to add the entry asked for: then the caller decides after it has ended.
  const pendingEntry = view.exceptRunning && view.state.running;
  if (!pendingEntry && !view.state.history.some((h) => h.id === request.id)) return `history id ${request.id} not found (known: ${view.state.history.map((h) => h.id).join(', ') || 'none'})`;
  return undefined;
}

function refuseBusyOrBroken(view: RequestView): string | undefined {
  if (view.state.running && !view.exceptRunning) return `another operation is already in progress (${view.state.running.workflowId || view.state.running.operation.id})`;
  if (view.queued > 0) return 'another operation is already in progress (requested, starting)';
  if (view.last?.invalid) return `the Application is invalid: ${view.last.invalid}`;
  // Before the first refresh has finished nothing is known yet: the request waits for it and is answered then.
  if (view.last && !view.last.exists) return 'the Application does not exist';
  return undefined;
}
