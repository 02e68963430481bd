// Whether a refresh writes the Application's status: only when what it computed differs from what the CR
// already says, so a refresh that finds nothing changed makes no write (issue 11). Volatile fields do not
// count: a condition's lastTransitionTime is carried over while the condition stands, and reconciledAt is
// written with every real change and otherwise at most every RECONCILED_AT_HEARTBEAT_MS, so a stale
// reconciledAt (older than that plus the refresh interval) still tells that nobody reconciles the app.
import { sameContent } from '../same-content';

export const RECONCILED_AT_HEARTBEAT_MS = 10 * 60_000;

type Status = Record<string, unknown>;
interface Condition {
  type?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The conditions to write: one that already stands with the same type and message keeps its transition time. */
export function carryTransitionTimes(current: Condition[] | undefined, next: Condition[]): Condition[] {
  return next.map((c) => {
    const standing = (current ?? []).find((o) => o.type === c.type && o.message === c.message);
    return standing?.lastTransitionTime ? { ...c, lastTransitionTime: standing.lastTransitionTime } : c;
  });
}

/**
 * The merge patch a refresh should send, or undefined for none. `next` holds the fields the refresh owns
 * (without reconciledAt); only those are compared with `current`, other writers' fields are not its concern.
 */
export function statusPatch(current: Status | undefined, next: Status, now: Date): Status | undefined {
  const patch: Status = { ...next };
  if (Array.isArray(next.conditions)) patch.conditions = carryTransitionTimes(current?.conditions as Condition[] | undefined, next.conditions as Condition[]);
  const changed = Object.keys(patch).some((key) => !sameContent(current?.[key], patch[key]));
  const reconciledAt = Date.parse(String(current?.reconciledAt ?? ''));
  const heartbeatDue = !(now.getTime() - reconciledAt < RECONCILED_AT_HEARTBEAT_MS);
  if (!changed && !heartbeatDue) return undefined;
  return { ...patch, reconciledAt: now.toISOString() };
}
