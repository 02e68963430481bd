// Parsing rendered or hand-written manifests: multi-document YAML or JSON, `List` kinds flattened. A
// malformed document fails with its file and line; an object without apiVersion, kind or name fails naming
// the file, the document and the missing field.
import { LineCounter, parseAllDocuments } from 'yaml';
import { InputError } from '../errors';
import { checkSyncAnnotations } from './annotations';
import { KubeObject } from '../resource/types';

export class InvalidManifestError extends InputError {
  constructor(file: string, readonly line: number | undefined, message: string, field?: string) {
    const at = `${file}${line !== undefined ? `:${line}` : ''}`;
    super(`${at}: ${message}`, { file: at, field });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function check(value: unknown, file: string, line: number | undefined): KubeObject {
  if (!isObject(value)) throw new InvalidManifestError(file, line, 'a manifest must be a mapping with apiVersion, kind and metadata');
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') throw new InvalidManifestError(file, line, `${String(value.kind ?? 'object')}: field apiVersion is missing`);
  if (typeof value.kind !== 'string' || value.kind === '') throw new InvalidManifestError(file, line, 'field kind is missing');
  const metadata = value.metadata;
  if (!isObject(metadata) || (typeof metadata.name !== 'string' && typeof metadata.generateName !== 'string')) {
    throw new InvalidManifestError(file, line, `${value.kind}: field metadata.name is missing`);
  }
  const obj = value as KubeObject;
  try {
    checkSyncAnnotations(obj);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InvalidManifestError(file, line, `${obj.kind}/${obj.metadata.name ?? obj.metadata.generateName}: ${error.message}`, error.field);
  }
  return obj;
}

/** The objects in one evaluated document: an object, a `List` kind, or (from Jsonnet) an array of objects. */
export function manifestsOf(value: unknown, file: string, line?: number): KubeObject[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item) => manifestsOf(item, file, line));
  if (isObject(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.map((item) => check(item, file, line));
  }
  return [check(value, file, line)];
}

/**
 * A `.json` file is JSON, strictly, as Argo CD reads it (a trailing comma or a comment is an error), where the
 * YAML parser would accept it as a flow mapping. One value per file: an object, a `List` kind, or an array.
 */
export function parseJsonManifests(text: string, file: string): KubeObject[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
    throw new InvalidManifestError(file, line, `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
  return manifestsOf(value, file, 1);
}

/**
 * `chartDir`, for `helm template` output: a document under a "# Source: <chart>/templates/x.yaml" comment is
 * reported as `<chartDir>/templates/x.yaml`, the file in the repository, rather than a line of the output.
 */
export function parseManifests(text: string, file: string, options: { chartDir?: string } = {}): KubeObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const objects: KubeObject[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) throw new InvalidManifestError(file, lineCounter.linePos(error.pos[0]).line, `invalid YAML: ${error.message.split('\n')[0]}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (Array.isArray(value)) throw new InvalidManifestError(file, doc.contents ? lineCounter.linePos(doc.contents.range[0]).line : undefined, 'a manifest must be a mapping, not a list');
    const source = options.chartDir !== undefined ? /^\s*Source: [^/\s]+\/(\S+)\s*$/m.exec(doc.commentBefore ?? doc.contents?.commentBefore ?? '')?.[1] : undefined;
    if (source) objects.push(...manifestsOf(value, `${options.chartDir}/${source}`));
    else objects.push(...manifestsOf(value, file, doc.contents ? lineCounter.linePos(doc.contents.range[0]).line : undefined));
  }
  return objects;
}
