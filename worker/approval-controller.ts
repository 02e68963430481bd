// Watches SyncApproval objects and forwards each decision, once, to the sync waiting for it: the existing
// approveSync/rejectSync Update, taken as the approver and groups the API server authenticated (deploy/admission),
// then records the outcome on the object's status. An object with a status is done; the Update's id is the
// object's uid, so a decision sent again after a restart (or by a second replica) gets the first answer back.
// Without deploy/admission's binding in place, nothing vouches for the approver: every decision is refused.
import * as k8s from '../activities/cluster/k8s';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Logger } from 'pino';
import { KubeClient } from '../activities/cluster/kube-client';
import { AppGroup } from '../domain/operation/types';
import {
  accepted, ADMISSION_POLICY, admissionProblem, decisionOf, pendingSyncId, PolicyBinding, refused, SYNC_APPROVAL_API, SyncApprovalSpec, SyncApprovalStatus,
} from '../domain/operation/sync-approval';
import { approveUpdate, rejectUpdate } from '../workflows/approval';
import { CrController, WatchedObject } from './cr-watch';
import type { Leadership } from './leader-election';

type ApprovalObject = WatchedObject & { metadata: { uid: string }; spec: SyncApprovalSpec; status?: Partial<SyncApprovalStatus> };
type AppStatus = Parameters<typeof pendingSyncId>[1];

export interface ApprovalControllerOptions {
  kubeConfig: k8s.KubeConfig;
  kube: KubeClient;
  client: Client;
  logger: Logger;
  /** The Application groups this worker serves: a SyncApproval names an Application of either. */
  groups: AppGroup[];
  /** Only SyncApprovals with these labels (the CLI copies the Application's labels onto its approvals). */
  labelSelector?: string;
  /** Whether this replica leads (forwards decisions); absent, it always does. */
  leadership?: Leadership;
}

const RETRY_MS = 2000;

export class ApprovalController extends CrController<ApprovalObject> {
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: ApprovalControllerOptions) {
    super({ ...options, groups: ['sluice.dev'] }, { plural: 'syncapprovals', kind: 'SyncApproval' });
  }

  protected onEvent(_group: AppGroup, type: string, obj: ApprovalObject): void {
    if (type === 'DELETED' || type === 'ERROR' || obj.status?.outcome || this.inFlight.has(obj.metadata.uid) || !this.leading) return;
    this.counted('syncapproval');
    this.inFlight.add(obj.metadata.uid);
    void this.process(obj).finally(() => this.inFlight.delete(obj.metadata.uid));
  }

  private async process(obj: ApprovalObject): Promise<void> {
    const { namespace, name } = obj.metadata;
    const log = { approval: name, namespace, application: obj.spec.application, approver: obj.spec.approver };
    for (let attempt = 1; ; attempt++) {
      // A replica that stopped leading leaves the decision to the new leader, which lists every approval.
      if (!this.leading) return;
      try {
        const status = await this.decide(obj);
        await this.options.kube.request('PATCH', `/apis/${SYNC_APPROVAL_API}/namespaces/${namespace}/syncapprovals/${name}/status`, { body: { status }, contentType: 'application/merge-patch+json' });
        this.options.logger.info({ ...log, outcome: status.outcome, message: status.message }, 'sync approval decided');
        return;
      } catch (error) {
        if (attempt >= 30) return this.options.logger.error({ ...log, err: String(error) }, 'could not decide a sync approval; giving up until the worker restarts');
        this.options.logger.warn({ ...log, err: String(error), attempt }, 'could not decide a sync approval; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** The outcome; throws only on transient errors (Kubernetes or Temporal unreachable). */
  private async decide(obj: ApprovalObject): Promise<SyncApprovalStatus> {
    const { namespace } = obj.metadata;
    const now = () => new Date().toISOString();
    const untrusted = admissionProblem(await this.binding());
    if (untrusted) return refused(obj.spec, untrusted, now());
    const app = await this.application(namespace, obj.spec.application);
    if (!app) return refused(obj.spec, `no Application ${obj.spec.application} in namespace ${namespace}`, now());
    const syncId = pendingSyncId({ namespace, name: obj.spec.application }, app.status);
    const operationId = app.status?.operationState?.operation?.operationId;
    if (!syncId || !operationId) return refused(obj.spec, 'no approval is pending', now());
    const decision = decisionOf(obj.spec);
    try {
      const result = await this.options.client.workflow.getHandle(syncId).executeUpdate(decision.approve ? approveUpdate : rejectUpdate, {
        args: [decision], updateId: `syncapproval/${obj.metadata.uid}`,
      });
      return accepted(obj.spec, result, operationId, now());
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return refused(obj.spec, (error.cause as Error | undefined)?.message ?? error.message, now(), operationId);
      if (error instanceof WorkflowNotFoundError) return refused(obj.spec, `no approval is pending (sync ${operationId} is over)`, now(), operationId);
      throw error;
    }
  }

  private async binding(): Promise<PolicyBinding | undefined> {
    return (await this.options.kube.get('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', undefined, ADMISSION_POLICY)) as PolicyBinding | undefined;
  }

  private async application(namespace: string, name: string): Promise<{ status?: AppStatus } | undefined> {
    for (const group of this.options.groups) {
      const app = await this.options.kube.get(`${group}/v1alpha1`, 'Application', namespace, name);
      if (app) return app as { status?: AppStatus };
    }
    return undefined;
  }
}
