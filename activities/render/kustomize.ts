// Kustomize through the real binary, as Argo CD runs it: the spec's options are applied with
// `kustomize edit`, then `kustomize build`. The checkout is shared by every app at the commit and must stay
// pristine, so edits happen in a scratch copy of the app's directory (see editableCopy).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { KustomizeSource } from '../../domain/application/types';
import { KUSTOMIZATION_FILES } from '../../domain/manifests/source-type';
import { parseManifests } from '../../domain/manifests/parse';
import { KubeObject } from '../../domain/resource/types';
import { run } from './exec';

const pairs = (map: Record<string, string>) => Object.entries(map).map(([k, v]) => `${k}:${v}`).join(',');

async function addPatches(dir: string, patches: KustomizeSource['patches']): Promise<void> {
  const file = KUSTOMIZATION_FILES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file || !patches?.length) return;
  const doc = parseDocument(await fs.promises.readFile(file, 'utf8'));
  const existing = (doc.get('patches') as { toJSON(): unknown[] } | undefined)?.toJSON() ?? [];
  doc.set('patches', [...existing, ...patches]);
  await fs.promises.writeFile(file, doc.toString());
}

function needsEdits(options: KustomizeSource): boolean {
  const { namePrefix, nameSuffix, images, commonLabels, commonAnnotations, namespace, patches } = options;
  return !!(namePrefix || nameSuffix || images?.length || Object.keys(commonLabels ?? {}).length || Object.keys(commonAnnotations ?? {}).length || namespace || patches?.length);
}

/**
 * A scratch tree where `appPath` is a real copy of the checkout's (kustomize edits its kustomization file) and
 * every other entry on the way down is a symlink into the checkout, so "../base" still resolves to the same files.
 * Only the app's directory is copied, never the repository.
 */
async function editableCopy(root: string, appPath: string, scratch: string): Promise<string> {
  let from = root;
  let to = scratch;
  for (const segment of appPath === '.' ? [] : appPath.split('/')) {
    for (const entry of await fs.promises.readdir(from)) {
      if (entry !== segment) await fs.promises.symlink(path.join(from, entry), path.join(to, entry));
    }
    from = path.join(from, segment);
    to = path.join(to, segment);
    await fs.promises.mkdir(to);
  }
  await fs.promises.cp(from, to, { recursive: true });
  // The checkout's files are read-only; the copies kustomize edits must not be.
  for (const file of KUSTOMIZATION_FILES) await fs.promises.chmod(path.join(to, file), 0o644).catch(() => undefined);
  return to;
}

/** `root` is the commit's shared checkout (never written), `appPath` the kustomization's path in it. */
export async function renderKustomize(root: string, appPath: string, options: KustomizeSource = {}): Promise<KubeObject[]> {
  if (!needsEdits(options)) return build(path.join(root, appPath), appPath);
  const scratch = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'sluice-kustomize-'));
  try {
    return await editAndBuild(await editableCopy(root, appPath, scratch), appPath, options);
  } finally {
    await fs.promises.rm(scratch, { recursive: true, force: true });
  }
}

async function build(dir: string, appPath: string): Promise<KubeObject[]> {
  const output = await run('kustomize', ['build', '.'], dir, `kustomize path ${appPath}`);
  return parseManifests(output, `${appPath} (kustomize build)`);
}

async function editAndBuild(dir: string, appPath: string, options: KustomizeSource): Promise<KubeObject[]> {
  const what = `kustomize path ${appPath}`;
  if (options.namePrefix) await run('kustomize', ['edit', 'set', 'nameprefix', '--', options.namePrefix], dir, what);
  if (options.nameSuffix) await run('kustomize', ['edit', 'set', 'namesuffix', '--', options.nameSuffix], dir, what);
  if (options.images?.length) await run('kustomize', ['edit', 'set', 'image', ...options.images], dir, what);
  if (options.commonLabels && Object.keys(options.commonLabels).length) await run('kustomize', ['edit', 'add', 'label', '--force', pairs(options.commonLabels)], dir, what);
  if (options.commonAnnotations && Object.keys(options.commonAnnotations).length) await run('kustomize', ['edit', 'add', 'annotation', '--force', pairs(options.commonAnnotations)], dir, what);
  if (options.namespace) await run('kustomize', ['edit', 'set', 'namespace', '--', options.namespace], dir, what);
  await addPatches(dir, options.patches);
  return build(dir, appPath);
}
