// Workflow histories to and from the JSON that `temporal workflow show -o json` writes.
// @temporalio/common's historyToJSON/historyFromJSON cannot be used here: they call protobufjs's protojson
// from common's own copy of protobufjs on types built by @temporalio/proto's copy (npm nests one under each,
// since the root holds the protobufjs 7 that gRPC needs), and fail with "type must be a Type". These call the
// protojson of the copy @temporalio/proto uses, so types and serializer agree.
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import path from 'node:path';

type History = proto.temporal.api.history.v1.IHistory;
type ProtoJson = { toJson(type: unknown, message: unknown): unknown; fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [path.dirname(require.resolve('@temporalio/proto'))] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** One event per line: small, and a re-recording diffs event by event. */
export function historyToJson(history: History): string {
  const { events } = protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)) as { events: unknown[] };
  return `{"events": [\n${events.map((e) => JSON.stringify(e)).join(',\n')}\n]}`;
}

export function historyFromJson(json: string): History {
  const history = protojson.fromJson(historyType, JSON.parse(json), { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new Error('not a workflow history: no events');
  return history;
}
