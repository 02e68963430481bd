// The custom search attributes Sluice's workflows write, so the Temporal UI can filter, e.g.
// `SluiceHealth = "Degraded" AND SluiceProject = "prod"`. The one list: the workflows take their keys from it
// (workflows/search-attributes.ts), the worker registers what a namespace lacks at start
// (worker/search-attributes.ts), and scripts/stack.sh registers it on the local stack's server.

/** Temporal's type names, as `temporal operator search-attribute create --type` takes them. */
export type SearchAttributeTypeName = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface SearchAttributeSpec {
  name: string;
  type: SearchAttributeTypeName;
}

export const SEARCH_ATTRIBUTES = {
  application: { name: 'SluiceApplication', type: 'Keyword' },
  namespace: { name: 'SluiceAppNamespace', type: 'Keyword' },
  project: { name: 'SluiceProject', type: 'Keyword' },
  revision: { name: 'SluiceRevision', type: 'Keyword' },
  syncStatus: { name: 'SluiceSyncStatus', type: 'Keyword' },
  health: { name: 'SluiceHealth', type: 'Keyword' },
  operationPhase: { name: 'SluiceOperationPhase', type: 'Keyword' },
  kind: { name: 'SluiceKind', type: 'Keyword' },
} as const satisfies Record<string, SearchAttributeSpec>;

export const SEARCH_ATTRIBUTE_LIST: SearchAttributeSpec[] = Object.values(SEARCH_ATTRIBUTES);

/**
 * What a namespace lacks of `wanted`, given its custom attributes (name → type). One registered under another
 * type counts as missing too: registering it again fails, and says so.
 */
export function missingSearchAttributes(registered: Record<string, SearchAttributeTypeName | undefined>, wanted: SearchAttributeSpec[] = SEARCH_ATTRIBUTE_LIST): SearchAttributeSpec[] {
  return wanted.filter((attribute) => registered[attribute.name] !== attribute.type);
}

/**
 * The Temporal CLI command that registers `missing`, each `--name` with its own `--type` (given one `--type` for
 * several names, the CLI registers only the first).
 */
export function createCommand(missing: SearchAttributeSpec[], where: { address: string; namespace: string }): string {
  return ['temporal operator search-attribute create', `--address ${where.address}`, `--namespace ${where.namespace}`, ...missing.map(({ name, type }) => `--name ${name} --type ${type}`)].join(' ');
}

/**
 * The one line a worker exits with when it cannot register what is missing: which attributes, why, and the
 * command an operator with the permission runs.
 */
export function missingSearchAttributesMessage(missing: SearchAttributeSpec[], where: { address: string; namespace: string }, reason: string): string {
  const names = missing.map((attribute) => attribute.name).join(', ');
  return `Temporal namespace ${where.namespace} needs the search attributes ${names}, which this worker could not register (${reason}); register them with: ${createCommand(missing, where)}`;
}
