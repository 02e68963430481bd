// The app workflow's decisions, table by table: when to auto-sync, retry, self-heal, supersede and settle.
import { ApplicationSpec } from '../../../domain/application/types';
import { AppEvent, CarriedState, initialState, LONG_RUN_EVENTS, next, nextWakeMs, Operation, refuseRollback, refuseSync, RUN_EVENTS_BEFORE_CONTINUE, runIsLong } from '../../../domain/operation/machine';
import { AppRef, RefreshResult } from '../../../domain/operation/types';

const app: AppRef = { group: 'sluice.dev', namespace: 'team', name: 'web' };
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const T0 = 1_000_000;
const spec = (syncPolicy: ApplicationSpec['syncPolicy'] = {}): ApplicationSpec => ({ source: { repoURL: 'http://git/app.git', path: 'app' }, destination: { namespace: 'app' }, syncPolicy });
const auto = spec({ automated: { prune: true } });
const heal = spec({ automated: { selfHeal: true } });

const refresh = (result: Partial<RefreshResult> = {}, s: ApplicationSpec = auto): RefreshResult => ({
  exists: true, uid: 'u1', spec: s, revision: A, syncStatus: 'OutOfSync', health: 'Healthy', managedKinds: [], desiredCount: 1, ...result,
});
const refreshed = (result: RefreshResult, requests: Operation[] = [], now = T0): AppEvent => ({ type: 'refreshed', app, result, now, requests, nextId: '9-auto0000' });
const manual = (fields: Partial<Operation> = {}): Operation => ({ id: '1-manual00', prune: false, requireApproval: false, initiatedBy: { username: 'alice', automated: false }, attempt: 1, ...fields });
const kinds = (actions: { type: string }[]) => actions.map((a) => a.type);

describe('after a refresh', () => {
  test.each<[string, Partial<CarriedState>, Partial<RefreshResult>, ApplicationSpec, string[], string | undefined]>([
    ['OutOfSync with auto-sync: a sync of the refreshed revision', {}, {}, auto, ['start'], A],
    ['Synced: nothing', { lastSyncedRevision: A, deployedRevision: A }, { syncStatus: 'Synced' }, auto, [], undefined],
    ['no automated policy: nothing', {}, {}, spec(), [], undefined],
    ['a revision that failed is never auto-synced again', { failedRevision: A }, {}, auto, [], undefined],
    ['drift on the synced revision without selfHeal: nothing', { lastSyncedRevision: A, deployedRevision: A }, {}, auto, [], undefined],
    ['drift on the synced revision with selfHeal: healed', { lastSyncedRevision: A, deployedRevision: A }, {}, heal, ['start'], A],
    ['an invalid spec: nothing', {}, { invalid: 'spec.source: missing' }, auto, [], undefined],
    ['a source that could not be compared: nothing (never a sync of an unknown revision)', {}, { comparisonError: 'repository unreachable', revision: undefined, syncStatus: 'Unknown' }, auto, [], undefined],
    ['prune with an empty render and no allowEmpty: blocked', {}, { desiredCount: 0 }, auto, [], undefined],
    ['an empty render with allowEmpty: synced', {}, { desiredCount: 0 }, spec({ automated: { prune: true, allowEmpty: true } }), ['start'], A],
    ['a retry waiting out its back-off: nothing yet', { retry: { revision: A, failures: 1, nextAt: T0 + 5_000 } }, {}, auto, [], undefined],
    ['a retry that is due: the next attempt', { retry: { revision: A, failures: 1, nextAt: T0 - 1 } }, {}, auto, ['start'], A],
    ['a newer revision supersedes a retry waiting out its back-off', { retry: { revision: B, failures: 1, nextAt: T0 + 3_600_000 } }, {}, auto, ['start'], A],
  ])('%s', (_name, state, result, s, actions, revision) => {
    const t = next({ ...initialState(), ...state }, refreshed(refresh(result, s)), s);
    expect(kinds(t.actions)).toEqual(actions);
    const start = t.actions.find((a) => a.type === 'start');
    expect(start && 'revision' in start ? start.revision : undefined).toBe(revision);
    if (start) expect(t.state.running).toMatchObject({ revision, workflowId: 'sluice-sync/team/web/9-auto0000' });
  });

  test('the attempt number counts failures of the same revision', () => {
    const t = next({ ...initialState(), retry: { revision: A, failures: 2, nextAt: T0 - 1 } }, refreshed(refresh()), auto);
    expect(t.actions[0]).toMatchObject({ type: 'start', operation: { attempt: 3 } });
  });

  test('self-heal backs off: 5s, 10s, 20s ... capped at 3m, per revision', () => {
    let state: CarriedState = { ...initialState(), lastSyncedRevision: A, deployedRevision: A };
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const now = state.selfHeal?.nextAt ?? T0;
      const t = next(state, refreshed(refresh({}, heal), [], now), heal);
      expect(kinds(t.actions)).toEqual(['start']);
      waits.push(t.state.selfHeal!.nextAt - now);
      // Too early for the next heal: nothing.
      expect(kinds(next({ ...t.state, running: undefined }, refreshed(refresh({}, heal), [], now + 1), heal).actions)).toEqual([]);
      state = { ...t.state, running: undefined };
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 180_000, 180_000]);
  });

  test('the allowEmpty guard says why auto-sync holds back', () => {
    expect(next(initialState(), refreshed(refresh({ desiredCount: 0 })), auto).autoSyncBlocked).toMatch(/allowEmpty is false/);
  });

  test('a newer revision supersedes a running automated sync (a pending approval), never a manual one or one being terminated', () => {
    const running = (initiatedBy: Operation['initiatedBy'], terminating?: { by: string }) => ({ ...initialState(), running: { operation: manual({ initiatedBy }), revision: B, workflowId: 'w', terminating } });
    expect(next(running({ username: 'auto', automated: true }), refreshed(refresh()), auto).actions).toEqual([{ type: 'supersede', workflowId: 'w', revision: A }]);
    expect(next(running({ username: 'alice', automated: false }), refreshed(refresh()), auto).actions).toEqual([]);
    expect(next(running({ username: 'auto', automated: true }, { by: 'bob' }), refreshed(refresh()), auto).actions).toEqual([]);
  });

  test.each<[string, Partial<RefreshResult>, Partial<Operation>, string | RegExp]>([
    ['starts at the refreshed revision', {}, {}, A],
    ['starts at an explicit revision, resolved', { resolved: { main: { sha: B } } }, { revision: 'main' }, B],
    ['is answered when its explicit revision cannot be resolved', { resolved: { v9: { error: 'revision v9 not found' } } }, { revision: 'v9' }, /revision v9 cannot be resolved: revision v9 not found/],
    ['is answered when the source could not be compared', { comparisonError: 'repository unreachable', revision: undefined }, {}, /could not compare \(ComparisonError: repository unreachable\)/],
    ['is answered when the spec is invalid', { invalid: 'spec.destination: bad' }, {}, /invalid: spec.destination: bad/],
  ])('a manual request %s', (_name, result, request, expected) => {
    const t = next(initialState(), refreshed(refresh(result, spec()), [manual(request)]), spec());
    if (typeof expected === 'string') expect(t.actions).toEqual([expect.objectContaining({ type: 'start', revision: expected })]);
    else expect(t.actions).toEqual([expect.objectContaining({ type: 'drop', reason: expect.stringMatching(expected) })]);
    expect(t.state.operations).toBe(typeof expected === 'string' ? 1 : 0);
  });

  test('a manual request comes before auto-sync, and a second one in the same turn is answered, not dropped silently', () => {
    const t = next(initialState(), refreshed(refresh(), [manual(), manual({ id: '2-manual00' })]), auto);
    expect(t.actions).toEqual([
      { type: 'drop', operation: expect.objectContaining({ id: '2-manual00' }), reason: 'another operation was requested first' },
      expect.objectContaining({ type: 'start', operation: expect.objectContaining({ id: '1-manual00' }) }),
    ]);
  });

  test('a CR created again under the same name starts afresh', () => {
    const t = next({ ...initialState(), uid: 'old', lastSyncedRevision: A, failedRevision: B, operations: 4 }, refreshed(refresh({ uid: 'new' })), auto);
    expect(t.state.uid).toBe('new');
    expect([t.state.lastSyncedRevision, t.state.failedRevision]).toEqual([undefined, undefined]);
    expect(t.state.operations).toBeGreaterThanOrEqual(4);
    expect(kinds(t.actions)).toEqual(['start']);
  });

  test('notifications: on-health-degraded on the transition only; on-deployed once per revision', () => {
    const degraded = next({ ...initialState(), health: 'Healthy', lastSyncedRevision: A }, refreshed(refresh({ health: 'Degraded', syncStatus: 'Synced' })), auto);
    expect(degraded.actions).toEqual([expect.objectContaining({ type: 'notify', trigger: 'on-health-degraded' })]);
    expect(next(degraded.state, refreshed(refresh({ health: 'Degraded', syncStatus: 'Synced' })), auto).actions).toEqual([]);
    const deployed = next({ ...initialState(), lastSyncedRevision: A }, refreshed(refresh({ syncStatus: 'Synced' })), auto);
    expect(deployed.actions).toEqual([expect.objectContaining({ type: 'notify', trigger: 'on-deployed', revision: A })]);
    expect(next(deployed.state, refreshed(refresh({ syncStatus: 'Synced' })), auto).actions).toEqual([]);
  });
});

describe('when a sync ends', () => {
  const runningState = (operation: Partial<Operation> = {}, extra: Partial<CarriedState['running']> = {}): CarriedState => ({
    ...initialState(), running: { operation: manual({ initiatedBy: { username: 'auto', automated: true }, ...operation }), revision: A, workflowId: 'w', ...extra },
  });
  const ended = (outcome: 'Succeeded' | 'Failed' | 'Terminated' | 'Rejected' | 'Superseded', recorded = true, message = 'm', failure?: string): AppEvent => ({ type: 'finished', operationId: '1-manual00', outcome, message, recorded, now: T0, ...(failure ? { failure } : {}) });
  const forbidden = ended('Failed', true, 'permission denied: configmaps "c" is forbidden', 'PermissionDenied');

  test.each<[string, CarriedState, AppEvent, ApplicationSpec, Partial<CarriedState>]>([
    ['Succeeded: history grows, the revision is synced', runningState(), ended('Succeeded'), auto, { lastSyncedRevision: A, history: [{ id: 0, revision: A }] }],
    ['Failed, automated, default limit 5: a retry in 5s', runningState(), ended('Failed'), auto, { retry: { revision: A, failures: 1, nextAt: T0 + 5_000, manual: undefined } }],
    ['Failed on the 6th attempt: given up', runningState({ attempt: 6 }), ended('Failed'), auto, { retry: undefined, failedRevision: A }],
    ['Failed, manual, no retry block: given up', runningState({ initiatedBy: { username: 'alice', automated: false } }), ended('Failed'), spec(), { failedRevision: A }],
    ['Failed, manual, with a retry block: the manual operation is retried', runningState({ initiatedBy: { username: 'alice', automated: false } }), ended('Failed'), spec({ retry: { limit: 2 } }), { retry: expect.objectContaining({ manual: expect.objectContaining({ revision: A, initiatedBy: { username: 'alice', automated: false } }) }) }],
    ['Failed by another kind of failure (a manifest the API rejects): retried as any failure', runningState(), ended('Failed', true, 'm', 'InvalidManifest'), auto, { retry: expect.objectContaining({ revision: A, failures: 1 }) }],
    ['Forbidden by the API server, automated, default limit 5: not retried, never auto-synced again', runningState(), forbidden, auto, { retry: undefined, failedRevision: A, lastOutcome: expect.objectContaining({ failure: 'PermissionDenied' }) }],
    ['Forbidden, with an unlimited retry policy: still not retried', runningState(), forbidden, spec({ automated: {}, retry: { limit: -1 } }), { retry: undefined, failedRevision: A }],
    ['Forbidden, manual, with a retry block: not retried', runningState({ initiatedBy: { username: 'alice', automated: false } }), forbidden, spec({ retry: { limit: 2 } }), { retry: undefined, failedRevision: A }],
    ['Rejected: never auto-synced again', runningState(), ended('Rejected'), auto, { failedRevision: A }],
    ['Superseded: nothing held against the revision', runningState(), ended('Superseded'), auto, { lastOutcome: { outcome: 'Superseded', revision: A, message: 'm' } }],
  ])('%s', (_name, state, event, s, expected) => {
    const t = next(state, event, s);
    expect(t.state.running).toBeUndefined();
    expect(t.state).toMatchObject(expected);
    if (event.type === 'finished' && ['Succeeded', 'Superseded'].includes(event.outcome)) expect([t.state.failedRevision, t.state.retry]).toEqual([undefined, undefined]);
  });

  test('an end for another operation is ignored (a late duplicate)', () => {
    const state = runningState({ id: '7-other000' });
    expect(next(state, ended('Failed'), auto)).toEqual({ state, actions: [] });
  });

  test('a sync that could not record its end gets it recorded; terminate-op names who terminated and how', () => {
    const failed = next(runningState(), ended('Failed', false, 'the sync workflow failed: boom'), auto);
    expect(failed.actions).toEqual([{ type: 'record', operation: expect.objectContaining({ id: '1-manual00' }), revision: A, message: 'the sync workflow failed: boom' }]);
    const escalated = next(runningState({}, { terminating: { by: 'bob', escalated: true } }), ended('Terminated', false, 'terminated'), auto);
    expect(escalated.state.lastOutcome).toEqual({ outcome: 'Terminated', revision: A, message: expect.stringMatching(/^terminated by bob: the sync did not stop within 30s/) });
    expect(escalated.state.failedRevision).toBe(A);
    const cancelled = next(runningState({}, { terminating: { by: 'bob' } }), ended('Terminated', true, 'the operation was terminated'), auto);
    expect(cancelled.state.lastOutcome?.message).toBe('terminated by bob: the operation was terminated');
    expect(cancelled.actions).toEqual([]);
  });
});

test('the next wake is the interval, or sooner when a retry or self-heal is due', () => {
  expect(nextWakeMs(initialState(), T0, 180_000)).toBe(180_000);
  expect(nextWakeMs({ ...initialState(), retry: { revision: A, failures: 1, nextAt: T0 + 5_000 } }, T0, 180_000)).toBe(5_001);
  expect(nextWakeMs({ ...initialState(), selfHeal: { revision: A, attempts: 1, nextAt: T0 - 5 } }, T0, 180_000)).toBe(180_000);
});

describe('runIsLong: when an app workflow run continues as new', () => {
  test.each([
    ['a new run', { suggested: false, events: 12, refreshes: 1 }, RUN_EVENTS_BEFORE_CONTINUE, undefined, false],
    ['one event short of the bound', { suggested: false, events: RUN_EVENTS_BEFORE_CONTINUE - 1, refreshes: 80 }, RUN_EVENTS_BEFORE_CONTINUE, undefined, false],
    ['at the bound', { suggested: false, events: RUN_EVENTS_BEFORE_CONTINUE, refreshes: 80 }, RUN_EVENTS_BEFORE_CONTINUE, undefined, true],
    ['a run from before the patch, short of its bound', { suggested: false, events: LONG_RUN_EVENTS - 1, refreshes: 80 }, LONG_RUN_EVENTS, undefined, false],
    ['a run from before the patch, at its bound', { suggested: false, events: LONG_RUN_EVENTS, refreshes: 650 }, LONG_RUN_EVENTS, undefined, true],
    ['Temporal suggests it', { suggested: true, events: 30, refreshes: 2 }, RUN_EVENTS_BEFORE_CONTINUE, undefined, true],
    ['the refreshes a test asks for', { suggested: false, events: 30, refreshes: 2 }, RUN_EVENTS_BEFORE_CONTINUE, 2, true],
    ['fewer refreshes than asked for', { suggested: false, events: 30, refreshes: 1 }, RUN_EVENTS_BEFORE_CONTINUE, 2, false],
  ])('%s', (_, run, bound, after, expected) => {
    expect(runIsLong(run, bound, after)).toBe(expected);
  });
});

describe('requests refused before they reach history', () => {
  const last = refresh();
  test.each<[string, Parameters<typeof refuseSync>[0], Parameters<typeof refuseSync>[1], RegExp | undefined]>([
    ['accepted', { state: initialState(), last, queued: 0 }, { initiatedBy: 'alice' }, undefined],
    ['nobody named', { state: initialState(), last, queued: 0 }, {}, /must name who/],
    ['busy running', { state: { ...initialState(), running: { operation: manual(), revision: A, workflowId: 'sluice-sync/x' } }, last, queued: 0 }, { initiatedBy: 'alice' }, /already in progress \(sluice-sync\/x\)/],
    ['busy running, the caller waiting for it to end first: the rest still decides', { state: { ...initialState(), running: { operation: manual(), revision: A, workflowId: 'sluice-sync/x' } }, last, queued: 0, exceptRunning: true }, { initiatedBy: 'alice' }, undefined],
    ['busy running, waited for, and broken besides', { state: { ...initialState(), running: { operation: manual(), revision: A, workflowId: 'sluice-sync/x' } }, last: refresh({ invalid: 'spec.source: required' }), queued: 0, exceptRunning: true }, { initiatedBy: 'alice' }, /invalid: spec.source/],
    ['busy starting, even while waiting for a running one', { state: initialState(), last, queued: 1, exceptRunning: true }, { initiatedBy: 'alice' }, /already in progress \(requested, starting\)/],
    ['busy starting', { state: initialState(), last, queued: 1 }, { initiatedBy: 'alice' }, /already in progress/],
    ['not refreshed yet: accepted, and answered after the first refresh', { state: initialState(), queued: 0 }, { initiatedBy: 'alice' }, undefined],
    ['the CR is gone', { state: initialState(), last: refresh({ exists: false }), queued: 0 }, { initiatedBy: 'alice' }, /does not exist/],
    ['could not compare, no revision named', { state: initialState(), last: refresh({ comparisonError: 'unreachable', revision: undefined }), queued: 0 }, { initiatedBy: 'alice' }, /could not compare \(ComparisonError: unreachable\)/],
    ['could not compare, a revision named: accepted (it is resolved before anything starts)', { state: initialState(), last: refresh({ comparisonError: 'unreachable' }), queued: 0 }, { initiatedBy: 'alice', revision: 'v1' }, undefined],
  ])('sync: %s', (_name, view, request, expected) => {
    const reason = refuseSync(view, request);
    if (expected) expect(reason).toMatch(expected);
    else expect(reason).toBeUndefined();
  });

  test('rollback: refused while automated, for an unknown id, or while busy', () => {
    const state = { ...initialState(), history: [{ id: 0, revision: A }] };
    expect(refuseRollback({ state, last, spec: spec(), queued: 0 }, { id: 0, initiatedBy: 'alice' })).toBeUndefined();
    expect(refuseRollback({ state, last, spec: auto, queued: 0 }, { id: 0, initiatedBy: 'alice' })).toMatch(/auto-sync is enabled/);
    expect(refuseRollback({ state, last, spec: spec(), queued: 0 }, { id: 3, initiatedBy: 'alice' })).toMatch(/history id 3 not found \(known: 0\)/);
    expect(refuseRollback({ state, last, spec: spec(), queued: 1 }, { id: 0, initiatedBy: 'alice' })).toMatch(/in progress/);
    // While a sync runs, the entry it will add is not known yet: the caller waits for it, then decides in full.
    const running = { ...state, running: { operation: manual(), revision: A, workflowId: 'sluice-sync/x' } };
    expect(refuseRollback({ state: running, last, spec: spec(), queued: 0, exceptRunning: true }, { id: 1, initiatedBy: 'alice' })).toBeUndefined();
    expect(refuseRollback({ state: running, last, spec: spec(), queued: 0 }, { id: 1, initiatedBy: 'alice' })).toMatch(/already in progress/);
    expect(refuseRollback({ state: running, last, spec: auto, queued: 0, exceptRunning: true }, { id: 1, initiatedBy: 'alice' })).toMatch(/auto-sync is enabled/);
  });
});
