// Plain directories: YAML and JSON files (multi-document), optionally recursive, filtered by include and
// exclude globs relative to the app's path (exclude wins), as Argo CD's directory source does.
import fs from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { DirectorySource } from '../../domain/application/types';
import { parseManifests } from '../../domain/manifests/parse';
import { KubeObject } from '../../domain/resource/types';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

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

/** `appPath` is the app's path within the repo, used to name files in errors. */
export async function renderDirectory(dir: string, appPath: string, options: DirectorySource = {}): Promise<KubeObject[]> {
  const files = (await listFiles(dir, options.recurse ?? false)).filter(
    (file) => (!options.include || matches(options.include, file)) && !matches(options.exclude, file),
  );
  const objects: KubeObject[] = [];
  for (const file of files) {
    const text = await fs.promises.readFile(path.join(dir, file), 'utf8');
    objects.push(...parseManifests(text, path.posix.join(appPath, file)));
  }
  return objects;
}
