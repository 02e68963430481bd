// Leader election on a Lease, table by table: acquire, renew, wait out another holder, take over an expired
// lease, stop at the renew deadline, hand the lease back; and a simulation of two candidates sharing one Lease
// (with resourceVersion conflicts and a partition) in which two leaders never overlap.
import {
  DEFAULT_TIMING, ElectionAction, ElectionConfig, ElectionEvent, ElectionState, initialElectionState, LeaseSpec, microTime, next, timingProblem,
} from '../../../domain/leader/election';

const ME = 'worker-a_101';
const OTHER = 'worker-b_202';
const config: ElectionConfig = { identity: ME, ...DEFAULT_TIMING };
const T0 = Date.parse('2030-01-01T00:00:00Z');
const held = (holder: string, renewedAt = T0, fields: Partial<LeaseSpec> = {}): LeaseSpec => ({
  holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: microTime(T0 - 60_000), renewTime: microTime(renewedAt), leaseTransitions: 3, ...fields,
});
const kinds = (actions: ElectionAction[]) => actions.map((a) => a.type);
const leader = (renewedAt = T0, spec = held(ME, renewedAt)): ElectionState => ({ leading: true, renewedAt, observed: { spec, at: renewedAt } });
/** Feeds events in order; returns the last transition. */
const run = (state: ElectionState, ...events: ElectionEvent[]) => {
  let t = { state, actions: [] as ElectionAction[] };
  for (const e of events) t = next(config, t.state, e);
  return t;
};

test('microTime has the six fractional digits a Kubernetes MicroTime needs', () => {
  expect(microTime(T0 + 123)).toBe('2030-01-01T00:00:00.123000Z');
});

describe('a candidate', () => {
  test('finds no Lease: creates it as its holder, and leads once the create went through', () => {
    const t = next(config, initialElectionState(), { type: 'observed', now: T0 });
    expect(t.actions).toEqual([{ type: 'create', lease: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 0 } }]);
    expect(t.state.leading).toBe(false);
    const lease = (t.actions[0] as { lease: LeaseSpec }).lease;
    const after = next(config, t.state, { type: 'written', lease, sentAt: T0, now: T0 + 50 });
    expect(kinds(after.actions)).toEqual(['startLeading']);
    expect(after.state).toMatchObject({ leading: true, renewedAt: T0 });
  });

  test.each<[string, number, string[]]>([
    ['just seen', 0, []],
    ['seen unchanged for 14.999 s', 14_999, []],
    ['seen unchanged for the whole lease duration', 15_000, ['update']],
  ])('another holder\'s Lease %s: %j', (_name, elapsed, actions) => {
    const first = next(config, initialElectionState(), { type: 'observed', lease: held(OTHER), now: T0 });
    const t = next(config, first.state, { type: 'observed', lease: held(OTHER), now: T0 + elapsed });
    expect(kinds(t.actions)).toEqual(actions);
    expect(t.state.leading).toBe(false);
  });

  test('expiry counts from when this candidate saw the record change, not from its renewTime (clock skew does not matter)', () => {
    // The holder's clock is an hour behind: its renewTime looks long expired, yet it renews.
    const skewed = (at: number) => held(OTHER, at - 3_600_000);
    let state = initialElectionState();
    for (let t = 0; t <= 60_000; t += 2_000) {
      const step = next(config, state, { type: 'observed', lease: skewed(T0 + t), now: T0 + t });
      expect(step.actions).toEqual([]);
      state = step.state;
    }
    // It stops renewing: the lease is taken a full lease duration after the last change was seen.
    expect(next(config, state, { type: 'observed', lease: skewed(T0 + 60_000), now: T0 + 74_999 }).actions).toEqual([]);
    expect(kinds(next(config, state, { type: 'observed', lease: skewed(T0 + 60_000), now: T0 + 75_000 }).actions)).toEqual(['update']);
  });

  test('the Lease\'s own leaseDurationSeconds is what another candidate waits (a released lease says 1)', () => {
    const first = next(config, initialElectionState(), { type: 'observed', lease: held(OTHER, T0, { leaseDurationSeconds: 60 }), now: T0 });
    expect(next(config, first.state, { type: 'observed', lease: held(OTHER, T0, { leaseDurationSeconds: 60 }), now: T0 + 59_999 }).actions).toEqual([]);
  });

  test('takes an expired Lease: holder, acquireTime and renewTime are its own, the transition is counted', () => {
    const first = next(config, initialElectionState(), { type: 'observed', lease: held(OTHER), now: T0 });
    const t = next(config, first.state, { type: 'observed', lease: held(OTHER), now: T0 + 20_000 });
    expect(t.actions).toEqual([{ type: 'update', lease: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: microTime(T0 + 20_000), renewTime: microTime(T0 + 20_000), leaseTransitions: 4 } }]);
  });

  test.each<[string, LeaseSpec]>([
    ['a Lease handed back (no holder)', held('', T0, { leaseDurationSeconds: 1 })],
    ['a Lease with no holder field', { leaseTransitions: 2 }],
    ['its own Lease from before a restart (same pod, same pid)', held(ME)],
  ])('takes %s at once', (_name, lease) => {
    expect(kinds(next(config, initialElectionState(), { type: 'observed', lease, now: T0 }).actions)).toEqual(['update']);
  });

  test('a write that lost the race (a conflict) leaves it a candidate', () => {
    const t = run(initialElectionState(), { type: 'observed', now: T0 }, { type: 'failed', now: T0 + 10 });
    expect(t).toEqual({ state: { leading: false }, actions: [] });
  });
});

describe('a leader', () => {
  test('renews: same acquireTime and transitions, a new renewTime', () => {
    const t = next(config, leader(), { type: 'observed', lease: held(ME), now: T0 + 2_000 });
    expect(t.actions).toEqual([{ type: 'update', lease: { ...held(ME), renewTime: microTime(T0 + 2_000) } }]);
    expect(t.state.leading).toBe(true);
    const after = next(config, t.state, { type: 'written', lease: (t.actions[0] as { lease: LeaseSpec }).lease, sentAt: T0 + 2_000, now: T0 + 2_100 });
    expect(after.actions).toEqual([]);
    expect(after.state).toMatchObject({ leading: true, renewedAt: T0 + 2_000 });
  });

  test.each<[string, ElectionEvent['type'], number, string[]]>([
    ['a failed renewal 9.999 s after the last one', 'failed', 9_999, []],
    ['a failed renewal 10 s after the last one', 'failed', 10_000, ['stopLeading']],
    ['the deadline timer 9.999 s after the last renewal', 'tick', 9_999, []],
    ['the deadline timer at the renew deadline', 'tick', 10_000, ['stopLeading']],
  ])('%s: %j', (_name, type, elapsed, actions) => {
    const t = next(config, leader(), { type, now: T0 + elapsed } as ElectionEvent);
    expect(kinds(t.actions)).toEqual(actions);
    expect(t.state.leading).toBe(actions.length === 0);
  });

  test('stops at the renew deadline, before another candidate may take the lease', () => {
    expect(timingProblem(DEFAULT_TIMING)).toBeUndefined();
    expect(DEFAULT_TIMING.renewDeadlineMs).toBeLessThan(DEFAULT_TIMING.leaseDurationMs);
  });

  test('sees another holder on a valid lease: stops at once, writes nothing', () => {
    const t = next(config, leader(), { type: 'observed', lease: held(OTHER, T0 + 1_000), now: T0 + 2_000 });
    expect(t.actions).toEqual([{ type: 'stopLeading', reason: `the lease is held by ${OTHER}` }]);
  });

  test('finds the Lease deleted: stops, and creates it anew', () => {
    expect(kinds(next(config, leader(), { type: 'observed', now: T0 + 2_000 }).actions)).toEqual(['stopLeading', 'create']);
  });

  test('a renewal whose write took longer than the renew deadline does not keep it leading', () => {
    const t = next(config, leader(), { type: 'written', lease: held(ME, T0 + 2_000), sentAt: T0 + 2_000, now: T0 + 12_000 });
    expect(kinds(t.actions)).toEqual(['stopLeading']);
    const candidate = next(config, initialElectionState(), { type: 'written', lease: held(ME, T0), sentAt: T0, now: T0 + 10_000 });
    expect(candidate).toMatchObject({ state: { leading: false }, actions: [] });
  });

  test('hands the Lease back on shutdown (no holder, 1 s), and stops; a candidate has nothing to hand back', () => {
    const t = next(config, leader(), { type: 'release', now: T0 + 5_000 });
    expect(t.actions).toEqual([
      { type: 'stopLeading', reason: 'shutting down' },
      { type: 'update', lease: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(T0 + 5_000), renewTime: microTime(T0 + 5_000), leaseTransitions: 3 } },
    ]);
    expect(next(config, initialElectionState(), { type: 'release', now: T0 }).actions).toEqual([]);
  });
});

test.each<[Partial<typeof DEFAULT_TIMING>, string | undefined]>([
  [{}, undefined],
  [{ renewDeadlineMs: 15_000 }, 'the lease duration must be longer than the renew deadline'],
  [{ retryPeriodMs: 9_000 }, 'the renew deadline must be longer than 1.2 × the retry period'],
  [{ retryPeriodMs: 0 }, 'the retry period must be positive'],
  [{ leaseDurationMs: 15_500 }, 'the lease duration must be whole seconds (a Lease records seconds)'],
])('timing %j: %s', (timing, problem) => {
  expect(timingProblem({ ...DEFAULT_TIMING, ...timing })).toBe(problem);
});

/**
 * Two candidates and one Lease with a resourceVersion, stepped every 100 ms: each candidate tries every retry
 * period (read, then write if the machine says so; a stale write is a conflict), and checks its deadline every step.
 * Candidate A is cut off from the API server for a while. At no step may both lead.
 */
describe('two candidates sharing one Lease', () => {
  const simulate = (partition: { from: number; to: number }, offsetB: number) => {
    let store: { spec: LeaseSpec; rv: number } | undefined;
    const candidates = ['A', 'B'].map((name, i) => ({ name, config: { identity: name, ...DEFAULT_TIMING }, state: initialElectionState(), nextTry: i * offsetB }));
    const leadingAt: Array<{ t: number; leaders: string[] }> = [];
    for (let t = 0; t <= 60_000; t += 100) {
      for (const c of candidates) {
        const cut = c.name === 'A' && t >= partition.from && t < partition.to;
        const feed = (e: ElectionEvent) => {
          const step = next(c.config, c.state, e);
          c.state = step.state;
          return step.actions;
        };
        feed({ type: 'tick', now: t });
        if (t < c.nextTry) continue;
        c.nextTry = t + DEFAULT_TIMING.retryPeriodMs;
        if (cut) {
          feed({ type: 'failed', now: t });
          continue;
        }
        const readRv = store?.rv;
        for (const action of feed({ type: 'observed', lease: store?.spec, now: t })) {
          if (action.type !== 'create' && action.type !== 'update') continue;
          if (store?.rv !== readRv || (action.type === 'create' && store)) feed({ type: 'failed', now: t });
          else {
            store = { spec: action.lease, rv: (readRv ?? 0) + 1 };
            feed({ type: 'written', lease: action.lease, sentAt: t, now: t });
          }
        }
      }
      leadingAt.push({ t, leaders: candidates.filter((c) => c.state.leading).map((c) => c.name) });
    }
    return leadingAt;
  };

  test.each([
    [{ from: 10_000, to: 40_000 }, 0],
    [{ from: 10_000, to: 40_000 }, 700],
    [{ from: 5_100, to: 5_300 }, 1_300],
    [{ from: 0, to: 0 }, 100],
  ])('A cut off during %j, B offset %i ms: never two leaders; a cut longer than the lease moves leadership to B', (partition, offsetB) => {
    const timeline = simulate(partition, offsetB);
    expect(timeline.filter((s) => s.leaders.length > 1)).toEqual([]);
    expect(timeline.find((s) => s.t === 1_000)?.leaders).toEqual(['A']);
    const longCut = partition.to - partition.from > DEFAULT_TIMING.leaseDurationMs;
    const during = timeline.filter((s) => s.t >= partition.from + 20_000 && s.t < partition.to).map((s) => s.leaders.join());
    if (longCut) {
      expect(new Set(during)).toEqual(new Set(['B']));
      // A stopped within the renew deadline (plus a retry) of the cut; B took over after the lease lapsed.
      const aStopped = timeline.find((s) => s.t > partition.from && !s.leaders.includes('A'))!.t;
      const bStarted = timeline.find((s) => s.leaders.includes('B'))!.t;
      expect(aStopped - partition.from).toBeLessThanOrEqual(DEFAULT_TIMING.renewDeadlineMs);
      expect(bStarted).toBeGreaterThanOrEqual(partition.from + DEFAULT_TIMING.renewDeadlineMs);
    } else {
      expect(timeline.every((s) => s.t < 1_000 || s.leaders.join() === 'A')).toBe(true);
    }
  });
});
