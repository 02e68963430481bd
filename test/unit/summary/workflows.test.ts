// The static summary and details of each workflow, the app's current details and the timers' summaries: the app,
// the revision and who asked; no secret, Helm value or credential; and small enough for Temporal to accept, with
// payload encryption on (the server refuses a summary payload over 400 bytes).
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec } from '../../../config/payload-codec';
import { ApplicationSpec } from '../../../domain/application/types';
import { stepSummary } from '../../../domain/summary/activities';
import { clampSummary, humanDuration, jsonBytes, SUMMARY_MAX_BYTES } from '../../../domain/summary/text';
import {
  applicationCurrentDetails, applicationWorkflowMetadata, approvalWaitSummary, notifyWorkflowMetadata, promotionWorkflowMetadata, refreshWaitSummary,
  syncCurrentDetails, SyncDescription, syncWorkflowMetadata, withoutCredentials,
} from '../../../domain/summary/workflows';

const SHA = '3d7b7002ab12cd34ef56ab78cd90ef12ab34cd56';
const SECRET = 'hunter2-s3cr3t';
const app = { group: 'sluice.dev' as const, namespace: 'sluice', name: 'web-dev' };
const spec: ApplicationSpec = {
  project: 'team-a',
  source: {
    repoURL: `https://deploy:${SECRET}@git.example/org/web.git?token=${SECRET}`, targetRevision: 'main', path: 'overlays/dev',
    helm: { values: `password: ${SECRET}`, valuesObject: { password: SECRET }, parameters: [{ name: 'db.password', value: SECRET }] },
  },
  destination: { server: 'https://kubernetes.default.svc', namespace: 'demo-dev' },
};
const sync = (over: Partial<SyncDescription> = {}): SyncDescription => ({
  app, spec, revision: SHA, initiatedBy: { username: 'alice', automated: false }, attempt: 1, operationId: '3-ab12cd34', prune: true, approvalRequired: false, ...over,
});

test.each<[string, Partial<SyncDescription>, string]>([
  ['a manual sync', {}, 'sync web-dev to 3d7b7002ab12 by alice'],
  ['an automated retry', { initiatedBy: { username: 'automated sync policy', automated: true }, attempt: 3 }, 'sync web-dev to 3d7b7002ab12, automated (attempt 3)'],
  ['a sync that waits for approval', { approvalRequired: true }, 'sync web-dev to 3d7b7002ab12 by alice, approval required'],
])('the summary of %s', (_label, over, expected) => {
  expect(syncWorkflowMetadata(sync(over)).staticSummary).toBe(expected);
});

test('the details of a sync name the app, revision, initiator, source and destination, without credentials or values', () => {
  const { staticDetails } = syncWorkflowMetadata(sync({ resources: ['Deployment/web'] }));
  expect(staticDetails.split('\n')).toEqual([
    '- **Application**: sluice/web-dev (sluice.dev), project team-a',
    `- **Revision**: ${SHA} (tracking main)`,
    '- **Initiated by**: alice',
    '- **Operation**: 3-ab12cd34, attempt 1',
    '- **Source**: https://git.example/org/web.git path overlays/dev',
    '- **Destination**: https://kubernetes.default.svc, namespace demo-dev',
    '- **Options**: prune, only Deployment/web',
  ]);
  expect(JSON.stringify(syncWorkflowMetadata(sync()))).not.toContain(SECRET);
  const named = syncWorkflowMetadata(sync({ spec: { ...spec, destination: { name: 'cluster-2' } } })).staticDetails;
  expect(named).toContain('- **Destination**: cluster-2\n');
});

test.each([
  ['https://user:pw@host/repo.git', 'https://host/repo.git'],
  ['https://token@host/repo.git', 'https://host/repo.git'],
  ['https://host/repo.git', 'https://host/repo.git'],
  ['https://host/repo.git?access_token=abc', 'https://host/repo.git'],
  ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
  ['ssh://git@host:2222/repo.git', 'ssh://host:2222/repo.git'],
])('a URL without credentials: %s', (url, expected) => {
  expect(withoutCredentials(url)).toBe(expected);
});

test('the other workflows: the app, the set and its promotion, a notification', () => {
  expect(applicationWorkflowMetadata(app).staticSummary).toBe('reconcile Application sluice/web-dev');
  expect(promotionWorkflowMetadata({ group: 'sluice.dev', namespace: 'sluice', name: 'web' }, SHA)).toEqual({
    staticSummary: 'promote 3d7b7002ab12 through the steps of web',
    staticDetails: `- **ApplicationSet**: sluice/web (sluice.dev)\n- **Revision**: ${SHA}\n- **Initiated by**: the set's RollingSync strategy, on a new commit`,
  });
  const notify = notifyWorkflowMetadata(app, { trigger: 'on-sync-failed', revision: SHA });
  expect(notify.staticSummary).toBe('notify on-sync-failed for web-dev at 3d7b7002ab12');
});

test('the app workflow\'s current details: its status and the sync running, never a condition\'s message', () => {
  const details = applicationCurrentDetails(app, {
    revision: SHA, targetRevision: 'main', syncStatus: 'OutOfSync', health: 'Healthy', comparisonFailed: true,
    running: { operationId: '4-aa', revision: SHA, initiatedBy: { username: 'bob', automated: false } }, lastOutcome: { outcome: 'Failed', revision: SHA },
  });
  expect(details.split('\n')).toEqual([
    '- **Application**: sluice/web-dev',
    '- **Status**: OutOfSync, Healthy at 3d7b7002ab12 (tracking main)',
    '- **Problem**: comparison failed (see the Application\'s conditions)',
    '- **Running**: sync 4-aa to 3d7b7002ab12 by bob',
    '- **Last sync**: Failed at 3d7b7002ab12',
  ]);
});

test('a sync\'s current details: where it is, its resources by status, the ones failing, a pending approval and how to give it', () => {
  const tasks = [
    { subject: 'Job/demo/migrate', action: 'hook' as const, phase: 'PreSync' as const, wave: 0, status: 'Degraded' as const, message: `password ${SECRET}` },
    { subject: 'ConfigMap/demo/settings', action: 'apply' as const, phase: 'Sync' as const, wave: 1, status: 'Healthy' as const },
    { subject: 'Deployment/demo/web', action: 'apply' as const, phase: 'Sync' as const, wave: 2, status: 'Pending' as const },
    { subject: 'Namespace/demo', action: 'apply' as const, phase: 'Sync' as const, wave: 2, status: 'Pending' as const },
  ];
  const failing = syncCurrentDetails({ phase: 'Running', step: 'PreSync/0', tasks });
  expect(failing.split('\n')).toEqual([
    '- **Phase**: Running, PreSync',
    '- **Resources**: 1 Degraded, 2 Pending, 1 Healthy',
    '- **Needs attention**: Job/migrate',
  ]);
  expect(failing).not.toContain(SECRET);
  const approval = {
    state: 'Pending' as const, revision: SHA, diffDigest: 'sha256:abc', requestedAt: '', approvers: ['alice'], refused: [],
    summary: { apply: 1, prune: 0, hook: 0, steps: 1, outOfSync: 1 }, commands: ['sluice app approve web-dev -n sluice', 'sluice app reject web-dev -n sluice --comment "..."'],
  };
  expect(syncCurrentDetails({ phase: 'Running', step: 'AwaitingApproval', tasks: [], approval }).split('\n')).toEqual([
    '- **Phase**: Running, awaiting approval',
    '- **Approval**: Pending: 3d7b7002ab12, for alice',
    '- **Approve with**: `sluice app approve web-dev -n sluice`',
  ]);
  expect(syncCurrentDetails({ phase: 'Succeeded', step: 'Done', tasks: [], approval: { ...approval, state: 'Approved', decidedBy: 'alice' } }).split('\n')).toEqual([
    '- **Phase**: Succeeded',
    '- **Approval**: Approved: 3d7b7002ab12 by alice',
  ]);
});

test('the timers a reader sees waiting', () => {
  expect(approvalWaitSummary(SHA, ['alice', 'group:ops'], '1h')).toBe('wait for approval of 3d7b7002ab12 by alice, group:ops, expires after 1h');
  expect(approvalWaitSummary(SHA, [])).toBe('wait for approval of 3d7b7002ab12 by a listed approver');
  expect(approvalWaitSummary(SHA, Array.from({ length: 9 }, (_, i) => `user${i}`))).toBe('wait for approval of 3d7b7002ab12 by user0, user1, user2, user3, user4 and 4 more');
  expect(refreshWaitSummary(192_400)).toBe('next refresh in 3m 12s, or on a change');
});

test.each([[0, '0s'], [45_000, '45s'], [60_000, '1m'], [192_000, '3m 12s'], [7_200_000, '2h'], [7_500_000, '2h 5m'], [100_000_000, '1d 3h']])('%d ms reads %s', (ms, text) => {
  expect(humanDuration(ms)).toBe(text);
});

test('a summary is one line, cut on a code point within its bound', () => {
  expect(clampSummary('a\nb\t c')).toBe('a b c');
  const cut = clampSummary('é'.repeat(300));
  expect(jsonBytes(cut)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
  expect(cut.endsWith('…')).toBe(true);
  expect(cut.replace('…', '')).toMatch(/^é+$/);
  expect(jsonBytes(clampSummary('"\\'.repeat(200)))).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
});

test('the longest summary, encrypted as the worker encrypts it, is under the server\'s 400-byte limit', async () => {
  const codec = new EncryptionCodec([{ id: 'a-long-key-identifier-2026', key: randomBytes(32) }]);
  const longest = [
    stepSummary(Array.from({ length: 9 }, (_, i) => ({ key: { group: '', kind: 'ConfigMap', namespace: 'x', name: `${i}`.repeat(253) }, subject: '', action: 'apply' as const, phase: 'Sync' as const, wave: 0 }))),
    syncWorkflowMetadata(sync({ app: { ...app, name: 'n'.repeat(253) }, revision: 'r'.repeat(255), initiatedBy: { username: 'u'.repeat(300), automated: false }, attempt: 99, approvalRequired: true })).staticSummary,
    clampSummary('"'.repeat(1000)),
    clampSummary('😀'.repeat(1000)),
  ];
  for (const summary of longest) {
    expect(jsonBytes(summary)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(summary)!]);
    expect(temporal.api.common.v1.Payload.encode(encrypted).finish().length).toBeLessThan(400);
  }
});
