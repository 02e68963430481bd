// The decisions of one RollingSync promotion: a commit walked through an ApplicationSet's steps in order. Pure: the
// promotion workflow (one per revision) reads where the set's Applications stand, asks `nextAction` what to do,
// does it, and looks again. Argo CD's progressive sync (applicationset/controllers, Progressive-Syncs.md) is the
// model; where Sluice differs it says so below.
//
// The rules:
// 1. Steps: an app belongs to the first step whose matchExpressions all match its labels (assignSteps). Apps in no
//    step are reported, never synced, and do not hold the promotion (Argo CD: "needs to be manually synced").
// 2. Done: an app is done at `revision` when it is Synced, Healthy, its last ended sync was of `revision`
//    (syncedRevision) and no operation is running on it (Argo CD's isApplicationHealthy also wants no operation in
//    flight). A done app is never synced again; a step whose apps are all done is Healthy, with or without approval.
// 3. Order: a step starts only when every app of every earlier step is done. Steps with no apps are Skipped (Argo CD
//    passes over them too). The first step not done is the current one; later steps wait.
// 4. Failure (Sluice only): an app the promotion started whose operation at `revision` ended Failed or Error, or that
//    is Degraded after its sync at `revision` (no operation running, so not while a retry runs), fails the
//    promotion, naming step, app and reason. Argo CD never fails a rollout: it leaves retries to the app's own
//    syncPolicy.retry and waits for Healthy, forever if need be. An app the promotion did not start is never a
//    failure of the promotion: if it is not Synced at `revision` the promotion syncs it (a retry of someone else's
//    failed sync); if it is Synced at `revision` but not Healthy, it is waited on, as Argo CD waits on it.
// 5. Batches: at most maxUpdate apps of a step are busy at once (maxUpdate). Busy: not done, and started by the
//    promotion, or with an operation running, or Synced at `revision` and waiting for health (Argo CD counts its
//    Pending and Progressing apps). maxUpdate 0 syncs none: the apps are synced by hand, as Argo CD.
// 6. Approval (Sluice only; Argo CD has none): a step with `approval` that is not in `approved` asks for it
//    (`await-approval`) before the first sync of any of its apps, naming the batch it would sync (maxUpdate
//    applies). It asks only when it has something to sync now: a done step, maxUpdate 0 or full slots ask nothing.
//
// Step indexes are 0-based (as the spec's steps[i]); messages count from 1, as Argo CD's step numbers do.
import { InputError } from '../errors';
import { ApplicationMatchExpression, RollingSyncStep } from './types';

export interface PromotionApp {
  name: string;
  labels: Record<string, string>;
  syncStatus: string;
  health: string;
  /** commit of the last sync that ended */
  syncedRevision?: string;
  /** phase of that last operation: Running | Succeeded | Failed | Error | Terminating */
  operationPhase?: string;
  operationRevision?: string;
  operationMessage?: string;
  /** The revision whose sync waits at the app's own approval gate (status.approval Pending), if any. */
  approvalPending?: string;
}

export interface StepState {
  index: number;
  apps: string[];
  state: 'Waiting' | 'AwaitingApproval' | 'Progressing' | 'Healthy' | 'Failed' | 'Skipped';
  message?: string;
}

export interface PromotionInput {
  revision: string;
  steps: RollingSyncStep[];
  apps: PromotionApp[];
  /** apps whose sync at `revision` the promotion already started */
  started: string[];
  /** steps whose approval was given for this revision */
  approved: number[];
}

/** The next move of a promotion of `revision`. */
export type PromotionAction =
  | { kind: 'sync'; step: number; apps: string[] }
  | { kind: 'await-approval'; step: number; apps: string[] }
  | { kind: 'wait'; step: number }
  | { kind: 'done' }
  | { kind: 'failed'; step: number; app: string; reason: string };

const hasLabel = (labels: Record<string, string>, key: string) => Object.prototype.hasOwnProperty.call(labels, key);

/**
 * Argo CD's labelMatchedExpression: the values are ORed; a missing label fails In and passes NotIn, so an empty
 * values list matches nothing with In and everything with NotIn. Since every expression must match, a NotIn
 * that excludes a value wins over an In that lists it.
 */
function matches(expression: ApplicationMatchExpression, labels: Record<string, string>): boolean {
  if (!hasLabel(labels, expression.key)) return expression.operator === 'NotIn';
  const listed = (expression.values ?? []).includes(labels[expression.key]);
  if (expression.operator === 'In') return listed;
  if (expression.operator === 'NotIn') return !listed;
  return false; // validation refuses other operators; Argo CD skips them as no match too
}

/**
 * Which step each app belongs to: the first whose matchExpressions all match (a step without expressions takes
 * every app left). Argo CD lists an app two steps select under both, with a warning, but tracks it by the first;
 * Sluice keeps it in the first only. Names are sorted within a step, so batches are the same on every look.
 */
export function assignSteps(steps: RollingSyncStep[], apps: Array<{ name: string; labels: Record<string, string> }>): { steps: string[][]; unassigned: string[] } {
  const assigned: string[][] = steps.map(() => []);
  const unassigned: string[] = [];
  const byName = [...apps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const app of byName) {
    const index = steps.findIndex((step) => (step.matchExpressions ?? []).every((e) => matches(e, app.labels)));
    (index < 0 ? unassigned : assigned[index]).push(app.name);
  }
  return { steps: assigned, unassigned };
}

/**
 * How many of a step's `size` apps may be busy at once. Argo CD's intstr scaling with rounding down: a count as is,
 * "NN%" of the step rounded down but at least 1 when above 0%; 0 and "0%" mean none (Argo CD tests the literal
 * "0%", so "00%" would give it 1; Sluice reads the number). Unset: the whole step. Never more than the step.
 * Argo CD logs an invalid value and goes on; Sluice refuses it as input.
 */
export function maxUpdate(step: RollingSyncStep, size: number, index: number): number {
  const value: unknown = step.maxUpdate;
  if (value === undefined) return size;
  let limit: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) limit = value;
  const percent = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  if (percent) {
    const share = Number(percent[1]);
    limit = share === 0 ? 0 : Math.max(1, Math.floor((share * size) / 100));
  }
  if (limit === undefined) {
    const field = `spec.strategy.rollingSync.steps[${index}].maxUpdate`;
    throw new InputError(`${field}: ${JSON.stringify(value)} must be a whole number or a percentage such as "50%"`, { field });
  }
  return Math.min(limit, size);
}

const IN_FLIGHT = new Set(['Running', 'Terminating']);
const FAILED = new Set(['Failed', 'Error']);
const short = (revision: string) => revision.slice(0, 12);

/** One step as the promotion sees it now. */
interface StepView {
  index: number;
  apps: string[];
  done: string[];
  /** Started by the promotion, or otherwise in flight or settling at `revision`: they hold a maxUpdate slot. */
  busy: string[];
  /** Still to be synced by the promotion. */
  pending: string[];
  failure?: { app: string; reason: string };
  limit: number;
}

function failureOf(app: PromotionApp, revision: string, started: Set<string>): string | undefined {
  if (!started.has(app.name)) return undefined;
  const inFlight = IN_FLIGHT.has(app.operationPhase ?? '');
  // An operation that names no revision, or another one, is not known to be this promotion's sync: waited on.
  if (FAILED.has(app.operationPhase ?? '') && app.operationRevision === revision) {
    return `sync at ${short(revision)} ended ${app.operationPhase}${app.operationMessage ? `: ${app.operationMessage}` : ''}`;
  }
  if (app.health === 'Degraded' && app.syncedRevision === revision && !inFlight) return `Degraded after its sync at ${short(revision)}`;
  return undefined;
}

function viewSteps(input: PromotionInput): StepView[] {
  const byName = new Map(input.apps.map((a) => [a.name, a]));
  const started = new Set(input.started);
  const { steps } = assignSteps(input.steps, input.apps);
  return steps.map((names, index) => {
    const view: StepView = { index, apps: names, done: [], busy: [], pending: [], limit: maxUpdate(input.steps[index], names.length, index) };
    for (const name of names) {
      const app = byName.get(name)!;
      const reason = failureOf(app, input.revision, started);
      if (reason) view.failure ??= { app: name, reason };
      const inFlight = IN_FLIGHT.has(app.operationPhase ?? '');
      const syncedAtRevision = app.syncStatus === 'Synced' && app.syncedRevision === input.revision;
      // A failed app may still be Synced and Healthy (a PostSync hook failed): the step's failure wins over it.
      if (syncedAtRevision && app.health === 'Healthy' && !inFlight) view.done.push(name);
      else if (started.has(name) || inFlight || syncedAtRevision) view.busy.push(name);
      else view.pending.push(name);
    }
    return view;
  });
}

/** The apps to sync now: pending ones, as many as the step's free slots allow. */
const batch = (view: StepView) => view.pending.slice(0, Math.max(0, view.limit - view.busy.length));
const settled = (view: StepView) => !view.failure && view.done.length === view.apps.length;
const needsApproval = (input: PromotionInput, view: StepView) =>
  input.steps[view.index].approval !== undefined && !input.approved.includes(view.index);

export function nextAction(input: PromotionInput): PromotionAction {
  for (const view of viewSteps(input)) {
    if (settled(view)) continue;
    if (view.failure) return { kind: 'failed', step: view.index, ...view.failure };
    const apps = batch(view);
    if (apps.length === 0) return { kind: 'wait', step: view.index };
    return { kind: needsApproval(input, view) ? 'await-approval' : 'sync', step: view.index, apps };
  }
  return { kind: 'done' };
}

function currentState(input: PromotionInput, view: StepView): StepState {
  const base = { index: view.index, apps: view.apps };
  if (view.failure) return { ...base, state: 'Failed', message: `${view.failure.app}: ${view.failure.reason}` };
  if (needsApproval(input, view) && batch(view).length > 0) {
    const approvers = input.steps[view.index].approval?.approvers ?? [];
    return { ...base, state: 'AwaitingApproval', message: `waits for approval to sync ${short(input.revision)}${approvers.length ? ` (approvers: ${approvers.join(', ')})` : ''}` };
  }
  const parts = [`${view.done.length} of ${view.apps.length} Synced and Healthy at ${short(input.revision)}`];
  if (view.busy.length) parts.push(`in flight: ${view.busy.join(', ')}`);
  const now = batch(view);
  if (now.length) parts.push(`to sync: ${now.join(', ')}`);
  const queued = view.pending.slice(now.length);
  if (queued.length) parts.push(view.limit === 0 ? `maxUpdate is 0, to sync by hand: ${queued.join(', ')}` : `queued (maxUpdate ${view.limit}): ${queued.join(', ')}`);
  // The app's own approval gate holds a sync this promotion asked for.
  const gated = view.busy.some((name) => input.apps.find((a) => a.name === name)?.approvalPending === input.revision);
  return { ...base, state: gated ? 'AwaitingApproval' : 'Progressing', message: parts.join('; ') };
}

/** Each step's state for the set's status: the steps before the current one Healthy, the ones after Waiting. */
export function stepStates(input: PromotionInput): StepState[] {
  let current: number | undefined;
  return viewSteps(input).map((view) => {
    const base = { index: view.index, apps: view.apps };
    if (view.apps.length === 0) return { ...base, state: 'Skipped', message: 'no Application matches this step' };
    if (settled(view)) return { ...base, state: 'Healthy', message: `${view.apps.length} of ${view.apps.length} Synced and Healthy at ${short(input.revision)}` };
    if (current !== undefined) return { ...base, state: 'Waiting', message: `waits for step ${current + 1}` };
    current = view.index;
    return currentState(input, view);
  });
}
