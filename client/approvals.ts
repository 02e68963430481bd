// `sluice app approve|reject`: by default a SyncApproval created through the Kubernetes API, as the caller
// (deploy/admission checks the claimed approver and groups are theirs), whose outcome the worker writes back.
// With --as, the Temporal Update directly: privileged, since whoever can call Temporal can claim any name.
import { ApprovalRequest } from '../domain/operation/types';
import { KubeObject } from '../domain/resource/types';
import { SYNC_APPROVAL_API, SyncApprovalSpec, SyncApprovalStatus } from '../domain/operation/sync-approval';
import { approveUpdate, rejectUpdate } from '../workflows/approval';
import { CliError, KubeSession, Session } from './connection';
import { EXIT } from './exit-codes';

export interface PendingApp {
  apiVersion?: string;
  metadata: { name?: string; uid?: string; labels?: Record<string, string> };
  status: { approval: ApprovalRequest; operationState: { operation: { operationId: string } } };
}

export interface Decision {
  approve: boolean;
  user: string;
  groups: string[];
  comment?: string;
}

/** Creates the SyncApproval and waits (up to `timeoutMs`) for the worker's outcome; a refusal exits 1. */
export async function decideThroughKubernetes(s: KubeSession, app: PendingApp, d: Decision, timeoutMs: number): Promise<void> {
  const name = app.metadata.name!;
  const spec: SyncApprovalSpec = {
    application: name, revision: app.status.approval.revision, diffDigest: app.status.approval.diffDigest,
    decision: d.approve ? 'Approve' : 'Reject', approver: d.user, approverGroups: d.groups, ...(d.comment ? { comment: d.comment } : {}),
  };
  // The app's labels let a label-scoped worker (SLUICE_APP_SELECTOR) see the decision; the owner reference
  // deletes the decisions with the app.
  const object = {
    apiVersion: SYNC_APPROVAL_API, kind: 'SyncApproval',
    metadata: {
      generateName: `${name.slice(0, 40)}-${d.approve ? 'approve' : 'reject'}-`, namespace: s.namespace, labels: app.metadata.labels ?? {},
      ...(app.metadata.uid ? { ownerReferences: [{ apiVersion: app.apiVersion ?? 'sluice.dev/v1alpha1', kind: 'Application', name, uid: app.metadata.uid }] } : {}),
    },
    spec,
  };
  let created: KubeObject;
  try {
    created = await s.kube.create(object as unknown as KubeObject);
  } catch (error) {
    throw new CliError(`the API server refused the SyncApproval: ${(error as Error).message}`, 'approving needs `create` on syncapprovals.sluice.dev in this namespace (deploy/rbac/approver)', EXIT.usage, { cause: error });
  }
  const approvalName = created.metadata.name!;
  console.log(`syncapproval.sluice.dev/${approvalName} created`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = (await s.kube.get(SYNC_APPROVAL_API, 'SyncApproval', s.namespace, approvalName)) as { status?: Partial<SyncApprovalStatus> } | undefined;
    const status = current?.status;
    if (status?.outcome === 'Accepted') return console.log(status.message);
    if (status?.outcome === 'Refused') throw new CliError(`refused: ${status.message}`, undefined, 1);
    if (Date.now() > deadline) throw new CliError(`no outcome on syncapproval.sluice.dev/${approvalName} after ${Math.round(timeoutMs / 1000)}s`, 'is the Sluice worker running? `kubectl get syncapproval` shows the outcome once it is decided', 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The privileged path: the Temporal Update itself, as whoever `d.user` says (for clusters with no SelfSubjectReview). */
export async function decideThroughTemporal(s: Session, app: PendingApp, d: Decision): Promise<void> {
  const syncId = `sluice-sync/${s.namespace}/${app.metadata.name}/${app.status.operationState.operation.operationId}`;
  const { revision, diffDigest } = app.status.approval;
  const decision = { approve: d.approve, revision, diffDigest, user: d.user, groups: d.groups, comment: d.comment };
  try {
    const result = await s.temporal.workflow.getHandle(syncId).executeUpdate(d.approve ? approveUpdate : rejectUpdate, { args: [decision] });
    console.log(`${result.state} by ${result.decidedBy}`);
  } catch (error) {
    throw new CliError(`refused: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`, undefined, EXIT.usage, { cause: error });
  }
}
