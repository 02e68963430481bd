// Files an app's spec names (Helm value files, Jsonnet library paths) are read only from inside the checked-out
// repository: a URL, a ".." that climbs out, or a symlink whose real path is outside is refused. This is the
// class of Argo CD's CVE-2022-24348. As in Argo CD, an absolute path is taken relative to the repository root.
import fs from 'node:fs';
import path from 'node:path';
import { RenderError } from './exec';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function inside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The real path of `file` (relative to `appDir`, or to `root` when absolute). `field` names the spec field
 * (e.g. `spec.source.helm.valueFiles[0]`) and `appPath` the app's path, for the error.
 */
export async function resolveRepoFile(root: string, appDir: string, file: string, where: { appPath: string; field: string; kind?: 'file' | 'directory' }): Promise<string> {
  const refuse = (why: string) => new RenderError(`${where.field}: ${JSON.stringify(file)} ${why}`, { file: where.appPath, field: where.field });
  if (URL_SCHEME.test(file)) throw refuse('is a URL: only files in the application\'s repository are read');
  const lexical = path.isAbsolute(file) ? path.join(root, file) : path.resolve(appDir, file);
  if (!inside(root, lexical)) throw refuse('is outside the repository');
  let real: string;
  try {
    real = await fs.promises.realpath(lexical);
  } catch {
    throw refuse(`does not exist in the repository (path ${where.appPath})`);
  }
  if (!inside(await fs.promises.realpath(root), real)) throw refuse('resolves (through a symlink) outside the repository');
  const stat = await fs.promises.stat(real);
  if ((where.kind ?? 'file') === 'file' ? !stat.isFile() : !stat.isDirectory()) throw refuse(`is not a ${where.kind ?? 'file'}`);
  return real;
}
