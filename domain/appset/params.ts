// The small rules every generator shares, each as Argo CD has it (applicationset/utils, jeremywohl/flatten,
// dario.cat/mergo): how a value prints as a parameter, how nested parameters flatten, how names are normalised,
// how two parameter sets merge. Go's quirks are kept on purpose, so a set ported from Argo CD renders the same.
import YAML from 'yaml';
import { InputError } from '../errors';
import { Params } from './types';

export type Obj = Record<string, unknown>;
export const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Go's `fmt.Sprintf("%v", v)` for a value decoded from JSON or YAML: numbers are float64, so an integer of a
 * million or more prints in exponent form (`1e+06`), as it does in Argo CD.
 */
export function goString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return goFloat(value);
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  // strconv.FormatFloat(f, 'g', -1, 64): exponent form when the exponent is below -4 or at least 6.
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return String(value);
}

/**
 * jeremywohl/flatten in DotStyle, then `%v` on each leaf: nested maps join keys with '.', list items use their
 * index (`a.0`), empty maps and lists leave no key at all.
 */
export function flattenParams(params: Obj): Record<string, string> {
  const flat: Record<string, string> = {};
  const walk = (value: unknown, key: string) => {
    if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, key === '' ? k : `${key}.${k}`);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, key === '' ? String(i) : `${key}.${i}`));
    else flat[key] = goString(value);
  };
  for (const [k, v] of Object.entries(params)) walk(v, k);
  return flat;
}

/** Argo CD's SanitizeName: lowercase, anything but [-a-z0-9.] becomes '-', at most 253, trimmed of '-' and '.'. */
export function sanitizeName(name: string): string {
  return name.toLowerCase().replace(/[^-a-z0-9.]/g, '-').slice(0, 253).replace(/^[-.]+|[-.]+$/g, '');
}

/** mergo.Merge(dst, src, WithOverride) on parameter maps: maps merge key by key, anything else from src wins. */
export function mergeOverride(base: Obj, override: Obj): Obj {
  const out: Obj = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = isObject(value) && isObject(out[key]) ? mergeOverride(out[key] as Obj, value) : value;
  }
  return out;
}

/**
 * YAML as sigs.k8s.io/yaml reads it for Argo CD: YAML 1.1 scalars (yes/no/on/off are booleans), merge keys,
 * only the first document, and timestamps kept as strings (Go decodes them into interface{} as text).
 */
export function parseGoYaml(text: string): unknown {
  const documents = YAML.parseAllDocuments(text, {
    version: '1.1',
    customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp'),
  });
  const first = Array.isArray(documents) ? documents[0] : documents;
  if (!first) return null;
  if (first.errors.length > 0) throw new Error(first.errors[0].message);
  return first.toJS({ maxAliasCount: 100 });
}

/** The `{ path: ... }` (or `{ prefix: { path: ... } }`) part of a git parameter set, in either template mode. */
export function pathParams(fields: { path: string; filename?: string }, options: { goTemplate: boolean; prefix?: string }): Params {
  const basename = baseName(fields.path);
  if (options.goTemplate) {
    const nested: Obj = { path: fields.path, basename, basenameNormalized: sanitizeName(basename) };
    if (fields.filename !== undefined) Object.assign(nested, { filename: fields.filename, filenameNormalized: sanitizeName(fields.filename) });
    nested.segments = fields.path.split('/');
    return options.prefix ? { [options.prefix]: { path: nested } } : { path: nested };
  }
  const name = options.prefix ? `${options.prefix}.path` : 'path';
  const flat: Params = { [name]: fields.path, [`${name}.basename`]: basename };
  if (fields.filename !== undefined) flat[`${name}.filename`] = fields.filename;
  flat[`${name}.basenameNormalized`] = sanitizeName(basename);
  if (fields.filename !== undefined) flat[`${name}.filenameNormalized`] = sanitizeName(fields.filename);
  // Empty segments are skipped but keep their index, as Argo CD numbers them.
  fields.path.split('/').forEach((segment, i) => {
    if (segment !== '') flat[`${name}[${i}]`] = segment;
  });
  return flat;
}

/** Go's path.Base. */
export function baseName(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's path.Dir for the clean relative paths a tree listing gives. */
export function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash) || '/';
}

export type RenderNested = (value: unknown, params: Params) => unknown;

/**
 * A generator's `values`, each rendered with the parameters generated so far (never with each other, so one
 * value cannot expand another): `values.<key>` without goTemplate, a `values` map with it.
 */
export function withValues(params: Params, values: Record<string, string> | undefined, options: { goTemplate: boolean; render: (value: string, key: string) => string }): Params {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return params;
  const rendered = entries.map(([key, value]) => [key, options.render(value, key)] as const);
  if (options.goTemplate) return { ...params, values: Object.fromEntries(rendered) };
  return { ...params, ...Object.fromEntries(rendered.map(([key, value]) => [`values.${key}`, value])) };
}

/** Renders one of a generator's `values` with a parameter set; a failure names `<field>.values.<key>`. */
export function valueRenderer(field: string, renderNested: RenderNested) {
  return (params: Params) => (value: string, key: string): string => {
    try {
      return String(renderNested(value, params));
    } catch (error) {
      const at = `${field}.values.${key}`;
      throw new InputError(`${at}: ${(error as Error).message}`, { field: at });
    }
  };
}

/** How generators are evaluated: the template mode, and the template engine for nested specs and `values`. */
export interface GenerateOptions {
  goTemplate: boolean;
  renderNested: RenderNested;
}
