// The side effects of a RollingSync promotion (workflows/promotion.ts): reading where the set's Applications stand,
// asking an Application's own workflow to sync at the promoted commit (with its approval gate when the step has
// one), withdrawing that request when a newer commit supersedes the promotion, and writing the promotion's state on
// the set. Decisions are domain/appset/rollout.ts.
import { Client } from '@temporalio/client';
import { AppObject } from '../domain/appset/plan';
import { PromotionApp } from '../domain/appset/rollout';
import { ApplicationSet, RollingSyncStep } from '../domain/appset/types';
import { applicationWorkflowId } from '../domain/operation/types';
import { syncUpdate, terminateUpdate } from '../workflows/application';
import { ownedApplications, SetRef, setPath } from './appset';
import { KubeApiError } from './cluster/kube-client';
import { Engine } from './engine';

export interface PromotionSnapshot {
  found: boolean;
  steps: RollingSyncStep[];
  apps: PromotionApp[];
}

/** Where the app stands, as the promotion reads it; `syncedRevision` is the commit it is Synced at, if any. */
export function promotionApp(app: AppObject): PromotionApp {
  const status = (app.status ?? {}) as {
    sync?: { status?: string; revision?: string }; health?: { status?: string };
    operationState?: { phase?: string; message?: string; syncResult?: { revision?: string }; operation?: { sync?: { revision?: string } } };
    approval?: { state?: string; revision?: string };
  };
  const op = status.operationState;
  const lastSynced = op && op.phase !== 'Running' && op.phase !== 'Terminating' ? op.syncResult?.revision : undefined;
  return {
    name: app.metadata.name, labels: app.metadata.labels ?? {},
    syncStatus: status.sync?.status ?? 'Unknown', health: status.health?.status ?? 'Unknown',
    syncedRevision: status.sync?.status === 'Synced' ? status.sync.revision : lastSynced,
    // A sync that failed before it resolved its revision (a render error) names only the revision it was asked for.
    operationPhase: op?.phase, operationRevision: op?.syncResult?.revision ?? op?.operation?.sync?.revision, operationMessage: op?.message,
    ...(status.approval?.state === 'Pending' ? { approvalPending: status.approval.revision } : {}),
  };
}

export function promotionActivities(engine: Engine, temporal: () => Client) {
  return {
    async promotionSnapshot(input: { set: SetRef }): Promise<PromotionSnapshot> {
      let set: ApplicationSet;
      try {
        set = await engine.client.request<ApplicationSet>('GET', setPath(input.set));
      } catch (error) {
        if (error instanceof KubeApiError && error.code === 404) return { found: false, steps: [], apps: [] };
        throw error;
      }
      const apps = await ownedApplications(engine.client, input.set, set);
      return { found: true, steps: set.spec.strategy?.rollingSync?.steps ?? [], apps: apps.map(promotionApp) };
    },

    async writePromotionStatus(input: { set: SetRef; promotion: Record<string, unknown> }): Promise<void> {
      try {
        await engine.client.request('PATCH', setPath(input.set, '/status'), { body: { status: { promotion: input.promotion } }, contentType: 'application/merge-patch+json' });
      } catch (error) {
        if (!(error instanceof KubeApiError && error.code === 404)) throw error;
      }
    },

    /** Asks the app's workflow to sync at `revision`; a refusal (another operation running) is retried by Temporal. */
    async startPromotionSync(input: { namespace: string; name: string; revision: string; requireApproval: boolean; initiatedBy: string }): Promise<void> {
      await temporal().workflow.getHandle(applicationWorkflowId(input)).executeUpdate(syncUpdate, {
        args: [{ revision: input.revision, requireApproval: input.requireApproval, initiatedBy: input.initiatedBy }],
      });
    },

    /** Withdraws the app's running operation (a sync waiting for approval cannot be approved any more). */
    async cancelPromotionSync(input: { namespace: string; name: string; initiatedBy: string }): Promise<void> {
      await temporal().workflow.getHandle(applicationWorkflowId(input)).executeUpdate(terminateUpdate, { args: [{ initiatedBy: input.initiatedBy }] }).catch(() => undefined);
    },
  };
}
