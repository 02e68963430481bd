// Validation of an ApplicationSet spec before anything is generated. Every problem names its field. Fields Argo CD
// has and Sluice does not serve are refused as unsupported (never silently ignored), unknown fields as unknown.
// The Application template's spec is checked after rendering, as an Application, since it holds `{{...}}` here.
import { InputError } from '../errors';
import { isObject, Obj } from './params';
import { selectorProblems } from './selector';

export interface SpecProblem {
  field: string;
  message: string;
}

export class InvalidApplicationSetError extends InputError {
  constructor(readonly problems: SpecProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '), { field: problems[0]?.field });
  }
}

const UNSUPPORTED: Record<string, string> = {
  preservedFields: 'is not supported by Sluice',
  ignoreApplicationDifferences: 'is not supported by Sluice',
  scmProvider: 'the scmProvider generator is not supported by Sluice (supported: list, clusters, git, matrix, merge)',
  pullRequest: 'the pullRequest generator is not supported by Sluice (supported: list, clusters, git, matrix, merge)',
  clusterDecisionResource: 'the clusterDecisionResource generator is not supported by Sluice (supported: list, clusters, git, matrix, merge)',
  plugin: 'the plugin generator is not supported by Sluice (supported: list, clusters, git, matrix, merge)',
  flatList: 'is not supported by Sluice',
  deletionOrder: 'is not supported by Sluice',
};

const GENERATOR_FIELDS: Record<string, string[]> = {
  list: ['elements', 'elementsYaml', 'template'],
  clusters: ['selector', 'values', 'template'],
  git: ['repoURL', 'revision', 'directories', 'files', 'pathParamPrefix', 'values', 'requeueAfterSeconds', 'template'],
  matrix: ['generators', 'template'],
  merge: ['generators', 'mergeKeys', 'template'],
};

class Checker {
  readonly problems: SpecProblem[] = [];
  add(field: string, message: string): void {
    this.problems.push({ field, message });
  }
  /** Refuses unsupported and unknown keys; true when `value` is an object. */
  object(value: unknown, field: string, known: string[]): value is Obj {
    if (!isObject(value)) {
      this.add(field, 'must be an object');
      return false;
    }
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      this.add(`${field}.${key}`, UNSUPPORTED[key] ?? `unknown field (known: ${known.join(', ')})`);
    }
    return true;
  }
  type(value: unknown, field: string, type: 'string' | 'boolean'): void {
    if (value !== undefined && typeof value !== type) this.add(field, `must be a ${type}`);
  }
  strings(value: unknown, field: string, shape: 'list' | 'map'): void {
    if (value === undefined) return;
    const ok = shape === 'list' ? Array.isArray(value) && value.every((v) => typeof v === 'string') : isObject(value) && Object.values(value).every((v) => typeof v === 'string');
    if (!ok) this.add(field, `must be a ${shape} of strings`);
  }
}

export function applicationSetSpecProblems(spec: unknown): SpecProblem[] {
  const check = new Checker();
  const known = ['goTemplate', 'goTemplateOptions', 'generators', 'template', 'templatePatch', 'syncPolicy', 'strategy', 'applyNestedSelectors'];
  if (!check.object(spec, 'spec', known)) return check.problems;
  check.type(spec.goTemplate, 'spec.goTemplate', 'boolean');
  check.type(spec.applyNestedSelectors, 'spec.applyNestedSelectors', 'boolean');
  check.strings(spec.goTemplateOptions, 'spec.goTemplateOptions', 'list');
  check.type(spec.templatePatch, 'spec.templatePatch', 'string');
  if (!Array.isArray(spec.generators) || spec.generators.length === 0) check.add('spec.generators', 'must be a non-empty list');
  else spec.generators.forEach((g, i) => checkGenerator(check, g, `spec.generators[${i}]`, 0));
  if (spec.template === undefined) check.add('spec.template', 'is required');
  else checkTemplate(check, spec.template, 'spec.template');
  if (spec.syncPolicy !== undefined && check.object(spec.syncPolicy, 'spec.syncPolicy', ['preserveResourcesOnDeletion', 'applicationsSync'])) {
    check.type(spec.syncPolicy.preserveResourcesOnDeletion, 'spec.syncPolicy.preserveResourcesOnDeletion', 'boolean');
    const sync = spec.syncPolicy.applicationsSync;
    if (sync !== undefined && !['create-only', 'create-update', 'create-delete', 'sync'].includes(sync as string)) {
      check.add('spec.syncPolicy.applicationsSync', `${JSON.stringify(sync)} is not one of create-only, create-update, create-delete, sync`);
    }
  }
  if (spec.strategy !== undefined) checkStrategy(check, spec.strategy);
  return check.problems;
}

export function validateApplicationSetSpec(spec: unknown): void {
  const problems = applicationSetSpecProblems(spec);
  if (problems.length > 0) throw new InvalidApplicationSetError(problems);
}

function checkTemplate(check: Checker, template: unknown, field: string): void {
  if (!check.object(template, field, ['metadata', 'spec'])) return;
  if (template.metadata !== undefined && check.object(template.metadata, `${field}.metadata`, ['name', 'namespace', 'labels', 'annotations', 'finalizers'])) {
    check.type(template.metadata.name, `${field}.metadata.name`, 'string');
    check.type(template.metadata.namespace, `${field}.metadata.namespace`, 'string');
    check.strings(template.metadata.labels, `${field}.metadata.labels`, 'map');
    check.strings(template.metadata.annotations, `${field}.metadata.annotations`, 'map');
    check.strings(template.metadata.finalizers, `${field}.metadata.finalizers`, 'list');
  }
  if (template.spec !== undefined && !isObject(template.spec)) check.add(`${field}.spec`, 'must be an object');
}

function checkGenerator(check: Checker, generator: unknown, field: string, depth: number): void {
  if (!check.object(generator, field, [...Object.keys(GENERATOR_FIELDS), 'selector'])) return;
  const kinds = Object.keys(GENERATOR_FIELDS).filter((kind) => generator[kind] !== undefined);
  const unsupported = Object.keys(generator).some((key) => key in UNSUPPORTED);
  if (kinds.length === 0 && !unsupported) check.add(field, 'names no generator (one of list, clusters, git, matrix, merge)');
  if (kinds.length > 1) check.add(field, `names ${kinds.join(' and ')}; one generator per entry`);
  if (generator.selector !== undefined) check.problems.push(...selectorProblems(generator.selector, `${field}.selector`));
  for (const kind of kinds) {
    const at = `${field}.${kind}`;
    const spec = generator[kind];
    if (!check.object(spec, at, GENERATOR_FIELDS[kind])) continue;
    if (spec.template !== undefined) checkTemplate(check, spec.template, `${at}.template`);
    if (kind === 'list') checkList(check, spec, at);
    if (kind === 'clusters') {
      if (spec.selector !== undefined) check.problems.push(...selectorProblems(spec.selector, `${at}.selector`));
      check.strings(spec.values, `${at}.values`, 'map');
    }
    if (kind === 'git') checkGit(check, spec, at);
    if (kind === 'matrix' || kind === 'merge') checkCombination(check, kind, spec, at, depth);
  }
}

function checkList(check: Checker, list: Obj, field: string): void {
  if (list.elements !== undefined && (!Array.isArray(list.elements) || list.elements.some((e) => e !== null && !isObject(e)))) check.add(`${field}.elements`, 'must be a list of objects');
  check.type(list.elementsYaml, `${field}.elementsYaml`, 'string');
  if (list.elements === undefined && list.elementsYaml === undefined) check.add(field, 'needs elements or elementsYaml');
}

function checkGit(check: Checker, git: Obj, field: string): void {
  if (typeof git.repoURL !== 'string' || git.repoURL === '') check.add(`${field}.repoURL`, 'is required');
  for (const key of ['revision', 'pathParamPrefix'] as const) check.type(git[key], `${field}.${key}`, 'string');
  check.strings(git.values, `${field}.values`, 'map');
  const seconds = git.requeueAfterSeconds;
  if (seconds !== undefined && !(Number.isInteger(seconds) && (seconds as number) >= 0)) check.add(`${field}.requeueAfterSeconds`, 'must be a whole number of seconds, 0 or more');
  const lists = (['directories', 'files'] as const).filter((key) => git[key] !== undefined);
  if (lists.length === 0) check.add(field, 'needs directories or files');
  if (lists.length === 2) check.add(field, 'has both directories and files; use two generators');
  for (const key of lists) {
    const items = git[key];
    if (!Array.isArray(items) || items.length === 0) {
      check.add(`${field}.${key}`, 'must be a non-empty list of {path, exclude}');
      continue;
    }
    items.forEach((item, i) => {
      const at = `${field}.${key}[${i}]`;
      if (!check.object(item, at, ['path', 'exclude'])) return;
      if (typeof item.path !== 'string' || item.path === '') check.add(`${at}.path`, 'is required');
      check.type(item.exclude, `${at}.exclude`, 'boolean');
    });
  }
}

function checkCombination(check: Checker, kind: 'matrix' | 'merge', spec: Obj, field: string, depth: number): void {
  const children = spec.generators;
  const count = Array.isArray(children) ? children.length : 0;
  if (kind === 'matrix' && count !== 2) check.add(`${field}.generators`, `a matrix combines exactly 2 generators, found ${count}`);
  if (kind === 'merge' && count < 2) check.add(`${field}.generators`, `a merge needs at least 2 generators, found ${count}`);
  if (kind === 'merge' && (!Array.isArray(spec.mergeKeys) || spec.mergeKeys.length === 0 || spec.mergeKeys.some((k) => typeof k !== 'string'))) {
    check.add(`${field}.mergeKeys`, 'a merge needs at least one merge key (a list of parameter names)');
  }
  if (!Array.isArray(children)) return;
  children.forEach((child, i) => {
    const at = `${field}.generators[${i}]`;
    // The child of a matrix or merge may itself be one, but its own children may not (Argo CD's limit).
    if (depth >= 1 && isObject(child)) {
      for (const nested of ['matrix', 'merge']) if (child[nested] !== undefined) check.add(`${at}.${nested}`, 'matrix and merge generators nest only one level deep');
    }
    checkGenerator(check, child, at, depth + 1);
  });
}

function checkStrategy(check: Checker, strategy: unknown): void {
  if (!check.object(strategy, 'spec.strategy', ['type', 'rollingSync'])) return;
  if (strategy.type !== undefined && strategy.type !== 'AllAtOnce' && strategy.type !== 'RollingSync') check.add('spec.strategy.type', `${JSON.stringify(strategy.type)} is not AllAtOnce or RollingSync`);
  if (strategy.type === 'RollingSync' && strategy.rollingSync === undefined) check.add('spec.strategy.rollingSync', 'is required with type RollingSync');
  if (strategy.rollingSync === undefined || !check.object(strategy.rollingSync, 'spec.strategy.rollingSync', ['steps'])) return;
  const steps = strategy.rollingSync.steps;
  if (!Array.isArray(steps)) {
    check.add('spec.strategy.rollingSync.steps', 'must be a list');
    return;
  }
  steps.forEach((step, i) => {
    const at = `spec.strategy.rollingSync.steps[${i}]`;
    if (!check.object(step, at, ['matchExpressions', 'maxUpdate', 'approval'])) return;
    const expressions = step.matchExpressions;
    if (expressions !== undefined && !Array.isArray(expressions)) check.add(`${at}.matchExpressions`, 'must be a list');
    (Array.isArray(expressions) ? expressions : []).forEach((e, j) => {
      const ef = `${at}.matchExpressions[${j}]`;
      if (!check.object(e, ef, ['key', 'operator', 'values'])) return;
      if (typeof e.key !== 'string' || e.key === '') check.add(`${ef}.key`, 'is required');
      if (e.operator !== 'In' && e.operator !== 'NotIn') check.add(`${ef}.operator`, `${JSON.stringify(e.operator)} is not In or NotIn`);
      check.strings(e.values, `${ef}.values`, 'list');
    });
    const max = step.maxUpdate;
    if (max !== undefined && !(typeof max === 'number' && Number.isInteger(max) && max >= 0) && !(typeof max === 'string' && /^\d+%$/.test(max))) {
      check.add(`${at}.maxUpdate`, 'must be a whole number or a percentage such as "50%"');
    }
    if (step.approval !== undefined && check.object(step.approval, `${at}.approval`, ['approvers', 'timeout'])) {
      check.strings(step.approval.approvers, `${at}.approval.approvers`, 'list');
      check.type(step.approval.timeout, `${at}.approval.timeout`, 'string');
    }
  });
}
