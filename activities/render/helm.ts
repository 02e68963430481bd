// Helm through the real binary: `helm template` with the spec's release name, value files, values,
// parameters, namespace and CRD handling. Chart dependencies must be vendored under charts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { HelmSource } from '../../domain/application/types';
import { parseManifests } from '../../domain/manifests/parse';
import { KubeObject } from '../../domain/resource/types';
import { run } from './exec';
import { resolveRepoFile } from './repo-paths';

const helmHome = path.join(os.homedir(), '.cache', 'sluice', 'helm-home');
const HELM_ENV = {
  HELM_CACHE_HOME: path.join(helmHome, 'cache'),
  HELM_CONFIG_HOME: path.join(helmHome, 'config'),
  HELM_DATA_HOME: path.join(helmHome, 'data'),
};

export interface HelmRenderOptions extends HelmSource {
  defaultReleaseName: string;
  defaultNamespace: string;
}

/** `root` is the commit's shared checkout, `dir` the chart in it; neither is written (inline values go to a scratch directory). */
export async function renderHelm(root: string, dir: string, appPath: string, options: HelmRenderOptions): Promise<KubeObject[]> {
  const scratch = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'sluice-helm-'));
  try {
    return await template(root, dir, appPath, options, scratch);
  } finally {
    await fs.promises.rm(scratch, { recursive: true, force: true });
  }
}

async function template(root: string, dir: string, appPath: string, options: HelmRenderOptions, scratch: string): Promise<KubeObject[]> {
  const args = ['template', options.releaseName || options.defaultReleaseName, '.', '--namespace', options.namespace || options.defaultNamespace || 'default'];
  args.push(options.skipCrds ? '--skip-crds' : '--include-crds');
  for (const [i, file] of (options.valueFiles ?? []).entries()) {
    args.push('--values', await resolveRepoFile(root, dir, file, { appPath, field: `spec.source.helm.valueFiles[${i}]` }));
  }
  // values (a YAML string) and valuesObject are written to files after the value files, so they win.
  const inline: string[] = [];
  if (options.values) inline.push(options.values);
  if (options.valuesObject) inline.push(stringify(options.valuesObject));
  for (const [i, text] of inline.entries()) {
    const file = path.join(scratch, `values-${i}.yaml`);
    await fs.promises.writeFile(file, text);
    args.push('--values', file);
  }
  for (const p of options.parameters ?? []) args.push(p.forceString ? '--set-string' : '--set', `${p.name}=${p.value}`);
  const output = await run('helm', args, dir, `helm chart ${appPath}`, HELM_ENV);
  return parseManifests(output, `${appPath} (helm template)`, { chartDir: appPath });
}
