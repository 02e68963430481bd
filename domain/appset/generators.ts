// ApplicationSet generators: from spec.generators and what an activity read (clusters, git trees) to parameter
// sets, each with the generator's own template and index, in Argo CD's terms (applicationset/generators). Pure:
// the template engine is injected (`renderNested`), so a matrix's second child and the `values` of clusters and
// git generators are rendered by the same engine the Applications are.
import { InputError } from '../errors';
import { clusterParams } from './generator-clusters';
import { gitParams } from './generator-git';
import { listParams } from './generator-list';
import { flattenParams, GenerateOptions, goString, isObject, mergeOverride } from './params';
import { selectorMatches } from './selector';
import { ApplicationSetGenerator, ApplicationSetTemplate, GeneratorInputs, MatrixGenerator, MergeGenerator, Params } from './types';

export { validateApplicationSetSpec } from './validate';
export type { GenerateOptions } from './params';

export const SERVED_GENERATORS = ['list', 'clusters', 'git', 'matrix', 'merge'] as const;
export const UNSUPPORTED_GENERATORS = ['scmProvider', 'pullRequest', 'clusterDecisionResource', 'plugin'] as const;
export type GeneratorKind = (typeof SERVED_GENERATORS)[number];

export interface GeneratedParams {
  params: Params;
  /** The generator's own `template`, to merge over spec.template (children's templates are ignored, as in Argo CD). */
  template?: Partial<ApplicationSetTemplate>;
  /** Which of spec.generators produced it. */
  generatorIndex: number;
}

interface Context {
  inputs: GeneratorInputs;
  options: GenerateOptions;
}

export function generateParams(generators: ApplicationSetGenerator[], inputs: GeneratorInputs, options: GenerateOptions): GeneratedParams[] {
  const context = { inputs, options };
  return generators.flatMap((generator, generatorIndex) => {
    const field = `spec.generators[${generatorIndex}]`;
    const kind = generatorKind(generator, field, 0);
    const template = generator[kind]?.template;
    return evaluate(generator, field, 0, context).map((params) => (template ? { params, template, generatorIndex } : { params, generatorIndex }));
  });
}

/** Which generator an entry is; unsupported, unknown, missing or several kinds are refused with the field named. */
export function generatorKind(generator: ApplicationSetGenerator, field: string, depth: number): GeneratorKind {
  const record = generator as Record<string, unknown>;
  const unsupported = UNSUPPORTED_GENERATORS.find((kind) => record[kind] !== undefined && record[kind] !== null);
  if (unsupported) {
    throw new InputError(`${field}.${unsupported}: the ${unsupported} generator is not supported by Sluice (supported: ${SERVED_GENERATORS.join(', ')})`, { field: `${field}.${unsupported}` });
  }
  const kinds = SERVED_GENERATORS.filter((kind) => record[kind] !== undefined && record[kind] !== null);
  if (kinds.length === 0) throw new InputError(`${field}: names no generator (one of ${SERVED_GENERATORS.join(', ')})`, { field });
  if (kinds.length > 1) throw new InputError(`${field}: names ${kinds.join(' and ')}; one generator per entry`, { field });
  const kind = kinds[0];
  if ((kind === 'matrix' || kind === 'merge') && depth >= 2) {
    throw new InputError(`${field}.${kind}: matrix and merge generators nest only one level deep`, { field: `${field}.${kind}` });
  }
  return kind;
}

function evaluate(generator: ApplicationSetGenerator, field: string, depth: number, context: Context): Params[] {
  const kind = generatorKind(generator, field, depth);
  const at = `${field}.${kind}`;
  const { inputs, options } = context;
  const sets =
    kind === 'list' ? listParams(generator.list!, at, options)
    : kind === 'clusters' ? clusterParams(generator.clusters!, at, inputs.clusters, options)
    : kind === 'git' ? gitParams(generator.git!, at, inputs, options)
    : kind === 'matrix' ? matrixParams(generator.matrix!, at, depth, context)
    : mergeParams(generator.merge!, at, depth, context);
  // The post-selector of generator_spec_processor.go: it sees the parameters flattened, in either template mode.
  const selector = generator.selector;
  return selector ? sets.filter((params) => selectorMatches(selector, flattenParams(params))) : sets;
}

function children(generators: ApplicationSetGenerator[] | undefined, field: string, check: (count: number) => string | undefined): ApplicationSetGenerator[] {
  const list = Array.isArray(generators) ? generators : [];
  const problem = check(list.length);
  if (problem) throw new InputError(`${field}.generators: ${problem}`, { field: `${field}.generators` });
  return list;
}

/**
 * The cross product of two children. The second child is rendered with each set of the first, then each pair
 * merges: without goTemplate a key both give with different values is an error, with goTemplate the first wins.
 */
function matrixParams(matrix: MatrixGenerator, field: string, depth: number, context: Context): Params[] {
  const [first, second] = children(matrix.generators, field, (n) => (n === 2 ? undefined : `a matrix combines exactly 2 generators, found ${n}`));
  const goTemplate = context.options.goTemplate;
  const out: Params[] = [];
  for (const a of evaluate(first, `${field}.generators[0]`, depth + 1, context)) {
    const secondField = `${field}.generators[1]`;
    const rendered = Object.keys(a).length === 0 ? second : interpolate(second, a, secondField, context);
    for (const b of evaluate(rendered, secondField, depth + 1, context)) {
      out.push(goTemplate ? mergeOverride(b, a) : combineFlat(a, b, field));
    }
  }
  return out;
}

/** utils.CombineStringMaps: both sides printed as strings (`%v`), then a key may repeat only with the same value. */
function combineFlat(a: Params, b: Params, field: string): Params {
  const strings = (params: Params) => Object.entries(params).map(([key, value]) => [key, goString(value)] as const);
  const combined: Params = Object.fromEntries(strings(a));
  for (const [key, value] of strings(b)) {
    if (key in combined && combined[key] !== value) {
      throw new InputError(`${field}: both generators set the parameter ${key}, to ${JSON.stringify(combined[key])} and ${JSON.stringify(value)}`, { field });
    }
    combined[key] = value;
  }
  return combined;
}

/**
 * A matrix's second child rendered with a parameter set of the first (Argo CD's InterpolateGenerator). Its
 * selector is not rendered. Its `values` are rendered one by one, and one that cannot be rendered yet (it names
 * the child's own parameters, say) is kept for the child to render with its own sets.
 */
function interpolate(generator: ApplicationSetGenerator, params: Params, field: string, context: Context): ApplicationSetGenerator {
  const { selector, ...rest } = generator;
  const render = context.options.renderNested;
  const heldValues: Record<string, Record<string, string>> = {};
  for (const kind of ['clusters', 'git'] as const) {
    const spec = rest[kind];
    if (!spec?.values) continue;
    heldValues[kind] = Object.fromEntries(Object.entries(spec.values).map(([key, value]) => [key, renderOrKeep(value, params, render)]));
    rest[kind] = { ...spec, values: undefined } as never;
  }
  let rendered: ApplicationSetGenerator;
  try {
    rendered = render(rest, params) as ApplicationSetGenerator;
  } catch (error) {
    if (error instanceof InputError && error.field) throw error;
    throw new InputError(`${field}: rendering it with the parameters of the first generator: ${(error as Error).message}`, { field });
  }
  if (!isObject(rendered as unknown)) throw new InputError(`${field}: rendering it did not give a generator`, { field });
  for (const [kind, values] of Object.entries(heldValues) as Array<['clusters' | 'git', Record<string, string>]>) {
    rendered[kind] = { ...rendered[kind], values } as never;
  }
  return selector ? { ...rendered, selector } : rendered;
}

function renderOrKeep(value: string, params: Params, render: GenerateOptions['renderNested']): string {
  try {
    return String(render(value, params));
  } catch {
    return value;
  }
}

/**
 * The first child's sets are the base; each later child's set overrides the base set whose mergeKeys values equal
 * its own (shallow without goTemplate, deep with it). A later set matching no base set is dropped, and two sets of
 * one child sharing merge key values are an error.
 */
function mergeParams(merge: MergeGenerator, field: string, depth: number, context: Context): Params[] {
  const list = children(merge.generators, field, (n) => (n >= 2 ? undefined : `a merge needs at least 2 generators, found ${n}`));
  const mergeKeys = merge.mergeKeys;
  if (!Array.isArray(mergeKeys) || mergeKeys.length === 0) {
    throw new InputError(`${field}.mergeKeys: a merge needs at least one merge key`, { field: `${field}.mergeKeys` });
  }
  const keys = [...new Set(mergeKeys)].sort();
  const byKey = (sets: Params[], at: string) => {
    const map = new Map<string, Params>();
    for (const params of sets) {
      const key = JSON.stringify(Object.fromEntries(keys.map((k) => [k, params[k] ?? null])));
      if (map.has(key)) throw new InputError(`${at}: two parameter sets have the same merge key values ${key}; merge needs them unique`, { field: at });
      map.set(key, params);
    }
    return map;
  };
  const evaluated = list.map((child, i) => byKey(evaluate(child, `${field}.generators[${i}]`, depth + 1, context), `${field}.generators[${i}]`));
  const [base, ...overrides] = evaluated;
  for (const override of overrides) {
    for (const [key, params] of base) {
      const other = override.get(key);
      if (other) base.set(key, context.options.goTemplate ? mergeOverride(params, other) : { ...params, ...other });
    }
  }
  return [...base.values()];
}
