// The few activities that talk to Temporal itself: terminating a sync that ignored its cancellation, and
// looking up how a sync carried over from an earlier run of the app workflow ended.
import { Client, WorkflowFailedError } from '@temporalio/client';
import { SyncOutcome, SyncResult } from '../domain/operation/types';

export interface SyncWorkflowState {
  closed: boolean;
  outcome?: SyncOutcome;
  message?: string;
  /** Whether the sync recorded its own end on the CR (it returned a result). */
  recorded?: boolean;
}

export function temporalActivities(client: () => Client) {
  return {
    async terminateSync(input: { workflowId: string; reason: string }): Promise<void> {
      const handle = client().workflow.getHandle(input.workflowId);
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate(input.reason);
    },
    async describeSync(input: { workflowId: string }): Promise<SyncWorkflowState> {
      const handle = client().workflow.getHandle<() => Promise<SyncResult>>(input.workflowId);
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') return { closed: false };
      if (status.name === 'COMPLETED') {
        const result = await handle.result();
        return { closed: true, outcome: result.outcome, message: result.message, recorded: true };
      }
      const failure = status.name === 'FAILED' ? await handle.result().then(() => undefined, (e: WorkflowFailedError) => e.cause?.message) : undefined;
      return { closed: true, outcome: status.name === 'TERMINATED' || status.name === 'CANCELLED' ? 'Terminated' : 'Failed', message: `the sync workflow ended ${status.name}${failure ? `: ${failure}` : ''}`, recorded: false };
    },
  };
}
