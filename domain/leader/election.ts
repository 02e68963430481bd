// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does it (the one
// controller-runtime, Flux and Argo CD's ApplicationSet controller use), as a pure state machine:
// `next(config, state, event) → { state, actions }`. The loop in worker/leader-election.ts reads the Lease, feeds
// what it saw here, and carries out the writes (with the resourceVersion it read: optimistic concurrency) and the
// start and stop of the leader-only loops.
//
// Times are the candidate's own clock, never compared with another's: a lease held by someone else expires
// `leaseDurationSeconds` after this candidate last SAW it change (client-go's observedTime), so clock skew between
// replicas does not matter, only their clock rates. A leader that has not renewed for `renewDeadline` stops leading
// on its own; renewDeadline < leaseDuration, so it has stopped before any other candidate may take the lease.

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  /** RFC 3339 with microseconds (a MicroTime). */
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

export interface ElectionConfig {
  /** This candidate: pod (or host) name and pid. */
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** controller-runtime's defaults. */
export const DEFAULT_TIMING: Readonly<Pick<ElectionConfig, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>> = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface ElectionState {
  leading: boolean;
  /** The Lease as last read or written, and when this candidate first saw it so: what expiry is measured from. */
  observed?: { spec: LeaseSpec; at: number };
  /** When the last successful renewal (or acquisition) was sent. */
  renewedAt?: number;
}

export type ElectionEvent =
  /** The Lease as read; `lease` undefined when there is none. */
  | { type: 'observed'; lease?: LeaseSpec; now: number }
  /**
   * The write an action asked for went through. A renewal counts from `sentAt`, when it was sent (the conservative
   * end of its flight: the others measure from when they see it, which is later).
   */
  | { type: 'written'; lease: LeaseSpec; sentAt: number; now: number }
  /** A read or write failed: the API server unreachable, a timeout, or a conflict (someone wrote first). */
  | { type: 'failed'; now: number }
  /** Time passes: a leader checks its renew deadline. */
  | { type: 'tick'; now: number }
  /** Shutting down: a leader hands the Lease back so another candidate need not wait for it to expire. */
  | { type: 'release'; now: number };

export type ElectionAction =
  | { type: 'create'; lease: LeaseSpec }
  | { type: 'update'; lease: LeaseSpec }
  | { type: 'startLeading' }
  | { type: 'stopLeading'; reason: string };

export interface Transition {
  state: ElectionState;
  actions: ElectionAction[];
}

export const initialElectionState = (): ElectionState => ({ leading: false });

/** A Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Whether two specs are the same record (client-go compares the raw record). */
function sameRecord(a: LeaseSpec | undefined, b: LeaseSpec): boolean {
  if (!a) return false;
  const fields: Array<keyof LeaseSpec> = ['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'];
  return fields.every((f) => (a[f] ?? null) === (b[f] ?? null));
}

/** When the observed holder's claim lapses, by this candidate's clock. */
export function expiresAt(config: ElectionConfig, observed: { spec: LeaseSpec; at: number }): number {
  const seconds = observed.spec.leaseDurationSeconds;
  return observed.at + (seconds && seconds > 0 ? seconds * 1000 : config.leaseDurationMs);
}

/** The configuration problem, if any: the renew deadline must end before the lease does, and leave room for retries. */
export function timingProblem(t: Pick<ElectionConfig, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>): string | undefined {
  if (!(t.retryPeriodMs > 0)) return 'the retry period must be positive';
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) return 'the lease duration must be longer than the renew deadline';
  // client-go: RenewDeadline > JitterFactor (1.2) × RetryPeriod, so a leader gets at least one retry in.
  if (!(t.renewDeadlineMs > 1.2 * t.retryPeriodMs)) return 'the renew deadline must be longer than 1.2 × the retry period';
  if (t.leaseDurationMs % 1000 !== 0) return 'the lease duration must be whole seconds (a Lease records seconds)';
  return undefined;
}

function stepDown(state: ElectionState, reason: string): Transition {
  return { state: { ...state, leading: false }, actions: state.leading ? [{ type: 'stopLeading', reason }] : [] };
}

function deadlineCheck(config: ElectionConfig, state: ElectionState, now: number): Transition {
  if (state.leading && (state.renewedAt === undefined || now - state.renewedAt >= config.renewDeadlineMs)) {
    return stepDown(state, `the lease was not renewed within the renew deadline (${config.renewDeadlineMs / 1000}s)`);
  }
  return { state, actions: [] };
}

function onObserved(config: ElectionConfig, state: ElectionState, lease: LeaseSpec | undefined, now: number): Transition {
  const ours = (previous?: LeaseSpec): LeaseSpec => ({
    holderIdentity: config.identity, leaseDurationSeconds: config.leaseDurationMs / 1000, renewTime: microTime(now),
    acquireTime: previous?.holderIdentity === config.identity && previous.acquireTime ? previous.acquireTime : microTime(now),
    leaseTransitions: previous?.holderIdentity === config.identity ? previous.leaseTransitions ?? 0 : (previous?.leaseTransitions ?? -1) + 1,
  });
  if (!lease) {
    // Nobody has ever held it (or it was deleted): a leader that finds it gone has lost it, then creates it anew.
    const { state: after, actions } = stepDown(state, 'the lease is gone');
    return { state: after, actions: [...actions, { type: 'create', lease: ours() }] };
  }
  const observed = sameRecord(state.observed?.spec, lease) ? state.observed! : { spec: lease, at: now };
  const seen = { ...state, observed };
  const holder = lease.holderIdentity ?? '';
  if (holder && holder !== config.identity && now < expiresAt(config, observed)) {
    // Someone else holds a lease that has not lapsed: a leader that sees it has lost it, and stops at once.
    return stepDown(seen, `the lease is held by ${holder}`);
  }
  const checked = deadlineCheck(config, seen, now);
  return { state: checked.state, actions: [...checked.actions, { type: 'update', lease: ours(lease) }] };
}

export function next(config: ElectionConfig, state: ElectionState, event: ElectionEvent): Transition {
  switch (event.type) {
    case 'observed':
      return onObserved(config, state, event.lease, event.now);
    case 'written': {
      const written: ElectionState = { ...state, observed: { spec: event.lease, at: event.now } };
      if (event.lease.holderIdentity !== config.identity) return { state: { ...written, leading: false }, actions: [] };
      // A renewal that took longer than the deadline to go through leads nowhere: a leader stops, a candidate does not start.
      if (event.now - event.sentAt >= config.renewDeadlineMs) return deadlineCheck(config, written, event.now);
      return { state: { ...written, renewedAt: event.sentAt, leading: true }, actions: state.leading ? [] : [{ type: 'startLeading' }] };
    }
    case 'failed':
    case 'tick':
      return deadlineCheck(config, state, event.now);
    case 'release': {
      if (!state.leading) return { state, actions: [] };
      const lease: LeaseSpec = {
        holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(event.now), acquireTime: microTime(event.now),
        leaseTransitions: state.observed?.spec.leaseTransitions ?? 0,
      };
      const stopped = stepDown(state, 'shutting down');
      return { state: stopped.state, actions: [...stopped.actions, { type: 'update', lease }] };
    }
  }
}
