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
