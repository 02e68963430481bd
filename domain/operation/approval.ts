// Approval decisions are pinned to what the approver saw: the revision and the diff digest. These checks
// run in the Update validator (the caller hears at once) and on receipt of a Signal (the refusal is recorded).
import { ApprovalPolicy } from '../application/types';
import { ApprovalDecision, ApprovalRequest, CommitIdentity } from './types';

/**
 * Separation of duties: the users who may not approve, one per commit. An author is the Kubernetes user whose
 * name is their email (compared without case), unless the app's authorIdentities maps the email to another.
 */
export function commitIdentities(commits: Array<{ commit: string; email: string }>, policy: ApprovalPolicy = {}): CommitIdentity[] {
  const identities = new Map(Object.entries(policy.authorIdentities ?? {}).map(([email, user]) => [email.toLowerCase(), user]));
  return commits.map(({ commit, email }) => ({ commit, email, user: identities.get(email.toLowerCase()) ?? email }));
}

/** The commit `user` wrote among those a request would deploy, if any (rejecting one's own change is allowed). */
export function authoredBy(authors: CommitIdentity[] | undefined, user: string): CommitIdentity | undefined {
  return authors?.find((a) => a.user.toLowerCase() === user.toLowerCase());
}

/** True when `user` (or one of `groups`, written "group:<name>") is in the approver list. */
export function isApprover(approvers: string[], user: string, groups: string[] = []): boolean {
  return approvers.includes(user) || groups.some((g) => approvers.includes(`group:${g}`));
}

/** Why a decision is refused, or undefined when it may be taken. */
export function refusalReason(request: ApprovalRequest | undefined, decision: ApprovalDecision): string | undefined {
  if (!request) return 'no approval is pending';
  if (request.state !== 'Pending') return `the request is already ${request.state.toLowerCase()}${request.decidedBy ? ` by ${request.decidedBy}` : ''}`;
  if (!decision.user) return 'the decision does not name who decides';
  if (!isApprover(request.approvers, decision.user, decision.groups)) return `${decision.user} is not an approver (approvers: ${request.approvers.join(', ')})`;
  if (decision.revision !== request.revision) return `stale decision: it names revision ${decision.revision.slice(0, 12)}, but ${request.revision.slice(0, 12)} is pending`;
  if (decision.diffDigest !== request.diffDigest) return `stale decision: it names diff ${decision.diffDigest.slice(0, 19)}, but ${request.diffDigest.slice(0, 19)} is pending`;
  const own = decision.approve ? authoredBy(request.authors, decision.user) : undefined;
  if (own) return `separation of duties: ${decision.user} authored commit ${own.commit.slice(0, 12)} (${own.email}) and may not approve it`;
  return undefined;
}
