// The Sprig functions (Masterminds/sprig v3) that ApplicationSets use, and Argo CD's own additions (normalize,
// toYaml, fromYaml, fromYamlArray from applicationset/utils). Each keeps Sprig's argument order and its quirks:
// `trimPrefix "v" .x` takes the prefix first, `quote` drops nil arguments, `b64dec` returns Go's error text.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { FunctionError, ParamKind, TemplateFunction } from './builtins';
import { base64Decode, base64Encode, sha256Hex } from './encoding';
import { MISSING, formatValue, goQuote, goTypeName, isMap } from './values';

/** Sprig's strval: a string as is, anything else as fmt's %v. */
const strval = (value: unknown) => (typeof value === 'string' ? value : formatValue(value));

/** Sprig's empty: the zero value of its type, nil and missing included. */
function empty(value: unknown): boolean {
  if (value === null || value === undefined || value === MISSING) return true;
  if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
  if (isMap(value)) return Object.keys(value).length === 0;
  if (typeof value === 'number') return value === 0;
  if (typeof value === 'bigint') return value === 0n;
  return value === false;
}

/** Sprig's strslice: the string form of each non-nil element; a non-list is one element. */
function strslice(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(strval);
  return [strval(value)];
}

/** Argo CD's SanitizeName: lower case, invalid DNS characters to '-', at most 253 bytes, no '-' or '.' at the ends. */
export function normalize(name: string): string {
  return name.toLowerCase().replace(/[^-a-z0-9.]/gu, '-').slice(0, 253).replace(/^[-.]+|[-.]+$/g, '');
}

/** Go's encoding/json: sorted map keys and HTML-safe escapes, as sprig's toJson produces. */
export function toGoJson(value: unknown): string {
  if (value === null || value === undefined || value === MISSING) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new FunctionError(`json: unsupported value: ${formatValue(value)}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return `[${value.map(toGoJson).join(',')}]`;
  if (isMap(value)) return `{${Object.keys(value).sort().map((key) => `${toGoJson(key)}:${toGoJson(value[key])}`).join(',')}}`;
  return String(value);
}

/** sigs.k8s.io/yaml's Marshal (JSON, then YAML in go-yaml's block style), without the final newline. */
function toYaml(value: unknown): string {
  const plain = JSON.parse(toGoJson(value)) as unknown;
  return stringifyYaml(plain, { sortMapEntries: true, indentSeq: false, lineWidth: 0, singleQuote: false }).replace(/\n$/, '');
}

function fromYaml(text: string, want: 'map' | 'list'): unknown {
  let parsed: unknown;
  try {
    parsed = parseYaml(text) ?? (want === 'map' ? {} : []);
  } catch (error) {
    throw new FunctionError(`error converting YAML to JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (want === 'map' ? !isMap(parsed) : !Array.isArray(parsed)) {
    throw new FunctionError(`error unmarshaling JSON: json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type ${want === 'map' ? 'map[string]interface {}' : '[]interface {}'}`);
  }
  return parsed;
}

function dig(...args: unknown[]): unknown {
  if (args.length < 3) throw new FunctionError('dig needs at least three arguments');
  let dict = args[args.length - 1];
  const fallback = args[args.length - 2];
  const keys = args.slice(0, -2);
  for (const [i, key] of keys.entries()) {
    if (!isMap(dict)) throw new FunctionError(`interface conversion: interface {} is ${goTypeName(dict)}, not map[string]interface {}`);
    if (typeof key !== 'string') throw new FunctionError(`interface conversion: interface {} is ${goTypeName(key)}, not string`);
    if (!Object.prototype.hasOwnProperty.call(dict, key)) return fallback;
    if (i === keys.length - 1) return dict[key];
    dict = dict[key];
  }
  return fallback;
}

function dict(...pairs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < pairs.length; i += 2) out[strval(pairs[i])] = i + 1 < pairs.length ? pairs[i + 1] : '';
  return out;
}

/** Go's strings.Split: an empty separator splits after each character. */
const goSplit = (text: string, separator: string) => (separator === '' ? [...text] : text.split(separator));

function trunc(count: bigint, text: string): string {
  const c = Number(count);
  if (c < 0 && text.length + c > 0) return text.slice(text.length + c);
  if (c >= 0 && text.length > c) return text.slice(0, c);
  return text;
}

/** path.Base. */
function base(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}


export const SPRIG: Record<string, TemplateFunction> = {
  default: { params: ['any'], variadic: 'any', fn: (fallback: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? fallback : given[0]) },
  empty: { params: ['any'], fn: empty },
  coalesce: { params: [], variadic: 'any', fn: (...values: unknown[]) => values.find((value) => !empty(value)) ?? null },
  ternary: { params: ['any', 'any', 'bool'], fn: (yes: unknown, no: unknown, condition: boolean) => (condition ? yes : no) },
  lower: { params: ['string'], fn: (s: string) => s.toLowerCase() },
  upper: { params: ['string'], fn: (s: string) => s.toUpperCase() },
  replace: { params: ['string', 'string', 'string'], fn: (old: string, replacement: string, s: string) => (old === '' ? replacement + [...s].join(replacement) + (s ? replacement : '') : s.split(old).join(replacement)) },
  trunc: { params: ['int', 'string'], fn: trunc },
  trim: { params: ['string'], fn: (s: string) => s.replace(/^\s+|\s+$/gu, '') },
  trimAll: { params: ['string', 'string'], fn: (cutset: string, s: string) => { const set = new Set(cutset); const chars = [...s]; while (chars.length && set.has(chars[0])) chars.shift(); while (chars.length && set.has(chars[chars.length - 1])) chars.pop(); return chars.join(''); } },
  trimPrefix: { params: ['string', 'string'], fn: (prefix: string, s: string) => (s.startsWith(prefix) ? s.slice(prefix.length) : s) },
  trimSuffix: { params: ['string', 'string'], fn: (suffix: string, s: string) => (suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s) },
  hasPrefix: { params: ['string', 'string'], fn: (prefix: string, s: string) => s.startsWith(prefix) },
  hasSuffix: { params: ['string', 'string'], fn: (suffix: string, s: string) => s.endsWith(suffix) },
  contains: { params: ['string', 'string'], fn: (substring: string, s: string) => s.includes(substring) },
  quote: { params: [], variadic: 'any', fn: (...values: unknown[]) => values.filter((v) => v !== null).map((v) => goQuote(strval(v))).join(' ') },
  squote: { params: [], variadic: 'any', fn: (...values: unknown[]) => values.filter((v) => v !== null).map((v) => `'${strval(v)}'`).join(' ') },
  cat: { params: [], variadic: 'any', fn: (...values: unknown[]) => values.filter((v) => v !== null).map(formatValue).join(' ') },
  toString: { params: ['any'] as ParamKind[], fn: strval },
  join: { params: ['string', 'any'], fn: (separator: string, list: unknown) => strslice(list).join(separator) },
  split: { params: ['string', 'string'], fn: (separator: string, s: string) => Object.fromEntries(goSplit(s, separator).map((part, i) => [`_${i}`, part])) },
  splitList: { params: ['string', 'string'], fn: (separator: string, s: string) => goSplit(s, separator) },
  list: { params: [], variadic: 'any', fn: (...values: unknown[]) => values },
  dict: { params: [], variadic: 'any', fn: dict },
  dig: { params: [], variadic: 'any', fn: dig },
  base: { params: ['string'], fn: base },
  toJson: { params: ['any'], fn: toGoJson },
  toYaml: { params: ['any'], fn: toYaml },
  fromYaml: { params: ['string'], fn: (s: string) => fromYaml(s, 'map') },
  fromYamlArray: { params: ['string'], fn: (s: string) => fromYaml(s, 'list') },
  b64enc: { params: ['string'], fn: base64Encode },
  b64dec: { params: ['string'], fn: base64Decode },
  sha256sum: { params: ['string'], fn: sha256Hex },
  normalize: { params: ['string'], fn: normalize },
};
