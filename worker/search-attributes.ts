// At start the worker registers, through Temporal's operator API, the search attributes its workflows write
// (domain/search-attributes.ts) that the namespace lacks. A worker that may not (Temporal Cloud, an authorizer,
// a server with no room left) stops with one line saying which are missing and the command that registers them:
// without them every workflow's first upsert would fail its task, over and over.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { missingSearchAttributes, missingSearchAttributesMessage, SEARCH_ATTRIBUTE_LIST, SearchAttributeSpec, SearchAttributeTypeName } from '../domain/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const TYPES: Record<SearchAttributeTypeName, temporal.api.enums.v1.IndexedValueType> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};
const NAMES = new Map(Object.entries(TYPES).map(([name, type]) => [type, name as SearchAttributeTypeName]));

/** A start the worker cannot recover from by itself: main prints its message, one line, and exits. */
export class StartupError extends Error {}

/** The server's own words, first line: gRPC's `7 PERMISSION_DENIED: Request unauthorized.` */
const reason = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0];

/** Registers what the namespace lacks; the attributes it registered (none when nothing was missing). */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>, where: { address: string; namespace: string }, logger: Pick<Logger, 'info'>,
  wanted: SearchAttributeSpec[] = SEARCH_ATTRIBUTE_LIST,
): Promise<string[]> {
  let registered: Record<string, SearchAttributeTypeName | undefined>;
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: where.namespace });
    registered = Object.fromEntries(Object.entries(customAttributes ?? {}).map(([name, type]) => [name, NAMES.get(type)]));
  } catch (error) {
    throw new StartupError(missingSearchAttributesMessage(wanted, where, `listing them failed: ${reason(error)}`));
  }
  const missing = missingSearchAttributes(registered, wanted);
  if (!missing.length) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace: where.namespace, searchAttributes: Object.fromEntries(missing.map((attribute) => [attribute.name, TYPES[attribute.type]])),
    });
  } catch (error) {
    throw new StartupError(missingSearchAttributesMessage(missing, where, reason(error)));
  }
  const names = missing.map((attribute) => attribute.name);
  logger.info({ searchAttributes: names, temporalNamespace: where.namespace }, 'registered the search attributes the Temporal namespace lacked');
  return names;
}
