// Custom search attributes, registered on the server at start (scripts/stack.sh) so the Temporal UI can
// filter, e.g. `SluiceHealth = "Degraded" AND SluiceProject = "prod"`.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  application: defineSearchAttributeKey('SluiceApplication', SearchAttributeType.KEYWORD),
  namespace: defineSearchAttributeKey('SluiceAppNamespace', SearchAttributeType.KEYWORD),
  project: defineSearchAttributeKey('SluiceProject', SearchAttributeType.KEYWORD),
  revision: defineSearchAttributeKey('SluiceRevision', SearchAttributeType.KEYWORD),
  syncStatus: defineSearchAttributeKey('SluiceSyncStatus', SearchAttributeType.KEYWORD),
  health: defineSearchAttributeKey('SluiceHealth', SearchAttributeType.KEYWORD),
  operationPhase: defineSearchAttributeKey('SluiceOperationPhase', SearchAttributeType.KEYWORD),
  kind: defineSearchAttributeKey('SluiceKind', SearchAttributeType.KEYWORD),
};

type Key = (typeof SA)[keyof typeof SA];

/**
 * The search attributes that differ from what was last written, as update pairs, and the record to keep. Values
 * that are undefined are never written (the server refuses them, and a workflow task would fail forever).
 */
export function changedAttributes(current: Record<string, string>, wanted: Record<string, string | undefined>): { pairs: Array<{ key: Key; value: string }>; current: Record<string, string> } {
  const pairs: Array<{ key: Key; value: string }> = [];
  const updated = { ...current };
  for (const key of Object.values(SA)) {
    const value = wanted[key.name];
    if (value === undefined || current[key.name] === value) continue;
    pairs.push({ key, value });
    updated[key.name] = value;
  }
  return { pairs, current: updated };
}
