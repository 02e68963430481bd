// One workflow per promoted commit of a RollingSync ApplicationSet (sluice-promotion/<ns>/<set>/<sha12>): it walks
// the set's steps in order, asking each Application's own workflow to sync at that commit, and starts a step only
// when every earlier step's apps are Synced and Healthy there. A step with `approval` (Sluice's extension) asks its
// apps' syncs to wait for a named approver, through the same gate as an Application's approval: `sluice app approve`
// shows the plan for that cluster and releases it. A failing step stops the promotion before the next one.
// A newer commit starts a new promotion; the set cancels this one, which withdraws its syncs still waiting.
// Queries: `promotion` (each step's state). Search attributes: SluiceKind=Promotion, SluiceOperationPhase (e.g.
// AwaitingApproval), SluiceRevision, so the Temporal UI lists every promotion waiting for approval.
import {
  CancellationScope, condition, defineQuery, defineSignal, isCancellation, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import type { SetRef } from '../activities/appset';
import { nextAction, StepState, stepStates } from '../domain/appset/rollout';
import { promotionSnapshotSummary, promotionStatusSummary, promotionSyncSummary, withdrawSyncSummary } from '../domain/summary/activities';
import { promotionWaitSummary } from '../domain/summary/workflows';
import { notify } from './notify';
import { changedAttributes, SA } from './search-attributes';

const activities = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** How often a promotion looks again without being poked (the set pokes it whenever its apps change). */
const POLL_MS = 15_000;

export type PromotionPhase = 'Progressing' | 'AwaitingApproval' | 'Succeeded' | 'Failed' | 'Superseded';

export interface PromotionState {
  revision: string;
  phase: PromotionPhase;
  steps: StepState[];
  message?: string;
  startedAt: string;
  finishedAt?: string;
}

export const promotionQuery = defineQuery<PromotionState>('promotion');
export const promotionPokeSignal = defineSignal('poke');

export interface PromotionInput {
  set: SetRef;
  revision: string;
  /** False where the server has none of Sluice's search attributes registered (the time-skipping tests). */
  searchAttributes?: boolean;
}

export async function promotionWorkflow(input: PromotionInput): Promise<PromotionState> {
  const initiatedBy = `promotion of ${input.set.name} at ${input.revision.slice(0, 12)}`;
  const state: PromotionState = { revision: input.revision, phase: 'Progressing', steps: [], startedAt: new Date(workflowInfo().startTime).toISOString() };
  const started: string[] = [];
  const approvalAsked: number[] = [];
  let poked = false;
  let written = '';
  setHandler(promotionQuery, () => state);
  setHandler(promotionPokeSignal, () => void (poked = true));

  let attributes: Record<string, string> = {};
  const upsert = () => {
    if (input.searchAttributes === false) return;
    const changed = changedAttributes(attributes, {
      [SA.kind.name]: 'Promotion', [SA.application.name]: input.set.name, [SA.namespace.name]: input.set.namespace, [SA.revision.name]: input.revision, [SA.operationPhase.name]: state.phase,
    });
    if (changed.pairs.length) upsertSearchAttributes(changed.pairs);
    attributes = changed.current;
  };
  const publish = async () => {
    upsert();
    const text = JSON.stringify(state);
    if (text === written) return;
    written = text;
    await activities.writePromotionStatus.executeWithOptions({ summary: promotionStatusSummary(state.phase) }, [{ set: input.set, promotion: { ...state, workflowId: workflowInfo().workflowId } }]);
  };

  try {
    for (;;) {
      const snapshot = await activities.promotionSnapshot.executeWithOptions({ summary: promotionSnapshotSummary(input.set) }, [{ set: input.set }]);
      if (!snapshot.found) return { ...state, phase: 'Superseded', message: 'the ApplicationSet is gone' };
      const view = { revision: input.revision, steps: snapshot.steps, apps: snapshot.apps, started, approved: approvalAsked };
      state.steps = stepStates(view);
      const action = nextAction(view);
      if (action.kind === 'done') {
        state.phase = 'Succeeded';
        state.message = `every step is Synced and Healthy at ${input.revision.slice(0, 12)}`;
        state.finishedAt = new Date().toISOString();
        await publish();
        return state;
      }
      if (action.kind === 'failed') {
        state.phase = 'Failed';
        state.message = `step ${action.step + 1}: ${action.app}: ${action.reason}; the promotion stopped before the next step`;
        state.finishedAt = new Date().toISOString();
        await publish();
        // Said to whoever subscribes to the failing app (a set's template gives all its apps the same annotations).
        const app = { group: input.set.group, namespace: input.set.namespace, name: action.app };
        await notify(app, { trigger: 'on-promotion-failed', app, revision: input.revision, message: `ApplicationSet ${input.set.name}: promotion of ${input.revision.slice(0, 12)} failed at ${state.message}` });
        return state;
      }
      if (action.kind === 'sync' || action.kind === 'await-approval') {
        // A step with approval syncs through the app's approval gate: each sync of it (every maxUpdate batch, not
        // just the first) waits there for a named approver.
        if (action.kind === 'await-approval') approvalAsked.push(action.step);
        const requireApproval = snapshot.steps[action.step]?.approval !== undefined;
        for (const app of action.apps) {
          await activities.startPromotionSync.executeWithOptions({ summary: promotionSyncSummary(app, input.revision, requireApproval) }, [{ namespace: input.set.namespace, name: app, revision: input.revision, requireApproval, initiatedBy }]);
          started.push(app);
        }
        poked = true;
      }
      state.phase = state.steps.some((s) => s.state === 'AwaitingApproval') ? 'AwaitingApproval' : 'Progressing';
      state.message = undefined;
      await publish();
      await condition(() => poked, POLL_MS, { summary: promotionWaitSummary(POLL_MS) });
      poked = false;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Superseded by a newer commit: the syncs this promotion asked for and that have not ended are withdrawn, so a
    // pending approval of this commit can no longer be given.
    await CancellationScope.nonCancellable(async () => {
      const snapshot = await activities.promotionSnapshot.executeWithOptions({ summary: promotionSnapshotSummary(input.set) }, [{ set: input.set }]);
      for (const app of snapshot.apps.filter((a) => started.includes(a.name) && (a.operationPhase === 'Running' || a.operationPhase === 'Terminating'))) {
        await activities.cancelPromotionSync.executeWithOptions({ summary: withdrawSyncSummary(app.name) }, [{ namespace: input.set.namespace, name: app.name, initiatedBy: `${initiatedBy}: superseded` }]);
      }
      state.phase = 'Superseded';
      state.message = 'a newer commit started a new promotion';
      state.finishedAt = new Date().toISOString();
      // The set's status now belongs to the newer promotion: only the search attributes say this one is over.
      upsert();
    });
    return state;
  }
}
