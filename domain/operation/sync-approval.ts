// SyncApproval objects: a decision made through the Kubernetes API (deploy/admission authenticates its approver
// and groups). The worker turns one into the decision the sync workflow takes, and its result into the status.
import { ApprovalDecision, ApprovalRequest, syncWorkflowId } from './types';

export const SYNC_APPROVAL_API = 'sluice.dev/v1alpha1';
/** deploy/admission: the policy and binding that make spec.approver and spec.approverGroups the caller's own. */
export const ADMISSION_POLICY = 'sluice-syncapproval-identity';

export interface PolicyBinding {
  spec?: { policyName?: string; validationActions?: string[] };
}

/**
 * Why the approvers of SyncApprovals cannot be trusted, or undefined when deploy/admission's binding is in place
 * and denies: without it, anyone who may create a SyncApproval could claim to be anyone, so the worker refuses.
 */
export function admissionProblem(binding: PolicyBinding | undefined): string | undefined {
  const where = `ValidatingAdmissionPolicyBinding ${ADMISSION_POLICY}`;
  if (!binding) return `${where} is not installed (deploy/admission), so the approver cannot be trusted`;
  if (binding.spec?.policyName !== ADMISSION_POLICY) return `${where} binds ${binding.spec?.policyName ?? 'no policy'}, not ${ADMISSION_POLICY}, so the approver cannot be trusted`;
  if (!binding.spec.validationActions?.includes('Deny')) return `${where} does not deny (validationActions: ${(binding.spec.validationActions ?? []).join(', ') || 'none'}), so the approver cannot be trusted`;
  return undefined;
}

export interface SyncApprovalSpec {
  application: string;
  revision: string;
  diffDigest: string;
  decision: 'Approve' | 'Reject';
  comment?: string;
  approver: string;
  approverGroups?: string[];
}

export interface SyncApprovalStatus {
  outcome: 'Accepted' | 'Refused';
  message: string;
  decidedAt: string;
  /** The request's state after the decision (Approved or Rejected), when accepted. */
  state?: string;
  operationId?: string;
  /** The groups the decision was taken with, as the API server authenticated them. */
  approverGroups: string[];
}

export function decisionOf(spec: SyncApprovalSpec): ApprovalDecision {
  return {
    approve: spec.decision === 'Approve', revision: spec.revision, diffDigest: spec.diffDigest,
    user: spec.approver, groups: spec.approverGroups ?? [], ...(spec.comment ? { comment: spec.comment } : {}),
  };
}

/** The sync a decision goes to: the one the Application's status says is running, if any. */
export function pendingSyncId(app: { namespace: string; name: string }, status: { operationState?: { phase?: string; operation?: { operationId?: string } } } | undefined): string | undefined {
  const operationId = status?.operationState?.operation?.operationId;
  return operationId ? syncWorkflowId(app, operationId) : undefined;
}

export function accepted(spec: SyncApprovalSpec, result: ApprovalRequest, operationId: string, at: string): SyncApprovalStatus {
  return { outcome: 'Accepted', message: `${result.state} by ${result.decidedBy}`, decidedAt: at, state: result.state, operationId, approverGroups: spec.approverGroups ?? [] };
}

export function refused(spec: SyncApprovalSpec, reason: string, at: string, operationId?: string): SyncApprovalStatus {
  return { outcome: 'Refused', message: reason, decidedAt: at, ...(operationId ? { operationId } : {}), approverGroups: spec.approverGroups ?? [] };
}
