// The size of a workflow's history across its continue-as-new chain: events and encoded bytes per run.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

export interface RunSize {
  runId: string;
  events: number;
  /** The History proto's encoded size: what the server stores and replays. */
  bytes: number;
  /** Local activities are markers (the app workflow's one local activity is the refresh). */
  localActivities: number;
}

/** Every run of `workflowId`, newest first, following each run's `continuedExecutionRunId` back to the first. */
export async function historyChain(client: Client, workflowId: string, runId?: string): Promise<RunSize[]> {
  const runs: RunSize[] = [];
  for (let id: string | undefined = runId ?? (await client.workflow.getHandle(workflowId).describe()).runId; id;) {
    const history: proto.temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, id).fetchHistory();
    const events = history.events ?? [];
    runs.push({
      runId: id, events: events.length, bytes: proto.temporal.api.history.v1.History.encode(history).finish().length,
      localActivities: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    });
    id = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

/** The chain's totals and its largest run. */
export function chainTotals(runs: RunSize[]): { runs: number; events: number; bytes: number; localActivities: number; maxEvents: number } {
  return {
    runs: runs.length, events: runs.reduce((a, r) => a + r.events, 0), bytes: runs.reduce((a, r) => a + r.bytes, 0),
    localActivities: runs.reduce((a, r) => a + r.localActivities, 0), maxEvents: Math.max(0, ...runs.map((r) => r.events)),
  };
}
