// What each activity says it does on the Temporal UI's timeline: names and kinds, at most five, then a count.
import {
  cleanupSummary, deliverySummary, dryRunSummary, healthSummary, prepareSummary, refreshSummary, statusSummary, stepSummary,
} from '../../../domain/summary/activities';
import { SyncTask } from '../../../domain/plan/plan';
import { jsonBytes, SUMMARY_MAX_BYTES } from '../../../domain/summary/text';
import { HookDeletePolicy } from '../../../domain/plan/annotations';

const SHA = '3d7b7002ab12cd34ef56ab78cd90ef12ab34cd56';

const task = (subject: string, action: SyncTask['action'] = 'apply', phase: SyncTask['phase'] = 'Sync', wave = 0, deletePolicies?: HookDeletePolicy[]): SyncTask => {
  const [kind, name] = subject.split('/');
  return { key: { group: '', kind, namespace: 'demo', name }, subject: `${kind}/demo/${name}`, action, phase, wave, ...(deletePolicies ? { deletePolicies } : {}) };
};
const many = (n: number, action: SyncTask['action'] = 'apply') => Array.from({ length: n }, (_, i) => task(`ConfigMap/config-${i}`, action));

test.each<[string, SyncTask[], string]>([
  ['a wave of applies', [task('Deployment/web', 'apply', 'Sync', 1), task('Service/web', 'apply', 'Sync', 1)], 'apply wave 1: Deployment/web, Service/web'],
  ['wave 0', [task('Deployment/web')], 'apply wave 0: Deployment/web'],
  ['a PreSync hook', [task('Job/migrate', 'hook', 'PreSync')], 'PreSync hook Job/migrate'],
  ['two PostSync hooks', [task('Job/smoke', 'hook', 'PostSync'), task('Pod/check', 'hook', 'PostSync')], 'PostSync hooks Job/smoke, Pod/check'],
  ['hooks in a later wave', [task('Job/seed', 'hook', 'PreSync', 2)], 'PreSync wave 2 hook Job/seed'],
  ['SyncFail hooks', [task('Job/page', 'hook', 'SyncFail')], 'SyncFail hook Job/page'],
  ['prunes only', [task('ConfigMap/old', 'prune'), task('Secret/old', 'prune')], 'prune wave 0: ConfigMap/old, Secret/old'],
  ['applies and prunes in one wave', [task('ConfigMap/gone', 'prune'), task('Deployment/web')], 'apply wave 0: Deployment/web; prune ConfigMap/gone'],
  ['a Sync hook among applies', [task('Deployment/web', 'apply', 'Sync', 1), task('Job/warm', 'hook', 'Sync', 1)], 'apply wave 1: Deployment/web; Sync hook Job/warm'],
  ['five names, all listed', many(5), 'apply wave 0: ConfigMap/config-0, ConfigMap/config-1, ConfigMap/config-2, ConfigMap/config-3, ConfigMap/config-4'],
  ['more than five', many(12), 'apply wave 0: ConfigMap/config-0, ConfigMap/config-1, ConfigMap/config-2, ConfigMap/config-3, ConfigMap/config-4 and 7 more'],
  ['many prunes', many(2_000, 'prune'), 'prune wave 0: ConfigMap/config-0, ConfigMap/config-1, ConfigMap/config-2, ConfigMap/config-3, ConfigMap/config-4 and 1995 more'],
  ['an empty step', [], 'apply nothing'],
])('a step of %s', (_label, tasks, expected) => {
  expect(stepSummary(tasks)).toBe(expected);
});

test('names too long to list five are listed fewer, then counted, and the summary stays within its bound', () => {
  const long = (i: number) => task(`ConfigMap/${String(i).repeat(60).slice(0, 60)}`);
  expect(stepSummary([long(1), long(2), long(3), long(4)])).toBe(`apply wave 0: ConfigMap/${'1'.repeat(60)}, ConfigMap/${'2'.repeat(60)} and 2 more`);
  const huge = [task(`ConfigMap/${'x'.repeat(253)}`), task(`ConfigMap/${'y'.repeat(253)}`)];
  expect(stepSummary(huge)).toBe('apply wave 0: 2 resources');
  expect(stepSummary([task(`ConfigMap/${'x'.repeat(253)}`), task(`Secret/${'y'.repeat(253)}`, 'prune')])).toBe('apply wave 0: 1 resource; prune 1 resource');
  for (const tasks of [huge, many(5_000), [long(1), long(2), long(3), long(4)]]) expect(jsonBytes(stepSummary(tasks))).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
});

test.each<[string, SyncTask[], string]>([
  ['a wave', [task('Deployment/web', 'apply', 'Sync', 1), task('Service/web', 'apply', 'Sync', 1), task('ConfigMap/web', 'apply', 'Sync', 1)], 'wait for wave 1 to be Healthy (3 resources)'],
  ['one resource', [task('Deployment/web')], 'wait for wave 0 to be Healthy (1 resource)'],
  ['a wave with a prune (not waited on)', [task('Deployment/web'), task('ConfigMap/old', 'prune')], 'wait for wave 0 to be Healthy (1 resource)'],
  ['a PreSync hook', [task('Job/migrate', 'hook', 'PreSync')], 'wait for PreSync hook Job/migrate to complete'],
  ['PostSync hooks', [task('Job/smoke', 'hook', 'PostSync'), task('Job/report', 'hook', 'PostSync')], 'wait for PostSync hooks Job/smoke, Job/report to complete'],
  ['prunes only', [task('ConfigMap/old', 'prune')], 'wait for nothing'],
])('waiting for health of %s', (_label, tasks, expected) => {
  expect(healthSummary(tasks)).toBe(expected);
});

test.each<[string, SyncTask[], 'Succeeded' | 'Failed', string]>([
  ['hooks deleted on success', [task('Job/migrate', 'hook', 'PreSync', 0, ['HookSucceeded']), task('Job/smoke', 'hook', 'PostSync', 0, ['BeforeHookCreation'])], 'Succeeded', 'delete hooks (HookSucceeded) Job/migrate'],
  ['hooks deleted on failure', [task('Job/migrate', 'hook', 'PreSync', 0, ['HookFailed', 'HookSucceeded'])], 'Failed', 'delete hooks (HookFailed) Job/migrate'],
  ['no hook with the policy', [task('Job/migrate', 'hook', 'PreSync', 0, ['BeforeHookCreation'])], 'Succeeded', 'keep hooks: none has the HookSucceeded delete policy'],
])('cleaning up: %s', (_label, tasks, outcome, expected) => {
  expect(cleanupSummary(tasks, outcome)).toBe(expected);
});

test.each<[string, Parameters<typeof refreshSummary>, string]>([
  ['a branch', [{ name: 'guestbook' }, { source: { repoURL: 'https://git/x', targetRevision: 'main' } }], 'refresh guestbook at main'],
  ['no target revision (HEAD)', [{ name: 'guestbook' }, { source: { repoURL: 'https://git/x' } }], 'refresh guestbook at HEAD'],
  ['a pinned commit', [{ name: 'guestbook' }, { source: { repoURL: 'https://git/x', targetRevision: SHA } }], 'refresh guestbook at 3d7b7002ab12'],
  ['several sources', [{ name: 'web' }, { sources: [{ repoURL: 'a', targetRevision: 'main' }, { repoURL: 'b', targetRevision: 'v1.2.0' }, { repoURL: 'c', targetRevision: 'main' }] }], 'refresh web at main, v1.2.0'],
  ['before the first refresh (no spec yet)', [{ name: 'web' }], 'refresh web'],
  ['with revisions a request asked for', [{ name: 'web' }, { source: { repoURL: 'a', targetRevision: 'main' } }, [SHA, 'v2']], 'refresh web at main; resolve 3d7b7002ab12, v2'],
])('a refresh: %s', (_label, args, expected) => {
  expect(refreshSummary(...args)).toBe(expected);
});

test('planning, the dry-run and status writes', () => {
  expect(prepareSummary({ name: 'web' }, SHA, true)).toBe('plan and dry-run web at 3d7b7002ab12');
  expect(prepareSummary({ name: 'web' }, SHA, false)).toBe('plan web at 3d7b7002ab12');
  expect(dryRunSummary([task('Deployment/web'), task('Job/migrate', 'hook', 'PreSync'), task('ConfigMap/old', 'prune')], SHA)).toBe('dry-run 2 resources at 3d7b7002ab12');
  expect(statusSummary({ phase: 'Running', step: 'Sync/1' })).toBe('record status: Running, wave 1');
  expect(statusSummary({ phase: 'Running', step: 'PreSync/0' })).toBe('record status: Running, PreSync');
  expect(statusSummary({ phase: 'Running', step: 'AwaitingApproval' })).toBe('record status: Running, awaiting approval');
  expect(statusSummary({ phase: 'Running', step: 'Planning' })).toBe('record status: Running, planning');
  expect(statusSummary({ phase: 'Failed', step: 'Done' })).toBe('record status: Failed');
});

test('a notification names the service and recipient, never the URL from its Secret', () => {
  expect(deliverySummary('on-sync-failed', { service: 'slack', recipient: 'deploys' })).toBe('notify slack:deploys of on-sync-failed');
});
