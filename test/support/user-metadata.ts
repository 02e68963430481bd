// The user metadata in a workflow's history (the summaries and details the Temporal UI shows), read from the
// history as Temporal stores it and decoded here: through the payload codec when one is given.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export interface MetadataEvent {
  eventId: number;
  /** e.g. ACTIVITY_TASK_SCHEDULED, MARKER_RECORDED, TIMER_STARTED, WORKFLOW_EXECUTION_STARTED. */
  type: string;
  /** The activity type of a scheduled activity, the marker's name of a marker. */
  name?: string;
  summary?: string;
  details?: string;
  /** The encodings the payloads had as stored (e.g. `binary/encrypted`). */
  storedEncodings: string[];
  /** The payloads' data as stored, read as UTF-8: plain JSON text, or ciphertext. */
  storedData: string[];
}

const eventTypeName = (type: temporal.api.enums.v1.EventType | null | undefined) => temporal.api.enums.v1.EventType[type ?? 0].replace(/^EVENT_TYPE_/, '');
const encodingOf = (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? []).toString('utf8');

async function decode(payload: Payload | null | undefined, codec?: PayloadCodec): Promise<string | undefined> {
  if (!payload) return undefined;
  const [plain] = codec ? await codec.decode([payload]) : [payload];
  return defaultPayloadConverter.fromPayload<string>(plain);
}

/** Every event of one run that carries user metadata, in order, with its summary and details decoded. */
export async function historyMetadata(client: Client, workflowId: string, runId?: string, codec?: PayloadCodec): Promise<MetadataEvent[]> {
  const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const found: MetadataEvent[] = [];
  for (const event of events ?? []) {
    const { summary, details } = event.userMetadata ?? {};
    if (!summary && !details) continue;
    found.push({
      eventId: Number(event.eventId), type: eventTypeName(event.eventType),
      name: event.activityTaskScheduledEventAttributes?.activityType?.name ?? event.markerRecordedEventAttributes?.markerName ?? undefined,
      summary: await decode(summary as Payload, codec), details: await decode(details as Payload, codec),
      storedEncodings: [summary, details].filter((p): p is temporal.api.common.v1.IPayload => !!p).map((p) => encodingOf(p as Payload)),
      storedData: [summary, details].filter((p): p is temporal.api.common.v1.IPayload => !!p).map((p) => Buffer.from(p.data ?? []).toString('utf8')),
    });
  }
  return found;
}

/** The events of a run that run an activity (scheduled, or a local activity's marker), with or without metadata. */
export async function activityEvents(client: Client, workflowId: string, runId?: string): Promise<Array<{ eventId: number; type: string; hasSummary: boolean }>> {
  const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
  return (events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER)
    .map((e) => ({ eventId: Number(e.eventId), type: eventTypeName(e.eventType), hasSummary: !!e.userMetadata?.summary }));
}
