// The I/O half of leader election (its rules are domain/leader/election.ts): every retry period this replica reads
// the Lease, feeds it to the machine, and writes what the machine asks with the resourceVersion it read, so of two
// replicas racing for an expired Lease only one write goes through. Listeners hear when this replica starts or
// stops leading. A timer holds a leader to its renew deadline even while a request hangs, and stop() hands the
// Lease back, so the next leader need not wait for it to lapse (a SIGKILLed leader's Lease lapses after
// leaseDuration).
import type { Logger } from 'pino';
import { KubeApiError, KubeClient } from '../activities/cluster/kube-client';
import { metrics } from '../activities/metrics';
import { LeaderElectionSettings } from '../config/leader-election';
import { ElectionAction, ElectionEvent, initialElectionState, LeaseSpec, next } from '../domain/leader/election';

/** Whether this replica runs the leader-only loops now, and a way to hear when that changes. */
export interface Leadership {
  readonly leading: boolean;
  onChange(listener: (leading: boolean) => void): void;
}

/** Leader election turned off: this replica always leads. */
export const ALWAYS_LEADING: Leadership = { leading: true, onChange: () => undefined };

interface LeaseObject {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** A clock that does not jump with the wall clock, in epoch milliseconds. */
const monotonicNow = () => performance.timeOrigin + performance.now();

export class LeaseElector implements Leadership {
  private state = initialElectionState();
  private resourceVersion?: string;
  private readonly listeners: Array<(leading: boolean) => void> = [];
  private readonly kube: KubeClient;
  private loop?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private stopped = false;
  /** The holder last logged, so each new leader is logged once. */
  private reportedHolder?: string;
  private failing = false;

  constructor(kube: KubeClient, private readonly settings: LeaderElectionSettings, private readonly logger: Logger, private readonly now = monotonicNow) {
    // Its requests are counted apart: a renewal every retry period is not a refresh's cost.
    this.kube = new KubeClient(kube.kubeConfig, { observe: (verb, code) => metrics.leaseRequests.inc({ verb, code: String(code) }) });
    metrics.leader.set({ lease: this.describe() }, 0);
  }

  get leading(): boolean {
    return this.state.leading;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** The holder of the Lease as this replica last read or wrote it ('' when handed back). */
  get holder(): string | undefined {
    return this.state.observed?.spec.holderIdentity ?? undefined;
  }

  /** Makes the first attempt (so a worker that finds the Lease free leads before its controllers start), then keeps at it. */
  async start(): Promise<void> {
    this.logger.info({ lease: this.describe(), identity: this.settings.identity }, 'leader election: competing for the lease');
    await this.attempt();
    this.schedule();
  }

  /** Stops competing; a leader stops leading and hands the Lease back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.loop);
    clearTimeout(this.deadline);
    const writes = this.feed({ type: 'release', now: this.now() });
    for (const action of writes) await this.write(action).catch(() => undefined);
  }

  private describe(): string {
    return `${this.settings.namespace}/${this.settings.name}`;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.settings.namespace)}/leases`;
  }

  private schedule(): void {
    if (this.stopped) return;
    // A leader renews every retry period; candidates spread their reads (client-go's jitter factor, 1.2).
    const wait = this.settings.retryPeriodMs * (this.leading ? 1 : 1 + Math.random() * 1.2);
    this.loop = setTimeout(() => void this.attempt().finally(() => this.schedule()), wait);
  }

  /** One round: read, then create or update as the machine says. */
  private async attempt(): Promise<void> {
    let lease: LeaseObject | undefined;
    try {
      lease = await this.kube.request<LeaseObject>('GET', `${this.path}/${encodeURIComponent(this.settings.name)}`, { timeoutMs: this.settings.renewDeadlineMs });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.code === 404)) return this.failed('could not read the lease', error);
    }
    if (this.stopped) return;
    this.failing = false;
    this.resourceVersion = lease?.metadata.resourceVersion;
    // Seen now, after the read returned: another holder's lease lapses a full duration after this moment at the earliest.
    for (const action of this.feed({ type: 'observed', lease: lease ? lease.spec ?? {} : undefined, now: this.now() })) await this.write(action);
  }

  private async write(action: Extract<ElectionAction, { type: 'create' | 'update' }>): Promise<void> {
    const { namespace, name } = this.settings;
    const sentAt = this.now();
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, ...(action.type === 'update' ? { resourceVersion: this.resourceVersion } : {}) }, spec: action.lease };
    try {
      const written = action.type === 'create'
        ? await this.kube.request<LeaseObject>('POST', this.path, { body, timeoutMs: this.settings.renewDeadlineMs })
        : await this.kube.request<LeaseObject>('PUT', `${this.path}/${encodeURIComponent(name)}`, { body, timeoutMs: this.settings.renewDeadlineMs });
      this.resourceVersion = written.metadata.resourceVersion;
      // A renewal that was in flight when stop() handed the Lease back must not make this replica lead again.
      if (this.stopped && action.lease.holderIdentity) return;
      this.feed({ type: 'written', lease: written.spec ?? action.lease, sentAt, now: this.now() });
    } catch (error) {
      // A conflict is another replica writing first: ordinary while several compete, not worth a warning.
      if (error instanceof KubeApiError && error.code === 409) return void this.feed({ type: 'failed', now: this.now() });
      this.failed(`could not ${action.type} the lease`, error);
    }
  }

  private failed(what: string, error: unknown): void {
    if (!this.failing || this.leading) this.logger.warn({ lease: this.describe(), err: String(error), leading: this.leading }, `leader election: ${what}`);
    this.failing = true;
    this.feed({ type: 'failed', now: this.now() });
  }

  /** Runs the machine; carries out starting and stopping at once, and returns the writes for the caller. */
  private feed(event: ElectionEvent): Array<Extract<ElectionAction, { type: 'create' | 'update' }>> {
    const { state, actions } = next(this.settings, this.state, event);
    this.state = state;
    const holder = state.observed?.spec.holderIdentity || undefined;
    if (holder && holder !== this.reportedHolder && holder !== this.settings.identity) this.logger.info({ lease: this.describe(), holder }, 'leader election: another replica leads');
    if (holder) this.reportedHolder = holder;
    const writes: Array<Extract<ElectionAction, { type: 'create' | 'update' }>> = [];
    for (const action of actions) {
      if (action.type === 'startLeading') {
        this.logger.info({ lease: this.describe(), identity: this.settings.identity }, 'leader election: this replica leads; starting the controllers');
        this.changed(true);
      } else if (action.type === 'stopLeading') {
        this.logger.warn({ lease: this.describe(), identity: this.settings.identity, reason: action.reason }, 'leader election: this replica stopped leading; the controllers stop');
        this.changed(false);
      } else writes.push(action);
    }
    this.holdToDeadline();
    return writes;
  }

  private changed(leading: boolean): void {
    metrics.leader.set({ lease: this.describe() }, leading ? 1 : 0);
    for (const listener of this.listeners) listener(leading);
  }

  /** While leading, a tick at the renew deadline: it stops a leader whose renewals hang, at the deadline and not later. */
  private holdToDeadline(): void {
    clearTimeout(this.deadline);
    if (!this.state.leading || this.state.renewedAt === undefined) return;
    const due = this.state.renewedAt + this.settings.renewDeadlineMs - this.now();
    this.deadline = setTimeout(() => void this.feed({ type: 'tick', now: this.now() }), Math.max(0, due));
  }
}
