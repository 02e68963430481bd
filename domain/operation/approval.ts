// Approval decisions are pinned to what the approver saw: the revision and the diff digest. These checks
// run in the Update validator (the caller hears at once) and on receipt of a Signal (the refusal is recorded).
import { ApprovalDecision, ApprovalRequest } from './types';

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
  return undefined;
}
