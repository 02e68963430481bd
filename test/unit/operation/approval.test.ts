// Approval decisions, table by table: who may decide, what is stale, and separation of duties (an author may
// not approve their own commits), with authors mapped to Kubernetes users by email or the app's mapping.
import { authoredBy, commitIdentities, refusalReason } from '../../../domain/operation/approval';
import { accepted, admissionProblem, decisionOf, pendingSyncId, PolicyBinding, refused, SyncApprovalSpec } from '../../../domain/operation/sync-approval';
import { ApprovalDecision, ApprovalRequest } from '../../../domain/operation/types';

const A = 'a'.repeat(40);
const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const request = (fields: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  state: 'Pending', revision: A, diffDigest: 'sha256:abc', requestedAt: '', approvers: ['alice@example.com', 'bob', 'group:platform'],
  summary: { apply: 1, prune: 0, hook: 0, steps: 1, outOfSync: 1 }, commands: [], refused: [], ...fields,
});
const decision = (fields: Partial<ApprovalDecision> = {}): ApprovalDecision => ({ approve: true, revision: A, diffDigest: 'sha256:abc', user: 'bob', ...fields });
const authors = commitIdentities([{ commit: C1, email: 'Alice@Example.com' }, { commit: C2, email: 'robert@example.com' }], { authorIdentities: { 'robert@example.com': 'bob' } });

describe('separation of duties', () => {
  test('authors are their email, or the user the app maps the email to (emails compared without case)', () => {
    expect(authors).toEqual([{ commit: C1, email: 'Alice@Example.com', user: 'Alice@Example.com' }, { commit: C2, email: 'robert@example.com', user: 'bob' }]);
    expect(authoredBy(authors, 'alice@example.com')?.commit).toBe(C1);
    expect(authoredBy(authors, 'carol')).toBeUndefined();
    expect(authoredBy(undefined, 'bob')).toBeUndefined();
  });

  test.each<[string, Partial<ApprovalRequest>, Partial<ApprovalDecision>, RegExp | undefined]>([
    ['off (no authors on the request): an author approves', {}, { user: 'alice@example.com' }, undefined],
    ['on: an approver who wrote none of the commits approves', { authors }, { user: 'carol', groups: ['platform'] }, undefined],
    ['on: the author of a commit may not approve it (by email)', { authors }, { user: 'alice@example.com' }, /^separation of duties: alice@example.com authored commit 111111111111 \(Alice@Example.com\) and may not approve it$/],
    ['on: the author of a commit may not approve it (by mapping)', { authors }, { user: 'bob' }, /authored commit 222222222222 \(robert@example.com\)/],
    ['on: an author may reject their own change', { authors }, { user: 'bob', approve: false }, undefined],
    ['on: a non-approver is refused as such first', { authors }, { user: 'mallory' }, /mallory is not an approver/],
    ['on: a stale revision is refused as stale first', { authors }, { user: 'bob', revision: 'b'.repeat(40) }, /stale decision: it names revision/],
  ])('%s', (_name, req, d, expected) => {
    const reason = refusalReason(request(req), decision(d));
    if (expected) expect(reason).toMatch(expected);
    else expect(reason).toBeUndefined();
  });
});

describe('SyncApproval objects', () => {
  const spec: SyncApprovalSpec = { application: 'web', revision: A, diffDigest: 'sha256:abc', decision: 'Reject', approver: 'bob', approverGroups: ['platform'], comment: 'not today' };

  test('the decision is the spec\'s, as its authenticated approver and groups', () => {
    expect(decisionOf(spec)).toEqual({ approve: false, revision: A, diffDigest: 'sha256:abc', user: 'bob', groups: ['platform'], comment: 'not today' });
    expect(decisionOf({ ...spec, decision: 'Approve', approverGroups: undefined, comment: undefined })).toEqual({ approve: true, revision: A, diffDigest: 'sha256:abc', user: 'bob', groups: [] });
  });

  test.each<[string, Parameters<typeof pendingSyncId>[1], string | undefined]>([
    ['a running operation', { operationState: { phase: 'Running', operation: { operationId: '7-manual00' } } }, 'sluice-sync/team/web/7-manual00'],
    ['no operation', {}, undefined],
    ['no status', undefined, undefined],
  ])('the sync a decision goes to: %s', (_name, status, expected) => {
    expect(pendingSyncId({ namespace: 'team', name: 'web' }, status)).toBe(expected);
  });

  test.each<[string, PolicyBinding | undefined, RegExp | undefined]>([
    ['deploy/admission as shipped', { spec: { policyName: 'sluice-syncapproval-identity', validationActions: ['Deny'] } }, undefined],
    ['denying and auditing', { spec: { policyName: 'sluice-syncapproval-identity', validationActions: ['Deny', 'Audit'] } }, undefined],
    ['no binding', undefined, /is not installed \(deploy\/admission\), so the approver cannot be trusted/],
    ['a binding that only warns', { spec: { policyName: 'sluice-syncapproval-identity', validationActions: ['Warn'] } }, /does not deny \(validationActions: Warn\)/],
    ['a binding of another policy', { spec: { policyName: 'allow-all', validationActions: ['Deny'] } }, /binds allow-all, not sluice-syncapproval-identity/],
  ])('approvers are trusted only behind the admission policy: %s', (_name, binding, expected) => {
    const problem = admissionProblem(binding);
    if (expected) expect(problem).toMatch(expected);
    else expect(problem).toBeUndefined();
  });

  test('the status says what came of it', () => {
    expect(accepted(spec, request({ state: 'Rejected', decidedBy: 'bob' }), '7-manual00', 'T')).toEqual({ outcome: 'Accepted', message: 'Rejected by bob', decidedAt: 'T', state: 'Rejected', operationId: '7-manual00', approverGroups: ['platform'] });
    expect(refused(spec, 'no approval is pending', 'T')).toEqual({ outcome: 'Refused', message: 'no approval is pending', decidedAt: 'T', approverGroups: ['platform'] });
  });
});
