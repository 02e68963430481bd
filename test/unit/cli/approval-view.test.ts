// What `sluice app approve|reject` shows before asking (client/approval-view.ts).
import { approvalPreview, ApprovalPreviewInput } from '../../../client/approval-view';

const diff = '===================================================================\n--- Deployment/web/web (live)\n+++ Deployment/web/web (desired)\n@@ -1,1 +1,1 @@\n-replicas: 2\n+replicas: 3\n';
const input = (shown: ApprovalPreviewInput['shown'], colour = false): ApprovalPreviewInput => ({
  verb: 'Approving', name: 'web', user: 'carol', colour, shown,
  approval: {
    revision: 'fedcba9876543210fedcba9876543210fedcba98', diffDigest: 'sha256:pending', approvers: ['alice', 'group:sre'],
    summary: {
      apply: 1, prune: 0, hook: 1, steps: 2, outOfSync: 1,
      plan: [{ step: 'PreSync/0', tasks: ['Job/migrate (hook)'] }, { step: 'Sync/0', tasks: ['Deployment/web', 'ConfigMap/settings'] }],
      commit: { sha: 'fedcba9876543210fedcba9876543210fedcba98', author: 'Bob <bob@example.com>', date: '2026-01-01T23:00:00.000Z', message: 'web: 3 replicas\n\nfor the launch' },
    },
  },
});
const resources = [{ subject: 'Deployment/web/web', status: 'OutOfSync', diff }, { subject: 'ConfigMap/web/settings', status: 'Synced', diff: '' }];

test('the revision with its commit and author, the plan per step, then the diff, and that it is the pending one', () => {
  const { text, matches } = approvalPreview(input({ resources, digest: 'sha256:pending' }));
  expect(matches).toBe(true);
  expect(text).toBe([
    'Approving web at fedcba9876543210fedcba9876543210fedcba98 as carol',
    'Commit:    fedcba987654 by Bob <bob@example.com> at 2026-01-01T23:00:00.000Z',
    'Message:   web: 3 replicas',
    '',
    '           for the launch',
    'Approvers: alice, group:sre',
    'Changes:   1 out of sync; 1 to apply, 0 to prune, 1 hooks, in 2 steps',
    'Plan:',
    '  PreSync/0: Job/migrate (hook)',
    '  Sync/0: Deployment/web, ConfigMap/settings',
    'Digest:    sha256:pending',
    '',
    diff.trimEnd(),
    '',
    'This is the diff of the pending request (sha256:pending).',
  ].join('\n'));
});

test('a diff the worker published says where it came from', () => {
  const { text, matches } = approvalPreview(input({ resources, digest: 'sha256:pending', source: 'the worker published it (syncdiff.sluice.dev/web)' }));
  expect(matches).toBe(true);
  expect(text.split('\n').at(-1)).toBe('This is the diff of the pending request (sha256:pending), as the worker published it (syncdiff.sluice.dev/web).');
});

test('a diff that is not the pending one says so: the decision stays bound to the pending digest', () => {
  const { text, matches } = approvalPreview(input({ resources, digest: 'sha256:other' }));
  expect(matches).toBe(false);
  expect(text).toMatch(/WARNING: this diff \(sha256:other\) is not the pending request's \(sha256:pending\)/);
});

test('a diff that cannot be computed (no rights to dry-run, say) is said, and the digest still binds', () => {
  const { text, matches } = approvalPreview(input({ error: 'deployments.apps "web" is forbidden' }));
  expect(matches).toBeUndefined();
  expect(text).toContain('The diff cannot be shown: deployments.apps "web" is forbidden\nWhat you decide is bound to sha256:pending, whatever it holds.');
  expect(text).toContain('Plan:\n  PreSync/0: Job/migrate (hook)');
});

test('coloured on a terminal: additions green, removals red', () => {
  const { text } = approvalPreview(input({ resources, digest: 'sha256:pending' }, true));
  expect(text).toContain('\x1b[31m-replicas: 2\x1b[0m\n\x1b[32m+replicas: 3\x1b[0m');
});

test('a request from an older worker (counts only, no plan or commit) still reads', () => {
  const old = input({ resources: [], digest: 'sha256:pending' });
  old.approval.summary = { apply: 1, prune: 0, hook: 0, steps: 1, outOfSync: 0 };
  const { text } = approvalPreview(old);
  expect(text).not.toContain('Commit:');
  expect(text).not.toContain('Plan:');
  expect(text).toContain('(no resource differs from its live state)');
});
