import { InputError } from '../../../domain/errors';
import { assignSteps, maxUpdate, nextAction, PromotionApp, PromotionInput, stepStates } from '../../../domain/appset/rollout';
import { ApplicationMatchExpression, RollingSyncStep } from '../../../domain/appset/types';

const step = (...matchExpressions: ApplicationMatchExpression[]): RollingSyncStep => ({ matchExpressions });
const envIn = (...values: string[]): ApplicationMatchExpression => ({ key: 'env', operator: 'In', values });
const app = (name: string, labels: Record<string, string>) => ({ name, labels });

describe('assignSteps', () => {
  const apps = [
    app('web-dev', { env: 'dev', tier: 'web' }),
    app('api-dev', { env: 'dev', tier: 'api' }),
    app('web-staging', { env: 'staging', tier: 'web' }),
    app('web-prod', { env: 'prod', tier: 'web' }),
    app('tools', { team: 'ops' }),
  ];

  test.each<[string, RollingSyncStep[], string[][], string[]]>([
    ['In: one value per step, sorted by name in a step', [step(envIn('dev')), step(envIn('staging')), step(envIn('prod'))],
      [['api-dev', 'web-dev'], ['web-staging'], ['web-prod']], ['tools']],
    ['In: any of the values (OR)', [step(envIn('dev', 'staging'))], [['api-dev', 'web-dev', 'web-staging']], ['tools', 'web-prod']],
    ['NotIn: a missing label passes', [step({ key: 'env', operator: 'NotIn', values: ['prod'] })],
      [['api-dev', 'tools', 'web-dev', 'web-staging']], ['web-prod']],
    ['several expressions must all match (AND)', [step(envIn('dev'), { key: 'tier', operator: 'In', values: ['web'] })], [['web-dev']], ['api-dev', 'tools', 'web-prod', 'web-staging']],
    ['NotIn wins over In on the same label', [step(envIn('dev', 'prod'), { key: 'env', operator: 'NotIn', values: ['prod'] })],
      [['api-dev', 'web-dev']], ['tools', 'web-prod', 'web-staging']],
    ['In with an empty values list matches nothing', [step(envIn())], [[]], ['api-dev', 'tools', 'web-dev', 'web-prod', 'web-staging']],
    ['NotIn with an empty values list matches everything', [step({ key: 'env', operator: 'NotIn', values: [] })],
      [['api-dev', 'tools', 'web-dev', 'web-prod', 'web-staging']], []],
    ['a step without expressions takes every app left', [step(envIn('prod')), step()], [['web-prod'], ['api-dev', 'tools', 'web-dev', 'web-staging']], []],
    ['no match anywhere: unassigned, never synced', [step(envIn('qa'))], [[]], ['api-dev', 'tools', 'web-dev', 'web-prod', 'web-staging']],
    ['an app two steps select belongs to the first only', [step({ key: 'tier', operator: 'In', values: ['web'] }), step(envIn('dev'))],
      [['web-dev', 'web-prod', 'web-staging'], ['api-dev']], ['tools']],
  ])('%s', (_name, steps, expected, unassigned) => {
    expect(assignSteps(steps, apps)).toEqual({ steps: expected, unassigned });
  });

  test('a label named like an Object property is not taken for a present label', () => {
    expect(assignSteps([step({ key: 'constructor', operator: 'In', values: ['x'] })], [app('a', {})])).toEqual({ steps: [[]], unassigned: ['a'] });
  });
});

describe('maxUpdate', () => {
  test.each<[string, number | string | undefined, number, number]>([
    ['unset: the whole step', undefined, 7, 7],
    ['a number', 2, 7, 2],
    ['a number over the size: the whole step', 10, 3, 3],
    ['0: none (the apps are synced by hand)', 0, 5, 0],
    ['a percentage rounds down', '50%', 5, 2],
    ['10% of 15 is 1', '10%', 15, 1],
    ['a percentage above 0 is at least one app', '10%', 3, 1],
    ['0%: none', '0%', 5, 0],
    ['100%', '100%', 4, 4],
    ['over 100%: the whole step', '250%', 4, 4],
    ['an empty step', '50%', 0, 0],
  ])('%s', (_name, value, size, expected) => {
    expect(maxUpdate({ matchExpressions: [], maxUpdate: value }, size, 0)).toBe(expected);
  });

  test.each<[string, unknown]>([
    ['a word', 'half'],
    ['a number as a string', '2'],
    ['a negative number', -1],
    ['a fraction', 1.5],
    ['a fraction of a percent', '12.5%'],
    ['a negative percentage', '-10%'],
    ['an object', { value: 1 }],
  ])('invalid, %s: an InputError naming the field', (_name, value) => {
    const call = () => maxUpdate({ matchExpressions: [], maxUpdate: value as string }, 4, 2);
    expect(call).toThrow(InputError);
    expect(call).toThrow(/^spec\.strategy\.rollingSync\.steps\[2\]\.maxUpdate: /);
    try {
      call();
    } catch (error) {
      expect((error as InputError).field).toBe('spec.strategy.rollingSync.steps[2].maxUpdate');
    }
  });
});

describe('a dev → staging → prod (approval) promotion', () => {
  const REV = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
  const OLD = 'abad1dea';
  const steps: RollingSyncStep[] = [
    step(envIn('dev')),
    step(envIn('staging')),
    { ...step(envIn('prod')), approval: { approvers: ['alice'] } },
  ];
  /** An app Synced and Healthy at the previous commit, OutOfSync now the new one is pushed. */
  const stale = (name: string, env: string): PromotionApp => ({
    name, labels: { env }, syncStatus: 'OutOfSync', health: 'Healthy', syncedRevision: OLD, operationPhase: 'Succeeded', operationRevision: OLD,
  });
  const syncing = (a: PromotionApp): PromotionApp => ({ ...a, operationPhase: 'Running', operationRevision: REV, health: 'Progressing' });
  const healthy = (a: PromotionApp): PromotionApp => ({ ...a, syncStatus: 'Synced', health: 'Healthy', syncedRevision: REV, operationPhase: 'Succeeded', operationRevision: REV });
  const failed = (a: PromotionApp, message: string): PromotionApp => ({ ...a, operationPhase: 'Failed', operationRevision: REV, operationMessage: message });
  const degraded = (a: PromotionApp): PromotionApp => ({ ...healthy(a), health: 'Degraded' });

  const dev = stale('web-dev', 'dev');
  const staging = stale('web-staging', 'staging');
  const prod = stale('web-prod', 'prod');
  const input = (apps: PromotionApp[], started: string[] = [], approved: number[] = [], over: Partial<PromotionInput> = {}): PromotionInput =>
    ({ revision: REV, steps, apps, started, approved, ...over });
  const states = (i: PromotionInput) => stepStates(i).map((s) => s.state);

  test.each<[string, PromotionInput, ReturnType<typeof nextAction>, string[]]>([
    ['fresh push: sync dev', input([dev, staging, prod]),
      { kind: 'sync', step: 0, apps: ['web-dev'] }, ['Progressing', 'Waiting', 'Waiting']],
    ['dev syncing: wait', input([syncing(dev), staging, prod], ['web-dev']),
      { kind: 'wait', step: 0 }, ['Progressing', 'Waiting', 'Waiting']],
    ['dev started but its operation not seen yet: wait, not started again', input([dev, staging, prod], ['web-dev']),
      { kind: 'wait', step: 0 }, ['Progressing', 'Waiting', 'Waiting']],
    ['dev synced, still Progressing: wait (Argo CD also waits for Healthy)', input([{ ...healthy(dev), health: 'Progressing' }, staging, prod], ['web-dev']),
      { kind: 'wait', step: 0 }, ['Progressing', 'Waiting', 'Waiting']],
    ['dev healthy: sync staging', input([healthy(dev), staging, prod], ['web-dev']),
      { kind: 'sync', step: 1, apps: ['web-staging'] }, ['Healthy', 'Progressing', 'Waiting']],
    ['staging healthy: prod awaits approval, nothing synced', input([healthy(dev), healthy(staging), prod], ['web-dev', 'web-staging']),
      { kind: 'await-approval', step: 2, apps: ['web-prod'] }, ['Healthy', 'Healthy', 'AwaitingApproval']],
    ['approved: sync prod', input([healthy(dev), healthy(staging), prod], ['web-dev', 'web-staging'], [2]),
      { kind: 'sync', step: 2, apps: ['web-prod'] }, ['Healthy', 'Healthy', 'Progressing']],
    ['prod syncing: wait', input([healthy(dev), healthy(staging), syncing(prod)], ['web-dev', 'web-staging', 'web-prod'], [2]),
      { kind: 'wait', step: 2 }, ['Healthy', 'Healthy', 'Progressing']],
    ['prod healthy: done', input([healthy(dev), healthy(staging), healthy(prod)], ['web-dev', 'web-staging', 'web-prod'], [2]),
      { kind: 'done' }, ['Healthy', 'Healthy', 'Healthy']],
    ['already Synced and Healthy at the revision everywhere: done, no sync, no approval', input([healthy(dev), healthy(staging), healthy(prod)]),
      { kind: 'done' }, ['Healthy', 'Healthy', 'Healthy']],
    ['dev already at the revision: staging first', input([healthy(dev), staging, prod]),
      { kind: 'sync', step: 1, apps: ['web-staging'] }, ['Healthy', 'Progressing', 'Waiting']],
    ['dev sync Failed: the promotion fails before staging', input([failed(syncing(dev), 'one or more objects failed to apply'), staging, prod], ['web-dev']),
      { kind: 'failed', step: 0, app: 'web-dev', reason: `sync at ${REV.slice(0, 12)} ended Failed: one or more objects failed to apply` },
      ['Failed', 'Waiting', 'Waiting']],
    ['dev sync Error, no message', input([{ ...syncing(dev), operationPhase: 'Error' }, staging, prod], ['web-dev']),
      { kind: 'failed', step: 0, app: 'web-dev', reason: `sync at ${REV.slice(0, 12)} ended Error` }, ['Failed', 'Waiting', 'Waiting']],
    ['a PostSync hook Failed though the resources are Synced and Healthy: failed', input([failed(healthy(dev), 'smoke: job failed'), staging, prod], ['web-dev']),
      { kind: 'failed', step: 0, app: 'web-dev', reason: `sync at ${REV.slice(0, 12)} ended Failed: smoke: job failed` }, ['Failed', 'Waiting', 'Waiting']],
    ['staging Degraded after its sync: failed', input([healthy(dev), degraded(staging), prod], ['web-dev', 'web-staging']),
      { kind: 'failed', step: 1, app: 'web-staging', reason: `Degraded after its sync at ${REV.slice(0, 12)}` }, ['Healthy', 'Failed', 'Waiting']],
    ['Degraded while a retry still runs: wait', input([healthy(dev), { ...degraded(staging), operationPhase: 'Running' }, prod], ['web-dev', 'web-staging']),
      { kind: 'wait', step: 1 }, ['Healthy', 'Progressing', 'Waiting']],
    ['a failure left from an older commit on a started app: wait for its new sync', input([{ ...failed(dev, 'old'), operationRevision: OLD }, staging, prod], ['web-dev']),
      { kind: 'wait', step: 0 }, ['Progressing', 'Waiting', 'Waiting']],
    ['an app not started that failed at the revision is synced (again) by the promotion', input([failed(dev, 'by hand'), staging, prod]),
      { kind: 'sync', step: 0, apps: ['web-dev'] }, ['Progressing', 'Waiting', 'Waiting']],
    ['an app not started, Synced at the revision but Degraded: waited on, not synced, not failed', input([degraded(dev), staging, prod]),
      { kind: 'wait', step: 0 }, ['Progressing', 'Waiting', 'Waiting']],
    ['a Synced and Healthy app whose new operation runs: wait for it', input([{ ...healthy(dev), operationPhase: 'Running' }, staging, prod]),
      { kind: 'wait', step: 0 }, ['Progressing', 'Waiting', 'Waiting']],
    ['dev regresses while prod awaits approval: back to dev', input([{ ...healthy(dev), health: 'Progressing' }, healthy(staging), prod], ['web-dev', 'web-staging']),
      { kind: 'wait', step: 0 }, ['Progressing', 'Healthy', 'Waiting']],
  ])('%s', (_name, view, action, expected) => {
    expect(nextAction(view)).toEqual(action);
    expect(states(view)).toEqual(expected);
  });

  test('a step no app matches is Skipped', () => {
    const withQa = [steps[0], step(envIn('qa')), steps[1], steps[2]];
    const view = input([healthy(dev), staging, prod], ['web-dev'], [], { steps: withQa });
    expect(nextAction(view)).toEqual({ kind: 'sync', step: 2, apps: ['web-staging'] });
    expect(stepStates(view)).toEqual([
      { index: 0, apps: ['web-dev'], state: 'Healthy', message: `1 of 1 Synced and Healthy at ${REV.slice(0, 12)}` },
      { index: 1, apps: [], state: 'Skipped', message: 'no Application matches this step' },
      { index: 2, apps: ['web-staging'], state: 'Progressing', message: `0 of 1 Synced and Healthy at ${REV.slice(0, 12)}; to sync: web-staging` },
      { index: 3, apps: ['web-prod'], state: 'Waiting', message: 'waits for step 3' },
    ]);
  });

  test('the messages say who may approve, what failed, and what is syncing', () => {
    const awaiting = stepStates(input([healthy(dev), healthy(staging), prod], ['web-dev', 'web-staging']));
    expect(awaiting[2].message).toBe(`waits for approval to sync ${REV.slice(0, 12)} (approvers: alice)`);
    const failing = stepStates(input([failed(syncing(dev), 'boom'), staging, prod], ['web-dev']));
    expect(failing.map((s) => s.message)).toEqual([`web-dev: sync at ${REV.slice(0, 12)} ended Failed: boom`, 'waits for step 1', 'waits for step 1']);
    const progressing = stepStates(input([syncing(dev), staging, prod], ['web-dev']));
    expect(progressing[0].message).toBe(`0 of 1 Synced and Healthy at ${REV.slice(0, 12)}; in flight: web-dev`);
  });

  test('an app whose sync waits at its own approval gate for this revision: the step shows AwaitingApproval', () => {
    const gated = { ...syncing(prod), health: 'Healthy', approvalPending: REV };
    const view = input([healthy(dev), healthy(staging), gated], ['web-dev', 'web-staging', 'web-prod'], [2]);
    expect(nextAction(view)).toEqual({ kind: 'wait', step: 2 });
    expect(states(view)).toEqual(['Healthy', 'Healthy', 'AwaitingApproval']);
  });

  test('apps in no step are not synced and do not hold the promotion', () => {
    const view = input([healthy(dev), healthy(staging), healthy(prod), stale('tools', 'ops')]);
    expect(nextAction(view)).toEqual({ kind: 'done' });
  });

  describe('maxUpdate 1 with two apps in a step: one at a time', () => {
    const oneAtATime: RollingSyncStep[] = [{ ...step(envIn('dev')), maxUpdate: 1 }, step(envIn('prod'))];
    const devA = stale('a-dev', 'dev');
    const devB = stale('b-dev', 'dev');
    const view = (apps: PromotionApp[], started: string[]) => input([...apps, prod], started, [], { steps: oneAtATime });

    test.each<[string, PromotionApp[], string[], ReturnType<typeof nextAction>]>([
      ['first: only a-dev', [devA, devB], [], { kind: 'sync', step: 0, apps: ['a-dev'] }],
      ['a-dev syncing: b-dev waits its turn', [syncing(devA), devB], ['a-dev'], { kind: 'wait', step: 0 }],
      ['a-dev synced but not yet Healthy: still its turn', [{ ...healthy(devA), health: 'Progressing' }, devB], ['a-dev'], { kind: 'wait', step: 0 }],
      ['a-dev healthy: b-dev', [healthy(devA), devB], ['a-dev'], { kind: 'sync', step: 0, apps: ['b-dev'] }],
      ['b-dev syncing: prod waits', [healthy(devA), syncing(devB)], ['a-dev', 'b-dev'], { kind: 'wait', step: 0 }],
      ['both healthy: prod', [healthy(devA), healthy(devB)], ['a-dev', 'b-dev'], { kind: 'sync', step: 1, apps: ['web-prod'] }],
      ['an app someone else is syncing takes the slot', [{ ...devA, operationPhase: 'Running', operationRevision: REV }, devB], [], { kind: 'wait', step: 0 }],
    ])('%s', (_name, apps, started, action) => {
      expect(nextAction(view(apps, started))).toEqual(action);
    });

    test('the queued app is named in the message', () => {
      expect(stepStates(view([syncing(devA), devB], ['a-dev']))[0].message)
        .toBe(`0 of 2 Synced and Healthy at ${REV.slice(0, 12)}; in flight: a-dev; queued (maxUpdate 1): b-dev`);
    });
  });

  test('maxUpdate 50% of four: two at a time, then the next two', () => {
    const half: RollingSyncStep[] = [{ ...step(envIn('dev')), maxUpdate: '50%' }];
    const apps = ['a', 'b', 'c', 'd'].map((n) => stale(n, 'dev'));
    expect(nextAction(input(apps, [], [], { steps: half }))).toEqual({ kind: 'sync', step: 0, apps: ['a', 'b'] });
    expect(nextAction(input([healthy(apps[0]), syncing(apps[1]), apps[2], apps[3]], ['a', 'b'], [], { steps: half })))
      .toEqual({ kind: 'sync', step: 0, apps: ['c'] });
  });

  test('maxUpdate 0: the promotion syncs nothing and waits for the apps to be synced by hand, as Argo CD', () => {
    const byHand: RollingSyncStep[] = [{ ...step(envIn('dev')), maxUpdate: 0 }, step(envIn('prod'))];
    const view = input([dev, prod], [], [], { steps: byHand });
    expect(nextAction(view)).toEqual({ kind: 'wait', step: 0 });
    expect(stepStates(view)[0].message).toBe(`0 of 1 Synced and Healthy at ${REV.slice(0, 12)}; maxUpdate is 0, to sync by hand: web-dev`);
    expect(nextAction(input([healthy(dev), prod], [], [], { steps: byHand }))).toEqual({ kind: 'sync', step: 1, apps: ['web-prod'] });
  });

  test('approval with maxUpdate 1: the approval is asked for the first batch only', () => {
    const gated: RollingSyncStep[] = [{ ...step(envIn('prod')), maxUpdate: 1, approval: {} }];
    const apps = [stale('p1', 'prod'), stale('p2', 'prod')];
    expect(nextAction(input(apps, [], [], { steps: gated }))).toEqual({ kind: 'await-approval', step: 0, apps: ['p1'] });
    expect(stepStates(input(apps, [], [], { steps: gated }))[0].message).toBe(`waits for approval to sync ${REV.slice(0, 12)}`);
  });

  test('an invalid maxUpdate on any step is an InputError, whichever step is current', () => {
    const bad: RollingSyncStep[] = [steps[0], { ...steps[1], maxUpdate: 'half' }];
    expect(() => nextAction(input([dev, staging], [], [], { steps: bad }))).toThrow('spec.strategy.rollingSync.steps[1].maxUpdate');
    expect(() => stepStates(input([dev, staging], [], [], { steps: bad }))).toThrow(InputError);
  });
});
