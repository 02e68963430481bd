// Parsing rendered or hand-written manifests: multi-document YAML or JSON, `List` kinds flattened. A
// malformed document fails with its file and line; an object without apiVersion, kind or name fails naming
// the file, the document and the missing field.
import { LineCounter, parseAllDocuments } from 'yaml';
import { KubeObject } from '../resource/types';

export class InvalidManifestError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, message: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
    this.name = 'InvalidManifestError';
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
  return value as KubeObject;
}

export function parseManifests(text: string, file: string): KubeObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const objects: KubeObject[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) throw new InvalidManifestError(file, lineCounter.linePos(error.pos[0]).line, `invalid YAML: ${error.message.split('\n')[0]}`);
    const line = doc.contents ? lineCounter.linePos(doc.contents.range[0]).line : undefined;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    if (isObject(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      for (const item of value.items) objects.push(check(item, file, line));
    } else {
      objects.push(check(value, file, line));
    }
  }
  return objects;
}
