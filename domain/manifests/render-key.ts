// The render cache's key: the git object ids of everything a render reads, plus every option that shapes it —
// not the commit. A commit that leaves an app's inputs alone leaves its key alone, so it is not rendered again.
// What a render can read: its own path always; for Kustomize, anything its kustomization files reach with
// "../" or "/" (then the whole repository's tree is the input, simpler and still correct); for Helm, value
// files outside the chart; for a directory with Jsonnet, the whole tree (an import can climb out of the path).
import { ApplicationSource } from '../application/types';

export interface RenderKeyInput {
  /** The repository URL in canonical form. */
  repo: string;
  appName: string;
  destinationNamespace: string;
  source: ApplicationSource;
  /** Repository path → git object id (tree or blob; "missing" when absent) of every input of the render. */
  inputs: Record<string, string>;
}

/** The app's path in the repository without leading "./" or "/" and trailing "/"; the root is ".". */
export function cleanRepoPath(repoPath: string | undefined): string {
  return (repoPath ?? '').replace(/^\.?\/*/, '').replace(/\/+$/, '') || '.';
}

/** The canonical text of the key (the render cache hashes it with SHA-256). */
export function renderKeyText(input: RenderKeyInput): string {
  // The revision a source tracks never shapes its output: what it resolved to is in `inputs`.
  const { repoURL: _repo, targetRevision: _revision, ...options } = input.source;
  const inputs = Object.entries(input.inputs).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({ v: 2, repo: input.repo, app: input.appName, ns: input.destinationNamespace, options, inputs });
}

/** A POSIX path with "." and ".." segments folded; leading ".." kept (the path climbs above its start). */
function normalise(text: string): string {
  const out: string[] = [];
  for (const segment of text.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(segment);
  }
  return out.join('/') || '.';
}

/** `target` (relative to repository directory `from`, or to the root when absolute) as a repository path; undefined when it leaves the repository. */
export function repoPathOf(from: string, target: string): string | undefined {
  const joined = normalise(target.startsWith('/') ? target : `${from}/${target}`);
  if (joined === '..' || joined.startsWith('../')) return undefined;
  return cleanRepoPath(joined);
}

/**
 * Whether the symlink at repository path `link`, pointing at `target`, leaves the repository (an absolute
 * target always does: it is a path on the machine). Argo CD refuses such "out-of-bounds symlinks"; checkouts
 * never follow a symlink (they write its target as text), so refusing it is what makes the error clear.
 */
export function symlinkLeavesRepository(link: string, target: string): boolean {
  return target === '' || target.startsWith('/') || repoPathOf(link.split('/').slice(0, -1).join('/') || '.', target) === undefined;
}

/** Whether repository path `candidate` is `dir` or below it. */
export function isUnder(dir: string, candidate: string): boolean {
  return dir === '.' || candidate === dir || candidate.startsWith(`${dir}/`);
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

/**
 * Whether any of an app's kustomization files (parsed, each with its directory as a repository path) refers to
 * a file or directory outside the app's path. Every string value is checked, whatever its field (resources,
 * bases, components, patches, generators' "key=file"...): a false alarm costs a render, a miss a stale cache.
 */
export function kustomizationReachesOutside(appPath: string, files: Array<{ dir: string; document: unknown }>): boolean {
  return files.some(({ dir, document }) => strings(document).some((text) => {
    const target = text.includes('=') ? text.slice(text.indexOf('=') + 1) : text;
    if (!target.startsWith('/') && !target.split(/[/\\]/).includes('..')) return false;
    const resolved = repoPathOf(dir, target.trim());
    return resolved === undefined || !isUnder(appPath, resolved);
  }));
}

/** Helm value files (relative to the chart, or to the root when absolute) that lie outside the chart's path, as repository paths. */
export function valueFilesOutside(appPath: string, valueFiles: string[] = []): string[] {
  return valueFiles
    .filter((file) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(file))
    .map((file) => repoPathOf(appPath, file))
    .filter((file): file is string => file !== undefined && !isUnder(appPath, file));
}
