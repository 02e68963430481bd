// `sluice app get NAME`: the detail view of an Application (client/app-view.ts), from the CR alone.
import { AppView, describeApp, resourceRows, syncPolicyText } from '../../../client/app-view';

const synced = (): AppView => ({
  metadata: { name: 'web', namespace: 'apps' },
  spec: {
    project: 'team-a',
    source: { repoURL: 'https://git.example/web.git', targetRevision: 'main', path: 'deploy', helm: { valueFiles: ['values-prod.yaml'] } },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  },
  status: {
    sync: { status: 'Synced', revision: '0123456789abcdef0123456789abcdef01234567' },
    health: { status: 'Healthy' },
    operationState: {
      phase: 'Succeeded', message: 'successfully synced (all tasks run)', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:07Z',
      operation: { sync: { revision: '0123456789abcdef0123456789abcdef01234567', prune: true }, initiatedBy: { username: 'automated sync policy', automated: true }, operationId: '1-abc' },
      syncResult: {
        revision: '0123456789abcdef0123456789abcdef01234567',
        resources: [
          { group: 'batch', kind: 'Job', namespace: 'web', name: 'migrate', status: 'Healthy', message: 'Job completed', syncPhase: 'PreSync', syncWave: 0, hookPhase: 'Healthy' },
          { group: '', kind: 'ConfigMap', namespace: 'web', name: 'settings', status: 'Healthy', message: '', syncPhase: 'Sync', syncWave: 1 },
          // Written before the group was recorded: matched on kind, namespace and name.
          { kind: 'Deployment', namespace: 'web', name: 'web', status: 'Healthy', message: 'configured', syncPhase: 'Sync', syncWave: 2 },
        ],
      },
    },
    resources: [
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name: 'web', status: 'Synced', health: { status: 'Healthy' } },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'settings', status: 'Synced', health: { status: 'Healthy' } },
      { group: '', version: 'v1', kind: 'Service', namespace: 'web', name: 'web', status: 'OutOfSync', health: { status: 'Progressing', message: 'waiting for a load balancer' } },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'old', status: 'OutOfSync', requiresPruning: true },
    ],
  },
});

test('the summary: name, project, destination, source, sync policy, sync and health status', () => {
  const view = describeApp(synced(), { ui: 'http://127.0.0.1:8233/namespaces/default/workflows/sluice-app%2Fapps%2Fweb' });
  const lines = view.split('\n');
  expect(lines.slice(0, 13)).toEqual([
    'Name:               apps/web',
    'Project:            team-a',
    'Server:             https://kubernetes.default.svc',
    'Namespace:          web',
    'Temporal UI:        http://127.0.0.1:8233/namespaces/default/workflows/sluice-app%2Fapps%2Fweb',
    'Source:',
    '- Repo:             https://git.example/web.git',
    '  Target:           main',
    '  Path:             deploy',
    '  Helm Values:      values-prod.yaml',
    'Sync Policy:        Automated (Prune, SelfHeal)',
    'Sync Options:       CreateNamespace=true',
    'Sync Status:        Synced to main (0123456)',
  ]);
  expect(view).toContain('Health Status:      Healthy');
});

test('the last operation: phase, message, revision, start, finish, duration, initiator', () => {
  const view = describeApp(synced());
  expect(view).toContain([
    'Operation:          Sync',
    'Sync Revision:      0123456789abcdef0123456789abcdef01234567',
    'Phase:              Succeeded',
    'Start:              2026-01-01T00:00:00Z',
    'Finished:           2026-01-01T00:00:07Z',
    'Duration:           7s',
    'Message:            successfully synced (all tasks run)',
    'Initiated By:       automated sync policy',
    'Operation Id:       1-abc',
  ].join('\n'));
});

test('the resource table: the last sync\'s resources in its order (hooks with their phase), then the others sorted', () => {
  expect(resourceRows(synced())).toEqual([
    ['batch', 'Job', 'web', 'migrate', 'Healthy', '', 'PreSync', 'Job completed'],
    ['', 'ConfigMap', 'web', 'settings', 'Synced', 'Healthy', '', ''],
    ['apps', 'Deployment', 'web', 'web', 'Synced', 'Healthy', '', 'configured'],
    ['', 'ConfigMap', 'web', 'old', 'OutOfSync', '', '', 'requires pruning'],
    ['', 'Service', 'web', 'web', 'OutOfSync', 'Progressing', '', 'waiting for a load balancer'],
  ]);
  const table = describeApp(synced()).split('\n\n').pop()!.split('\n');
  expect(table[0]).toMatch(/^GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+HOOK\s+MESSAGE$/);
  expect(table[1]).toMatch(/^batch\s+Job\s+web\s+migrate\s+Healthy\s+PreSync\s+Job completed$/);
});

test('-o wide adds the sync phase, wave and revision of the last sync', () => {
  const rows = resourceRows(synced(), true);
  expect(rows[0].slice(8)).toEqual(['PreSync', '0', '0123456']);
  expect(rows[2].slice(8)).toEqual(['Sync', '2', '0123456']);
  expect(rows[4].slice(8)).toEqual(['', '', '']);
  expect(describeApp(synced(), { wide: true })).toMatch(/GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+HOOK\s+MESSAGE\s+PHASE\s+WAVE\s+REVISION\n/);
});

test('a pending approval: revision, commit, digest, approvers, changes, who may not approve, and the plan', () => {
  const app = synced();
  app.spec!.syncPolicy = { approval: { required: true, approvers: ['alice', 'group:sre'], timeout: '24h', separationOfDuties: true } };
  app.status!.sync = { status: 'OutOfSync', revision: 'fedcba9876543210fedcba9876543210fedcba98' };
  app.status!.approval = {
    state: 'Pending', revision: 'fedcba9876543210fedcba9876543210fedcba98', diffDigest: 'sha256:d1ff', requestedAt: '2026-01-02T00:00:00Z', approvers: ['alice', 'group:sre'],
    summary: {
      apply: 2, prune: 1, hook: 1, steps: 3, outOfSync: 2,
      plan: [{ step: 'PreSync/0', tasks: ['Job/migrate (hook)'] }, { step: 'Sync/0', tasks: ['ConfigMap/old (prune)'] }, { step: 'Sync/2', tasks: ['Deployment/web', 'Service/web'] }],
      commit: { sha: 'fedcba9876543210fedcba9876543210fedcba98', author: 'Bob <bob@example.com>', date: '2026-01-01T23:00:00.000Z', message: 'web: 3 replicas\n\nfor the launch' },
    },
    authors: [{ commit: 'fedcba9876543210fedcba9876543210fedcba98', email: 'bob@example.com', user: 'bob' }],
    refused: [{ user: 'mallory', reason: 'mallory is not an approver', at: '2026-01-02T00:01:00Z' }],
    commands: ['sluice app approve web -n apps'],
  };
  const view = describeApp(app);
  expect(view).toContain('Sync Policy:        Manual\nApproval Policy:    required, by alice, group:sre; expires after 24h; separation of duties');
  expect(view).toContain('Sync Status:        OutOfSync from main (fedcba9)');
  expect(view).toContain([
    'Approval:           Pending since 2026-01-02T00:00:00Z',
    '  Revision:         fedcba9876543210fedcba9876543210fedcba98',
    '  Commit:           fedcba98 Bob <bob@example.com> 2026-01-01T23:00:00.000Z: web: 3 replicas',
    '  Diff:             sha256:d1ff',
    '  Approvers:        alice, group:sre',
    '  Changes:          2 out of sync; 2 to apply, 1 to prune, 1 hooks, in 3 steps',
    '  Not by:           bob (authored fedcba987654 as bob@example.com)',
    '  Refused:          mallory: mallory is not an approver',
    '  Decide with:      sluice app approve web -n apps',
    '  Plan:',
    '    PreSync/0: Job/migrate (hook)',
    '    Sync/0: ConfigMap/old (prune)',
    '    Sync/2: Deployment/web, Service/web',
  ].join('\n'));
});

test('a decided approval is one line; conditions get their table', () => {
  const app = synced();
  app.status!.approval = { state: 'Rejected', decidedBy: 'alice', decidedAt: '2026-01-02T00:05:00Z', comment: 'not on a Friday' };
  app.status!.conditions = [{ type: 'ComparisonError', message: 'repository unreachable', lastTransitionTime: '2026-01-02T00:00:00Z' }];
  const view = describeApp(app);
  expect(view).toContain('Approval:           Rejected by alice at 2026-01-02T00:05:00Z: not on a Friday');
  expect(view).toMatch(/CONDITION\s+MESSAGE\s+LAST TRANSITION\nComparisonError\s+repository unreachable\s+2026-01-02T00:00:00Z/);
});

test.each([
  [undefined, 'Manual'],
  [{ automated: {} }, 'Automated'],
  [{ automated: { prune: true } }, 'Automated (Prune)'],
  [{ automated: { selfHeal: true, allowEmpty: true } }, 'Automated (SelfHeal, AllowEmpty)'],
])('sync policy %j reads %s', (policy, text) => {
  expect(syncPolicyText(policy)).toBe(text);
});

test('an app with no status yet still reads', () => {
  const view = describeApp({ metadata: { name: 'new', namespace: 'apps' }, spec: { source: { repoURL: 'https://git.example/x.git' }, destination: { name: 'in-cluster', namespace: 'x' } } });
  expect(view).toContain('Server:             in-cluster');
  expect(view).toContain('  Target:           HEAD');
  expect(view).toContain('Sync Status:        Unknown');
  expect(view).not.toContain('Operation:');
  expect(view).not.toContain('GROUP');
});
