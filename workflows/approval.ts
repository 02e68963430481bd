// The approval gate of a sync: publish the request (revision, diff digest, approvers, the exact commands),
// take decisions by Update (validated before they reach history) or by Signal (checked on receipt, refusals
// recorded), and wait until one is taken, the request expires, a newer revision supersedes it, or the sync is
// cancelled.
import { condition, defineSignal, defineUpdate, isCancellation, setHandler } from '@temporalio/workflow';
import { refusalReason } from '../domain/operation/approval';
import { parseDuration } from '../domain/duration';
import { approvalWaitSummary } from '../domain/summary/workflows';
import { ApprovalDecision, ApprovalRequest, PreparedSync, SyncProgress, SyncRequest, syncWorkflowId } from '../domain/operation/types';

/** The CLI's path: the validator refuses a bad decision before it reaches history. */
export const approveUpdate = defineUpdate<ApprovalRequest, [ApprovalDecision]>('approveSync');
export const rejectUpdate = defineUpdate<ApprovalRequest, [ApprovalDecision]>('rejectSync');
/** The Temporal UI's and `temporal workflow signal`'s path: checked on receipt, refusals recorded. */
export const approveSignal = defineSignal<[ApprovalDecision]>('approve');
export const rejectSignal = defineSignal<[ApprovalDecision]>('reject');

/** How the wait ended; anything but 'Approved' ends the sync with nothing applied. */
export type ApprovalOutcome = 'Approved' | 'Rejected' | 'Expired' | 'Superseded' | 'Terminated';

export interface ApprovalGate {
  request: SyncRequest;
  prepared: PreparedSync;
  progress: SyncProgress;
  /** A newer revision that replaces this sync, once the app has seen one. */
  supersededBy: () => string | undefined;
  /** Writes the pending request to the CR and sends on-approval-requested. */
  announce: (message: string, commands: string[]) => Promise<void>;
}

/** Installs the decision handlers (they refuse everything until a request is pending). */
export function acceptDecisions(progress: SyncProgress): void {
  const decide = (decision: ApprovalDecision, via: 'update' | 'signal'): ApprovalRequest => {
    const approval = progress.approval!;
    approval.state = decision.approve ? 'Approved' : 'Rejected';
    approval.decidedBy = `${decision.user}${via === 'signal' ? ' (signal)' : ''}`;
    approval.decidedAt = new Date().toISOString();
    approval.comment = decision.comment;
    return approval;
  };
  // Which Update was sent decides approve or reject, whatever the decision's own flag says.
  const validator = (approve: boolean) => (decision: ApprovalDecision) => {
    const reason = refusalReason(progress.approval, { ...decision, approve });
    if (reason) throw new Error(reason);
  };
  setHandler(approveUpdate, (d) => decide({ ...d, approve: true }, 'update'), { validator: validator(true) });
  setHandler(rejectUpdate, (d) => decide({ ...d, approve: false }, 'update'), { validator: validator(false) });
  const onSignal = (approve: boolean) => (d: ApprovalDecision) => {
    const decision = { ...d, approve };
    const reason = refusalReason(progress.approval, decision);
    if (reason) progress.approval?.refused.push({ user: d?.user ?? '(unnamed)', reason, at: new Date().toISOString() });
    else decide(decision, 'signal');
  };
  setHandler(approveSignal, onSignal(true));
  setHandler(rejectSignal, onSignal(false));
}

export async function awaitApproval(gate: ApprovalGate): Promise<ApprovalOutcome> {
  const { request, prepared, progress } = gate;
  const policy = request.spec.syncPolicy?.approval ?? {};
  const id = syncWorkflowId(request.app, request.operationId);
  const payload = JSON.stringify({ revision: request.revision, diffDigest: prepared.diffDigest, user: '<you>', comment: 'looks good' });
  const approval: ApprovalRequest = {
    state: 'Pending', revision: request.revision, diffDigest: prepared.diffDigest, requestedAt: new Date().toISOString(),
    approvers: policy.approvers ?? [], summary: prepared.summary, refused: [], ...(prepared.authors ? { authors: prepared.authors } : {}),
    commands: [
      `sluice app approve ${request.app.name} -n ${request.app.namespace}`,
      `sluice app reject ${request.app.name} -n ${request.app.namespace} --comment "..."`,
      `temporal workflow signal --workflow-id '${id}' --name approve --input '${payload}'`,
    ],
  };
  progress.approval = approval;
  progress.step = 'AwaitingApproval';
  await gate.announce(`waiting for approval of ${request.revision.slice(0, 12)} by ${approval.approvers.join(', ')}`, approval.commands);
  const timeoutMs = parseDuration(policy.timeout ?? '') ?? undefined;
  let decided: boolean;
  try {
    decided = await condition(() => approval.state !== 'Pending' || gate.supersededBy() !== undefined, timeoutMs ?? '3650 days', {
      summary: approvalWaitSummary(request.revision, approval.approvers, timeoutMs === undefined ? undefined : policy.timeout),
    });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    approval.state = 'Terminated';
    return 'Terminated';
  }
  if (!decided) approval.state = 'Expired';
  else if (approval.state === 'Pending') approval.state = 'Superseded';
  return approval.state as ApprovalOutcome;
}
