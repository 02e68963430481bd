// Concrete paths into a JSON value, and the pieces that select them: RFC 6901 pointers, a jq path subset
// (".a.b", ".a[0]", ".a[]", "| select(.x == \"v\")"), and managedFields' fieldsV1 sets.
import { InputError } from '../errors';

export type Segment = string | number;
export type Path = Segment[];
type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function getAt(value: Json, path: Path): Json {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isObject(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}

/** Removes the value at each path (deepest and highest index first, so earlier removals don't shift later ones). */
export function removePaths(value: Json, paths: Path[]): void {
  const sorted = [...paths].sort((a, b) => b.length - a.length || compareLast(b, a));
  for (const path of sorted) {
    if (path.length === 0) continue;
    const parent = getAt(value, path.slice(0, -1));
    const last = path[path.length - 1];
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else if (isObject(parent) && typeof last === 'string') delete parent[last];
  }
}

/**
 * Sets `leaf` at `path`, creating missing objects on the way; returns false (and changes nothing) when the
 * path runs through something that is not an object, or indexes past the end of an array.
 */
export function setAt(value: Json, path: Path, leaf: Json): boolean {
  if (path.length === 0) return false;
  let current = value;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (Array.isArray(current) && typeof segment === 'number' && segment < current.length) {
      if (last) current[segment] = leaf;
      else current = current[segment];
    } else if (isObject(current) && typeof segment === 'string') {
      if (last) current[segment] = leaf;
      else {
        if (current[segment] === undefined) current[segment] = typeof path[i + 1] === 'number' ? [] : {};
        current = current[segment];
      }
    } else {
      return false;
    }
  }
  return true;
}

function compareLast(a: Path, b: Path): number {
  const x = a[a.length - 1];
  const y = b[b.length - 1];
  return typeof x === 'number' && typeof y === 'number' ? x - y : 0;
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Resolves a pointer against a value: numeric segments index arrays. */
export function pointerPaths(value: Json, pointer: string): Path[] {
  const path: Path = [];
  let current = value;
  for (const raw of parsePointer(pointer)) {
    if (Array.isArray(current) && /^\d+$/.test(raw)) {
      path.push(Number(raw));
      current = current[Number(raw)];
    } else if (isObject(current) && raw in current) {
      path.push(raw);
      current = current[raw];
    } else {
      return [];
    }
  }
  return [path];
}

export class JqPathError extends InputError {}

type Step = { key: string } | { index: number } | { each: true } | { select: { path: Path; op: '==' | '!='; literal: Json } };

function parsePathSteps(text: string, expression: string): Step[] {
  const steps: Step[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\.?\["((?:[^"\\]|\\.)*)"\]|\.?\[(\d+)\]|\.?\[\]|\s+/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  if (text.trim() === '.') return steps;
  while ((match = re.exec(text)) !== null && match[0] !== '') {
    consumed = re.lastIndex;
    if (match[1] !== undefined) steps.push({ key: match[1] });
    else if (match[2] !== undefined) steps.push({ key: JSON.parse(`"${match[2]}"`) as string });
    else if (match[3] !== undefined) steps.push({ index: Number(match[3]) });
    else if (match[0].includes('[]')) steps.push({ each: true });
  }
  if (consumed !== text.length) throw new JqPathError(`${expression}: unsupported jq syntax near ${JSON.stringify(text.slice(consumed))}`);
  return steps;
}

function parseJq(expression: string): Step[] {
  const steps: Step[] = [];
  for (const part of expression.split('|').map((p) => p.trim())) {
    const select = /^select\((.+?)\s*(==|!=)\s*(.+)\)$/.exec(part);
    if (select) {
      const path = parsePathSteps(select[1].trim(), expression).map((s) => {
        if ('key' in s) return s.key;
        if ('index' in s) return s.index;
        throw new JqPathError(`${expression}: select() supports plain paths only`);
      });
      let literal: Json;
      try {
        literal = JSON.parse(select[3]);
      } catch {
        throw new JqPathError(`${expression}: ${select[3]} is not a JSON literal`);
      }
      steps.push({ select: { path, op: select[2] as '==' | '!=', literal } });
    } else {
      steps.push(...parsePathSteps(part, expression));
    }
  }
  return steps;
}

/** Concrete paths a jq path expression (the subset Argo CD users write in jqPathExpressions) selects. */
export function jqPaths(value: Json, expression: string): Path[] {
  let paths: Path[] = [[]];
  for (const step of parseJq(expression)) {
    const next: Path[] = [];
    for (const path of paths) {
      const here = getAt(value, path);
      if ('key' in step) {
        if (isObject(here) && step.key in here) next.push([...path, step.key]);
      } else if ('index' in step) {
        if (Array.isArray(here) && step.index < here.length) next.push([...path, step.index]);
      } else if ('each' in step) {
        if (Array.isArray(here)) here.forEach((_, i) => next.push([...path, i]));
        else if (isObject(here)) Object.keys(here).forEach((k) => next.push([...path, k]));
      } else {
        const actual = getAt(here, step.select.path);
        const equal = JSON.stringify(actual) === JSON.stringify(step.select.literal);
        if (equal === (step.select.op === '==')) next.push(path);
      }
    }
    paths = next;
  }
  return paths;
}

/**
 * Paths a managedFields fieldsV1 set names in `value`: "f:name" is a field, "k:{...}" a list item by its
 * keys, "v:..." a set item by value, "i:N" an index. "." means the node itself.
 */
export function fieldsV1Paths(value: Json, fields: Record<string, unknown>, prefix: Path = []): Path[] {
  const result: Path[] = [];
  const here = getAt(value, prefix);
  for (const [key, children] of Object.entries(fields)) {
    if (key === '.') continue;
    let paths: Path[] = [];
    if (key.startsWith('f:') && isObject(here) && key.slice(2) in here) {
      paths = [[...prefix, key.slice(2)]];
    } else if (key.startsWith('k:') && Array.isArray(here)) {
      const wanted = JSON.parse(key.slice(2)) as Record<string, unknown>;
      here.forEach((item, i) => {
        if (isObject(item) && Object.entries(wanted).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v))) paths.push([...prefix, i]);
      });
    } else if (key.startsWith('v:') && Array.isArray(here)) {
      const wanted = JSON.stringify(JSON.parse(key.slice(2)));
      here.forEach((item, i) => {
        if (JSON.stringify(item) === wanted) paths.push([...prefix, i]);
      });
    } else if (key.startsWith('i:') && Array.isArray(here)) {
      const i = Number(key.slice(2));
      if (i < here.length) paths = [[...prefix, i]];
    }
    for (const path of paths) {
      const sub = isObject(children) ? children : {};
      const leafOnly = Object.keys(sub).length === 0 || (Object.keys(sub).length === 1 && '.' in sub);
      if (leafOnly) result.push(path);
      else result.push(...fieldsV1Paths(value, sub, path));
    }
  }
  return result;
}

/** Dotted paths of every leaf that differs between two values, e.g. "spec.replicas", "spec.template.spec.containers[0].image". */
export function changedPaths(a: Json, b: Json, prefix = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => changedPaths(item, b[i], `${prefix}[${i}]`));
  }
  return [prefix || '(root)'];
}
