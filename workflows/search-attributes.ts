// The keys of Sluice's custom search attributes (domain/search-attributes.ts holds the list), for the workflows'
// upserts. All are keywords.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';

const keyword = (attribute: { name: string; type: 'Keyword' }) => defineSearchAttributeKey(attribute.name, SearchAttributeType.KEYWORD);

export const SA = {
  application: keyword(SEARCH_ATTRIBUTES.application),
  namespace: keyword(SEARCH_ATTRIBUTES.namespace),
  project: keyword(SEARCH_ATTRIBUTES.project),
  revision: keyword(SEARCH_ATTRIBUTES.revision),
  syncStatus: keyword(SEARCH_ATTRIBUTES.syncStatus),
  health: keyword(SEARCH_ATTRIBUTES.health),
  operationPhase: keyword(SEARCH_ATTRIBUTES.operationPhase),
  kind: keyword(SEARCH_ATTRIBUTES.kind),
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
