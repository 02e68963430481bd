// What an approver reads of a plan: one entry per step, bounded (domain/plan/steps-summary.ts).
import { planSync } from '../../../domain/plan/plan';
import { stepLines, summariseSteps } from '../../../domain/plan/steps-summary';
import { KubeObject } from '../../../domain/resource/types';

const obj = (kind: string, name: string, annotations: Record<string, string> = {}, apiVersion = 'v1'): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: 'app', annotations } });
const hook = (name: string, phase: string) => obj('Job', name, { 'argocd.argoproj.io/hook': phase }, 'batch/v1');

test('each step names its tasks in plan order, hooks and prunes marked, SyncFail hooks last', () => {
  const plan = planSync({
    desired: [obj('Deployment', 'web', { 'argocd.argoproj.io/sync-wave': '2' }, 'apps/v1'), obj('ConfigMap', 'settings', { 'argocd.argoproj.io/sync-wave': '1' }), hook('migrate', 'PreSync'), hook('smoke', 'PostSync'), hook('notify', 'SyncFail')],
    orphans: [obj('ConfigMap', 'old')],
    prune: true,
  });
  expect(stepLines(summariseSteps(plan))).toEqual([
    'PreSync/0: Job/migrate (hook)',
    'Sync/0: ConfigMap/old (prune)',
    'Sync/1: ConfigMap/settings',
    'Sync/2: Deployment/web',
    'PostSync/0: Job/smoke (hook)',
    'SyncFail: Job/notify (hook)',
  ]);
});

test.each([
  ['a step longer than the bound lists the first tasks and counts the rest', { steps: 10, tasksPerStep: 2 }, ['Sync/0: ConfigMap/a0, ConfigMap/a1 (and 3 more)', 'Sync/1: ConfigMap/b0, ConfigMap/b1']],
  ['steps beyond the bound are folded into one entry that counts their tasks', { steps: 1, tasksPerStep: 10 }, ['Sync/0: ConfigMap/a0, ConfigMap/a1, ConfigMap/a2, ConfigMap/a3, ConfigMap/a4', '(1 more steps): 2 more tasks']],
])('%s', (_what, bounds, expected) => {
  const desired = [...[0, 1, 2, 3, 4].map((i) => obj('ConfigMap', `a${i}`)), ...[0, 1].map((i) => obj('ConfigMap', `b${i}`, { 'argocd.argoproj.io/sync-wave': '1' }))];
  expect(stepLines(summariseSteps(planSync({ desired }), bounds))).toEqual(expected);
});

test('an app of 5,000 resources in one step stays a short summary', () => {
  const desired = Array.from({ length: 5000 }, (_, i) => obj('ConfigMap', `c${String(i).padStart(4, '0')}`));
  const [step] = summariseSteps(planSync({ desired }));
  expect(step).toMatchObject({ step: 'Sync/0', more: 4980 });
  expect(step.tasks).toHaveLength(20);
  expect(JSON.stringify(step).length).toBeLessThan(1000);
});
