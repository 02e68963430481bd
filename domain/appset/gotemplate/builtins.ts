// Go text/template's own functions (text/template/funcs.go). Parameter kinds say how an argument is checked as
// Go's evalArg/validateType would: `value` takes anything, a missing value included (Go's reflect.Value
// parameters); `any` is interface{} (a missing value becomes nil); `string`, `int` and `bool` must be exactly that.
import { MISSING, formatValue, goTypeName, isMap, isTrue, sprint, sprintf, sprintln } from './values';

export type ParamKind = 'value' | 'any' | 'string' | 'int' | 'bool';

export interface TemplateFunction {
  params: ParamKind[];
  /** The kind of the trailing `...` parameter, when the function is variadic. */
  variadic?: ParamKind;
  /** `and` and `or` evaluate their arguments lazily, in the executor. */
  lazy?: boolean;
  fn: (...args: never[]) => unknown;
}

/** An error a function returns; the executor reports it as Go does: `error calling NAME: MESSAGE`. */
export class FunctionError extends Error {}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(value: unknown): Kind {
  switch (typeof value) {
    case 'boolean': return 'bool';
    case 'bigint': return 'int';
    case 'number': return 'float';
    case 'string': return 'string';
  }
  return 'invalid';
}

const isNil = (value: unknown) => value === MISSING || value === null || value === undefined;

function equal(left: unknown, ...rights: unknown[]): boolean {
  if (rights.length === 0) throw new FunctionError('missing argument for comparison');
  const leftKind = basicKind(left);
  for (const right of rights) {
    const rightKind = basicKind(right);
    if (leftKind !== rightKind) {
      if (!isNil(left) && !isNil(right)) throw new FunctionError('incompatible types for comparison');
      continue;
    }
    if (leftKind === 'invalid') {
      if (isNil(left) || isNil(right)) {
        if (isNil(left) === isNil(right)) return true;
        continue;
      }
      throw new FunctionError(`non-comparable types ${formatValue(left)}: ${goTypeName(left)}, ${goTypeName(right)}: ${formatValue(right)}`);
    }
    if (left === right) return true;
  }
  return false;
}

function lessThan(left: unknown, right: unknown): boolean {
  const leftKind = basicKind(left);
  const rightKind = basicKind(right);
  if (leftKind === 'invalid' || rightKind === 'invalid') throw new FunctionError('invalid type for comparison');
  if (leftKind !== rightKind) throw new FunctionError('incompatible types for comparison');
  if (leftKind === 'bool') throw new FunctionError('invalid type for comparison');
  return (left as string | number | bigint) < (right as string | number | bigint);
}

function length(item: unknown): bigint {
  if (isNil(item)) throw new FunctionError('len of nil pointer');
  if (typeof item === 'string') return BigInt(new TextEncoder().encode(item).length);
  if (Array.isArray(item)) return BigInt(item.length);
  if (isMap(item)) return BigInt(Object.keys(item).length);
  throw new FunctionError(`len of type ${goTypeName(item)}`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new FunctionError('index of untyped nil');
  for (const key of indexes) {
    if (isNil(item)) throw new FunctionError('index of nil pointer');
    if (Array.isArray(item) || typeof item === 'string') {
      if (typeof key !== 'bigint') throw new FunctionError(`cannot index slice/array with ${isNil(key) ? 'nil' : `type ${goTypeName(key)}`}`);
      const size = typeof item === 'string' ? new TextEncoder().encode(item).length : item.length;
      if (key < 0n || key >= BigInt(size)) throw new FunctionError(`index out of range: ${key}`);
      item = typeof item === 'string' ? BigInt(new TextEncoder().encode(item)[Number(key)]) : item[Number(key)];
    } else if (isMap(item)) {
      if (isNil(key)) throw new FunctionError('value is nil; should be of type string');
      if (typeof key !== 'string') throw new FunctionError(`value has type ${goTypeName(key)}; should be string`);
      // A key that is not there gives the element type's zero value, a nil interface{}, whatever missingkey says.
      item = Object.prototype.hasOwnProperty.call(item, key) ? item[key] : null;
    } else {
      throw new FunctionError(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

export const BUILTINS: Record<string, TemplateFunction> = {
  and: { params: ['value'], variadic: 'value', lazy: true, fn: () => undefined },
  or: { params: ['value'], variadic: 'value', lazy: true, fn: () => undefined },
  not: { params: ['value'], fn: (value: unknown) => !isTrue(value) },
  len: { params: ['value'], fn: length },
  index: { params: ['value'], variadic: 'value', fn: index },
  print: { params: [], variadic: 'any', fn: (...args: unknown[]) => sprint(args) },
  printf: { params: ['string'], variadic: 'any', fn: (format: string, ...args: unknown[]) => sprintf(format, args) },
  println: { params: [], variadic: 'any', fn: (...args: unknown[]) => sprintln(args) },
  eq: { params: ['value'], variadic: 'value', fn: equal },
  ne: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !equal(a, b) },
  lt: { params: ['value', 'value'], fn: lessThan },
  le: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => lessThan(a, b) || equal(a, b) },
  gt: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !(lessThan(a, b) || equal(a, b)) },
  ge: { params: ['value', 'value'], fn: (a: unknown, b: unknown) => !lessThan(a, b) },
};
