// One workflow per ApplicationSet (workflow id sluice-appset/<namespace>/<name>): it regenerates the set's
// Applications on an interval (Argo CD's 3 minutes, or the git generators' requeueAfterSeconds), on the `refresh`
// signal (the controller sends it when the set's spec changes, one of its Applications changes, or a webhook
// names one of its repositories), and ends when the set is gone. Generating and applying is one activity
// (activities/appset.ts); the decisions are domain/appset/*.
import {
  condition, continueAsNew, defineQuery, defineSignal, getExternalWorkflowHandle, ParentClosePolicy, proxyActivities, setHandler, sleep, startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { promotionWorkflowId } from '../domain/appset/promotion';
import { promotionPokeSignal, promotionWorkflow } from './promotion';
import type { SluiceActivities } from '../activities';
import type { SetReconcileResult, SetRef } from '../activities/appset';
import { appSetSummary } from '../domain/summary/activities';
import { promotionWorkflowMetadata, setWaitSummary } from '../domain/summary/workflows';

const activities = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const DEFAULT_SET_INTERVAL_MS = 180_000;
/** Signals that arrive together (a fleet of Applications changing at once) make one reconcile. */
const SETTLE_MS = 2_000;
const RECONCILES_PER_RUN = 200;

export const setRefreshSignal = defineSignal('refresh');
export const setStateQuery = defineQuery<SetReconcileResult | undefined>('state');

export function applicationSetWorkflowId(set: Pick<SetRef, 'namespace' | 'name'>): string {
  return `sluice-appset/${set.namespace}/${set.name}`;
}

export interface ApplicationSetInput {
  set: SetRef;
  options?: { intervalMs?: number };
  /** The RollingSync promotion under way (or last run), carried across continue-as-new. */
  promotion?: { revision: string; workflowId: string };
}

export async function applicationSetWorkflow(input: ApplicationSetInput): Promise<void> {
  let requested = false;
  let last: SetReconcileResult | undefined;
  let promotion = input.promotion;
  setHandler(setRefreshSignal, () => void (requested = true));
  setHandler(setStateQuery, () => last);
  for (let run = 0; run < RECONCILES_PER_RUN; run++) {
    requested = false;
    last = await activities.reconcileApplicationSet.executeWithOptions({ summary: appSetSummary(input.set) }, [input.set]);
    if (!last.found) return;
    promotion = await promote(input.set, last.promotionTarget, promotion);
    // A name this set shares with another: tell that set, so both report the conflict.
    for (const other of last.conflictsWith) {
      await getExternalWorkflowHandle(applicationSetWorkflowId({ namespace: input.set.namespace, name: other })).signal(setRefreshSignal).catch(() => undefined);
    }
    const interval = last.requeueAfterSeconds !== undefined ? last.requeueAfterSeconds * 1000 : input.options?.intervalMs ?? DEFAULT_SET_INTERVAL_MS;
    await condition(() => requested, interval, { summary: setWaitSummary(interval) });
    if (requested) await sleep(SETTLE_MS, { summary: 'let changes that came together settle' });
  }
  await continueAsNew<typeof applicationSetWorkflow>({ ...input, promotion });
}

/**
 * A RollingSync set promotes each new commit its apps report in a workflow of its own; a newer commit cancels the
 * promotion under way (which withdraws its syncs still waiting) and starts one from the first step. The promotion
 * under way is poked after every reconcile, since the set hears of its apps' changes first.
 */
async function promote(set: SetRef, target: string | undefined, current: ApplicationSetInput['promotion']): Promise<ApplicationSetInput['promotion']> {
  if (target && target !== current?.revision) {
    if (current) await getExternalWorkflowHandle(current.workflowId).cancel().catch(() => undefined);
    const workflowId = promotionWorkflowId(set, target);
    try {
      await startChild(promotionWorkflow, { workflowId, args: [{ set, revision: target }], parentClosePolicy: ParentClosePolicy.ABANDON, ...promotionWorkflowMetadata(set, target) });
    } catch (error) {
      // Already running (a set deleted and made again while its promotion waited): that one goes on.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    return { revision: target, workflowId };
  }
  if (current) await getExternalWorkflowHandle(current.workflowId).signal(promotionPokeSignal).catch(() => undefined);
  return current;
}
