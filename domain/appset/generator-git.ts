// The git generator (Argo CD's git.go), over the tree of one revision:
// - directories: every directory matching an item's `path` (Go path.Match) and no `exclude: true` item; exclusion
//   wins. Hidden directories (a segment starting with '.') are skipped with everything below them, as the repo
//   server skips them by default. Params: path, path.basename, path.basenameNormalized, path[n].
// - files: every file matching an include item and no exclude item (doublestar globs), in path order; a YAML or
//   JSON object gives one parameter set, a list one per element, flattened without goTemplate. Params: the
//   file's keys, plus path (the file's directory), path.basename, path.filename, path.basenameNormalized,
//   path.filenameNormalized, path[n].
// `pathParamPrefix` puts the path params under `<prefix>.path`; `values` are templated with the set's params.
import { InputError } from '../errors';
import { GlobDialect, GlobSyntaxError, globToRegExp } from './glob';
import { dirName, baseName, flattenParams, GenerateOptions, isObject, parseGoYaml, pathParams, valueRenderer, withValues } from './params';
import { GeneratorInputs, GitGenerator, GitPathItem, Params } from './types';

export const DEFAULT_REVISION = 'HEAD';

interface Matcher {
  index: number;
  exclude: boolean;
  pattern: RegExp;
}

export function gitParams(git: GitGenerator, field: string, inputs: GeneratorInputs, options: GenerateOptions): Params[] {
  const revision = git.revision || DEFAULT_REVISION;
  const render = valueRenderer(field, options.renderNested);
  const finish = (params: Params) => withValues(params, git.values, { goTemplate: options.goTemplate, render: render(params) });
  const pathOptions = { goTemplate: options.goTemplate, prefix: git.pathParamPrefix || undefined };

  if (git.directories?.length) {
    const matchers = compile(git.directories, `${field}.directories`, 'path.Match');
    return visibleDirectories(inputs.gitDirectories(git.repoURL, revision))
      .filter((path) => selected(matchers, path) !== undefined)
      .map((path) => finish(pathParams({ path }, pathOptions)));
  }
  if (git.files?.length) {
    const items = git.files.map((item) => ({ ...item, path: item.path.replace(/^(\.?\/)+/, '') }));
    const matchers = compile(items, `${field}.files`, 'doublestar');
    const sets: Params[] = [];
    for (const file of [...inputs.gitFiles(git.repoURL, revision)].sort(byCodePoint)) {
      const matched = selected(matchers, file);
      if (matched === undefined) continue;
      const objects = parseObjects(inputs.readGitFile(git.repoURL, revision, file), { repoURL: git.repoURL, revision, file, field: `${field}.files[${matched.index}]` });
      for (const object of objects) {
        const own = options.goTemplate ? { ...object } : flattenParams(object);
        sets.push(finish({ ...own, ...pathParams({ path: dirName(file), filename: baseName(file) }, pathOptions) }));
      }
    }
    return sets;
  }
  throw new InputError(`${field}: needs directories or files`, { field });
}

function compile(items: GitPathItem[], field: string, dialect: GlobDialect): Matcher[] {
  return items.map((item, index) => {
    try {
      return { index, exclude: item.exclude === true, pattern: globToRegExp(item.path, dialect) };
    } catch (error) {
      if (!(error instanceof GlobSyntaxError)) throw error;
      const at = `${field}[${index}].path`;
      throw new InputError(`${at}: not a valid glob: ${error.message}`, { field: at });
    }
  });
}

/** The first include item matching `path`, unless an exclude item matches it too. */
function selected(matchers: Matcher[], path: string): Matcher | undefined {
  if (matchers.some((m) => m.exclude && m.pattern.test(path))) return undefined;
  return matchers.find((m) => !m.exclude && m.pattern.test(path));
}

/** Directories in the order the repo server walks them (depth first, names sorted), without hidden ones. */
function visibleDirectories(paths: string[]): string[] {
  const visible = paths.filter((path) => path !== '' && path !== '.' && !path.split('/').some((segment) => segment.startsWith('.')));
  return [...new Set(visible)].sort((a, b) => {
    const x = a.split('/');
    const y = b.split('/');
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return byCodePoint(x[i], y[i]);
    return x.length - y.length;
  });
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A file's parameter sets: an object is one, a list of objects one each, an empty file one empty set. */
function parseObjects(content: string, where: { repoURL: string; revision: string; file: string; field: string }): Array<Record<string, unknown>> {
  const fail = (problem: string) =>
    new InputError(`${where.field}: ${where.repoURL} at ${where.revision}: ${where.file}: ${problem}`, { file: where.file, field: where.field });
  let parsed: unknown;
  try {
    parsed = parseGoYaml(content);
  } catch (error) {
    throw fail(`not YAML or JSON: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return [{}];
  if (isObject(parsed)) return [parsed];
  if (Array.isArray(parsed) && parsed.every((item) => item === null || isObject(item))) return parsed.map((item) => (item ?? {}) as Record<string, unknown>);
  throw fail('must hold an object or a list of objects');
}
