// Kustomize through the real binary, as Argo CD runs it: the spec's options are applied with
// `kustomize edit` in the checked-out path, then `kustomize build`.
import fs from 'node:fs';
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

export async function renderKustomize(dir: string, appPath: string, options: KustomizeSource = {}): Promise<KubeObject[]> {
  const what = `kustomize path ${appPath}`;
  if (options.namePrefix) await run('kustomize', ['edit', 'set', 'nameprefix', '--', options.namePrefix], dir, what);
  if (options.nameSuffix) await run('kustomize', ['edit', 'set', 'namesuffix', '--', options.nameSuffix], dir, what);
  if (options.images?.length) await run('kustomize', ['edit', 'set', 'image', ...options.images], dir, what);
  if (options.commonLabels && Object.keys(options.commonLabels).length) await run('kustomize', ['edit', 'add', 'label', '--force', pairs(options.commonLabels)], dir, what);
  if (options.commonAnnotations && Object.keys(options.commonAnnotations).length) await run('kustomize', ['edit', 'add', 'annotation', '--force', pairs(options.commonAnnotations)], dir, what);
  if (options.namespace) await run('kustomize', ['edit', 'set', 'namespace', '--', options.namespace], dir, what);
  await addPatches(dir, options.patches);
  const output = await run('kustomize', ['build', '.'], dir, what);
  return parseManifests(output, `${appPath} (kustomize build)`);
}
