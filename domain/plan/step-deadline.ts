// How long a sync step may wait for its resources to turn Healthy, per resource, so that a hook that never
// finishes fails the sync at a known time, naming itself (issue 14). A Job that sets activeDeadlineSeconds
// (Argo CD's advice for hooks) gets that, counted from the step's start, plus a grace for the Job controller to
// mark it failed first; everything else gets the app's spec.syncPolicy.stepTimeout, or DEFAULT_STEP_TIMEOUT.
// The deadline is counted from the step's start as the sync workflow recorded it, so a retried or resumed
// wait (a worker killed mid-step) keeps the same deadline instead of starting its clock again.
import { parseDuration } from '../duration';

/** Without spec.syncPolicy.stepTimeout: long enough for a slow rollout, far below the old 2.5 h of retries. */
export const DEFAULT_STEP_TIMEOUT = '15m';
/** The most a step may be given: well within the wait activity's 8 attempts of up to 30 minutes each. */
export const MAX_STEP_TIMEOUT_MS = 2 * 3_600_000;
/** Time for the Job controller to mark a Job past its activeDeadlineSeconds Failed (then it is Degraded). */
export const ACTIVE_DEADLINE_GRACE_MS = 30_000;

export interface WaitedResource {
  subject: string;
  kind: string;
  /** Job hooks only: spec.activeDeadlineSeconds, when set. */
  activeDeadlineSeconds?: number;
}

export interface ResourceDeadline {
  subject: string;
  /** Epoch milliseconds after which the step fails while this resource is not Healthy. */
  at: number;
  /** What set it, for the failure message. */
  because: string;
}

export function stepTimeoutMs(stepTimeout: string | undefined): number {
  return parseDuration(stepTimeout ?? DEFAULT_STEP_TIMEOUT) ?? parseDuration(DEFAULT_STEP_TIMEOUT)!;
}

export function resourceDeadlines(stepStartedAt: number, resources: WaitedResource[], stepTimeout: string | undefined): ResourceDeadline[] {
  const timeout = stepTimeoutMs(stepTimeout);
  const source = stepTimeout ? 'spec.syncPolicy.stepTimeout' : 'the default step timeout';
  return resources.map((r) => {
    const seconds = r.kind === 'Job' ? r.activeDeadlineSeconds : undefined;
    if (seconds !== undefined && Number.isFinite(seconds) && seconds > 0) {
      return { subject: r.subject, at: stepStartedAt + seconds * 1000 + ACTIVE_DEADLINE_GRACE_MS, because: `its activeDeadlineSeconds of ${seconds}` };
    }
    return { subject: r.subject, at: stepStartedAt + timeout, because: `${source} of ${formatMs(timeout)}` };
  });
}

/** The resources still waiting whose deadline has passed at `now`, first to expire first. */
export function expired(deadlines: ResourceDeadline[], waiting: Set<string>, now: number): ResourceDeadline[] {
  return deadlines.filter((d) => waiting.has(d.subject) && now > d.at).sort((a, b) => a.at - b.at);
}

/** The failure message: what did not finish, within what, and what it still is. */
export function deadlineMessage(overdue: ResourceDeadline[], health: (subject: string) => string, phase: string): string {
  const first = overdue[0];
  const kind = phase === 'Sync' ? 'resource' : `${phase} hook`;
  const more = overdue.length > 1 ? ` (and ${overdue.length - 1} more: ${overdue.slice(1, 4).map((d) => d.subject).join(', ')})` : '';
  return `${kind} ${first.subject} did not become Healthy within ${first.because} (it is ${health(first.subject)})${more}`;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
