import { planSync, hookObjectName, summarisePlan } from '../../../domain/plan/plan';
import { parseSyncOptions } from '../../../domain/application/sync-options';
import { KubeObject } from '../../../domain/resource/types';

function obj(kind: string, name: string, annotations: Record<string, string> = {}, extra: Partial<KubeObject> = {}, apiVersion = 'v1', namespace = 'app'): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace, annotations }, ...extra };
}

const order = (plan: ReturnType<typeof planSync>) => plan.steps.map((s) => `${s.phase}/${s.wave}: ${s.tasks.map((t) => `${t.action}:${t.key.kind}/${t.key.name}`).join(', ')}`);

test('phase, then wave, then Helm kind order, then name', () => {
  const plan = planSync({
    desired: [
      obj('Deployment', 'web', {}, {}, 'apps/v1'),
      obj('Service', 'web'),
      obj('ConfigMap', 'b-settings'),
      obj('ConfigMap', 'a-settings'),
      obj('Job', 'migrate', { 'argocd.argoproj.io/hook': 'PreSync' }, {}, 'batch/v1'),
      obj('Job', 'smoke', { 'argocd.argoproj.io/hook': 'PostSync' }, {}, 'batch/v1'),
      obj('ConfigMap', 'late', { 'argocd.argoproj.io/sync-wave': '2' }),
      obj('Secret', 'early', { 'argocd.argoproj.io/sync-wave': '-1' }),
      obj('Widget', 'w', {}, {}, 'example.com/v1'),
    ],
  });
  expect(order(plan)).toEqual([
    'PreSync/0: hook:Job/migrate',
    'Sync/-1: apply:Secret/early',
    'Sync/0: apply:ConfigMap/a-settings, apply:ConfigMap/b-settings, apply:Service/web, apply:Deployment/web, apply:Widget/w',
    'Sync/2: apply:ConfigMap/late',
    'PostSync/0: hook:Job/smoke',
  ]);
});

test('a Namespace moves before the objects in it, and a CRD before its custom resources', () => {
  const crd = obj('CustomResourceDefinition', 'widgets.example.com', { 'argocd.argoproj.io/sync-wave': '5' }, { spec: { group: 'example.com', names: { kind: 'Widget' } } }, 'apiextensions.k8s.io/v1', '');
  const plan = planSync({
    desired: [
      obj('ConfigMap', 'settings', { 'argocd.argoproj.io/sync-wave': '-3' }, {}, 'v1', 'team'),
      obj('Namespace', 'team', {}, {}, 'v1', ''),
      obj('Widget', 'w', {}, {}, 'example.com/v1'),
      crd,
    ],
  });
  expect(order(plan)).toEqual([
    'Sync/-3: apply:Namespace/team, apply:ConfigMap/settings',
    'Sync/0: apply:CustomResourceDefinition/widgets.example.com, apply:Widget/w',
  ]);
});

test('Helm hooks map to phases, hook-weight is the wave, and unsupported Helm hooks are skipped', () => {
  const plan = planSync({
    desired: [
      obj('Job', 'pre', { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-5', 'helm.sh/hook-delete-policy': 'hook-succeeded' }, {}, 'batch/v1'),
      obj('Job', 'post', { 'helm.sh/hook': 'post-upgrade' }, {}, 'batch/v1'),
      obj('Pod', 'test', { 'helm.sh/hook': 'test' }),
      obj('ConfigMap', 'skipped', { 'argocd.argoproj.io/hook': 'Skip' }),
      // Argo CD's annotation wins over Helm's.
      obj('Job', 'both', { 'helm.sh/hook': 'pre-install', 'argocd.argoproj.io/hook': 'PostSync' }, {}, 'batch/v1'),
    ],
  });
  expect(order(plan)).toEqual(['PreSync/-5: hook:Job/pre', 'PostSync/0: hook:Job/both, hook:Job/post']);
  expect(plan.steps[0].tasks[0].deletePolicies).toEqual(['HookSucceeded']);
  expect(plan.steps[1].tasks[0].deletePolicies).toEqual(['BeforeHookCreation']);
  expect(plan.skipped.map((s) => s.subject).sort()).toEqual(['ConfigMap/app/skipped', 'Pod/app/test']);
});

// gitops-engine's syncwaves.Wave(): the sync-wave annotation, else helm.sh/hook-weight on any object, hook
// or not (helm/weight.go: "we do not take into account if this is or is not a hook"), else 0.
test.each([
  ['no annotation', {}, 0],
  ['sync-wave', { 'argocd.argoproj.io/sync-wave': '3' }, 3],
  ['hook-weight on a resource that is not a hook', { 'helm.sh/hook-weight': '2' }, 2],
  ['sync-wave wins over hook-weight', { 'argocd.argoproj.io/sync-wave': '-1', 'helm.sh/hook-weight': '2' }, -1],
  ['our sync-wave wins over hook-weight', { 'sluice.dev/sync-wave': '4', 'helm.sh/hook-weight': '2' }, 4],
  ['hook-weight on an Argo CD hook', { 'argocd.argoproj.io/hook': 'Sync', 'helm.sh/hook-weight': '5' }, 5],
])('the wave of an object with %s', (_label, annotations, wave) => {
  const plan = planSync({ desired: [obj('ConfigMap', 'c', annotations as Record<string, string>)] });
  expect(plan.steps.map((s) => s.wave)).toEqual([wave]);
});

test("Argo CD's helm-hooks example: a Service with hook-weight 2 is applied after the ReplicaSet of wave 0", () => {
  const plan = planSync({
    desired: [
      obj('Service', 'helm-guestbook', { 'helm.sh/hook-weight': '2' }),
      obj('ReplicaSet', 'helm-guestbook', {}, {}, 'apps/v1'),
    ],
  });
  expect(order(plan)).toEqual(['Sync/0: apply:ReplicaSet/helm-guestbook', 'Sync/2: apply:Service/helm-guestbook']);
});

test('SyncFail hooks are kept apart, and generateName hooks get a name that is stable per operation', () => {
  const hook = obj('Job', '', { 'argocd.argoproj.io/hook': 'SyncFail' }, {}, 'batch/v1');
  hook.metadata = { generateName: 'notify-', namespace: 'app', annotations: hook.metadata.annotations };
  const a = planSync({ desired: [hook], operationId: 'op-1' });
  const b = planSync({ desired: [hook], operationId: 'op-1' });
  const c = planSync({ desired: [hook], operationId: 'op-2' });
  expect(a.steps).toEqual([]);
  expect(a.syncFail[0].key.name).toBe(hookObjectName('notify-', 'op-1'));
  expect(a.syncFail[0].key.name).toMatch(/^notify-[0-9a-f]{8}$/);
  expect(b.syncFail[0].key.name).toBe(a.syncFail[0].key.name);
  expect(c.syncFail[0].key.name).not.toBe(a.syncFail[0].key.name);
});

test('prune waves run in reverse, PruneLast goes after everything, and Prune=false is honoured', () => {
  const orphans = [
    obj('ConfigMap', 'first', { 'argocd.argoproj.io/sync-wave': '1' }),
    obj('ConfigMap', 'second', { 'argocd.argoproj.io/sync-wave': '2' }),
    obj('ConfigMap', 'third', { 'argocd.argoproj.io/sync-wave': '3' }),
    obj('ConfigMap', 'keep', { 'argocd.argoproj.io/sync-options': 'Prune=false' }),
    obj('Secret', 'last', { 'argocd.argoproj.io/sync-wave': '2', 'argocd.argoproj.io/sync-options': 'PruneLast=true' }),
  ];
  const plan = planSync({ desired: [obj('ConfigMap', 'app', { 'argocd.argoproj.io/sync-wave': '3' })], orphans, prune: true });
  // Prune waves 1, 2, 3 are mirrored (1 <-> 3); PruneLast goes to the last Sync wave (3) + 1.
  expect(order(plan)).toEqual([
    'Sync/1: prune:ConfigMap/third',
    'Sync/2: prune:ConfigMap/second',
    'Sync/3: prune:ConfigMap/first, apply:ConfigMap/app',
    'Sync/4: prune:Secret/last',
  ]);
  expect(plan.skipped).toEqual([{ subject: 'ConfigMap/app/keep', reason: 'Prune=false' }]);
});

test('without prune, orphans are reported and never deleted; PruneLast from the app options', () => {
  const orphans = [obj('ConfigMap', 'old')];
  expect(planSync({ desired: [], orphans, prune: false }).steps).toEqual([]);
  const plan = planSync({ desired: [obj('ConfigMap', 'new')], orphans, prune: true, options: parseSyncOptions(['PruneLast=true']) });
  expect(order(plan)).toEqual(['Sync/0: apply:ConfigMap/new', 'Sync/1: prune:ConfigMap/old']);
  expect(summarisePlan(plan)).toEqual({ apply: 1, prune: 1, hook: 0, steps: 2 });
});

test('a bad wave or hook annotation is an error naming the annotation', () => {
  expect(() => planSync({ desired: [obj('ConfigMap', 'x', { 'argocd.argoproj.io/sync-wave': 'soon' })] })).toThrow(/sync-wave: "soon" is not an integer/);
  expect(() => planSync({ desired: [obj('Job', 'x', { 'argocd.argoproj.io/hook': 'PreDeploy' }, {}, 'batch/v1')] })).toThrow(/unknown hook type "PreDeploy"/);
});
