// Plain directories: YAML and JSON files (multi-document) and Jsonnet files, optionally recursive, filtered by
// include and exclude globs relative to the app's path (exclude wins), as Argo CD's directory source does.
// A `*.jsonnet` file is evaluated with the real go-jsonnet (as Argo CD does, in-process) with the spec's
// extVars, TLAs and library paths; `*.libsonnet` files are only imported.
import fs from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { DirectorySource, JsonnetSource } from '../../domain/application/types';
import { manifestsOf, parseJsonManifests, parseManifests } from '../../domain/manifests/parse';
import { KubeObject } from '../../domain/resource/types';
import { run } from './exec';
import { resolveRepoFile } from './repo-paths';

const MANIFEST_FILE = /\.(ya?ml|json|jsonnet)$/i;
const JSONNET_FILE = /\.jsonnet$/i;
const JSON_FILE = /\.json$/i;

function matches(pattern: string | undefined, file: string): boolean {
  if (!pattern) return false;
  // Argo CD accepts "{a.yaml,b.yaml}" and plain globs; matchBase lets "*.yaml" match in subfolders too.
  return minimatch(file, pattern, { matchBase: !pattern.includes('/'), dot: false });
}

async function listFiles(root: string, recurse: boolean, prefix = ''): Promise<string[]> {
  const entries = await fs.promises.readdir(path.join(root, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      if (recurse) files.push(...(await listFiles(root, recurse, relative)));
    } else if (entry.isFile() && MANIFEST_FILE.test(entry.name)) {
      files.push(relative);
    }
  }
  return files;
}

function jsonnetArgs(jsonnet: JsonnetSource | undefined): string[] {
  const args: string[] = [];
  for (const v of jsonnet?.extVars ?? []) args.push(v.code ? '--ext-code' : '--ext-str', `${v.name}=${v.value ?? ''}`);
  for (const v of jsonnet?.tlas ?? []) args.push(v.code ? '--tla-code' : '--tla-str', `${v.name}=${v.value ?? ''}`);
  return args;
}

/** Library paths, relative to the repository root as in Argo CD, never outside it. */
async function jsonnetLibs(root: string, appPath: string, libs: string[] = []): Promise<string[]> {
  const dirs: string[] = [];
  for (const [i, lib] of libs.entries()) {
    dirs.push('-J', await resolveRepoFile(root, root, lib, { appPath, field: `spec.source.directory.jsonnet.libs[${i}]`, kind: 'directory' }));
  }
  return dirs;
}

async function evaluateJsonnet(dir: string, file: string, repoFile: string, args: string[]): Promise<KubeObject[]> {
  const output = await run('jsonnet', [...args, '--', file], dir, `jsonnet file ${repoFile}`, {}, { file: repoFile });
  return manifestsOf(JSON.parse(output), repoFile);
}

/** `root` is the checked-out repository, `dir` the app's directory in it, `appPath` its path (to name files in errors). */
export async function renderDirectory(root: string, dir: string, appPath: string, options: DirectorySource = {}): Promise<KubeObject[]> {
  const files = (await listFiles(dir, options.recurse ?? false)).filter(
    (file) => (!options.include || matches(options.include, file)) && !matches(options.exclude, file),
  );
  // The app's directory is on the library path first, as in Argo CD; imports relative to a file also work.
  const jsonnet = files.some((f) => JSONNET_FILE.test(f)) ? [...jsonnetArgs(options.jsonnet), '-J', dir, ...(await jsonnetLibs(root, appPath, options.jsonnet?.libs))] : [];
  const objects: KubeObject[] = [];
  for (const file of files) {
    const repoFile = path.posix.join(appPath, file);
    if (JSONNET_FILE.test(file)) {
      objects.push(...(await evaluateJsonnet(dir, file, repoFile, jsonnet)));
      continue;
    }
    const text = await fs.promises.readFile(path.join(dir, file), 'utf8');
    objects.push(...(JSON_FILE.test(file) ? parseJsonManifests(text, repoFile) : parseManifests(text, repoFile)));
  }
  return objects;
}
