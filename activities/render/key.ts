// The render cache's key, read from git without any checkout: the object ids of what the render can read
// (domain/manifests/render-key.ts decides which) and the render options. Unchanged apps keep their key across commits.
import { createHash } from 'node:crypto';
import { detectSourceType, KUSTOMIZATION_FILES } from '../../domain/manifests/source-type';
import { cleanRepoPath, kustomizationReachesOutside, renderKeyText, valueFilesOutside } from '../../domain/manifests/render-key';
import { parse } from 'yaml';
import { CommitReader, normaliseRepoURL, RepoCache, TreeEntry } from '../git/repository';
import type { RenderInput } from '.';

const JSONNET_FILE = /\.jsonnet$/i;

/** Every file of the tree at `dir` (recursing into subtrees when `recurse`), as repository paths. */
async function files(reader: CommitReader, dir: string, entries: TreeEntry[], recurse: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of entries) {
    const repoPath = dir === '.' ? entry.path : `${dir}/${entry.path}`;
    if (entry.type === 'blob') out.push(repoPath);
    else if (entry.type === 'tree' && recurse) out.push(...(await files(reader, repoPath, (await reader.tree(repoPath)).entries, recurse)));
  }
  return out;
}

async function kustomizations(reader: CommitReader, appPath: string, entries: TreeEntry[]): Promise<Array<{ dir: string; document: unknown }>> {
  const found = (await files(reader, appPath, entries, true)).filter((f) => KUSTOMIZATION_FILES.includes(f.split('/').pop()!));
  return Promise.all(found.map(async (file) => {
    let document: unknown;
    try {
      document = parse(await reader.text(file));
    } catch {
      document = undefined; // kustomize itself reports it when the app renders
    }
    return { dir: cleanRepoPath(file.split('/').slice(0, -1).join('/')), document };
  }));
}

/** The digest of everything that shapes the rendered output of `input`; reads git objects only. */
export async function renderDigest(repos: RepoCache, input: RenderInput): Promise<string> {
  const { source } = input;
  const appPath = cleanRepoPath(source.path);
  const reader = await repos.at(source.repoURL, input.revision, input.credentials);
  const app = await reader.tree(appPath);
  const sourceType = detectSourceType(source, app.entries.map((e) => e.path));
  const inputs: Record<string, string> = { [appPath]: app.oid };
  const root = async () => (await reader.tree('.')).oid;
  if (sourceType === 'Kustomize') {
    if (kustomizationReachesOutside(appPath, await kustomizations(reader, appPath, app.entries))) inputs['.'] = await root();
  } else if (sourceType === 'Helm') {
    for (const file of valueFilesOutside(appPath, source.helm?.valueFiles)) inputs[file] = (await reader.oid(file)) ?? 'missing';
  } else {
    // A Jsonnet import can climb out of the app's path (and library paths are anywhere): the whole tree is the input.
    const recurse = source.directory?.recurse ?? false;
    if (source.directory?.jsonnet?.libs?.length || (await files(reader, appPath, app.entries, recurse)).some((f) => JSONNET_FILE.test(f))) inputs['.'] = await root();
  }
  const text = renderKeyText({ repo: normaliseRepoURL(source.repoURL), appName: input.appName, destinationNamespace: input.destinationNamespace, source, inputs });
  return createHash('sha256').update(text).digest('hex');
}
