// The AppProjects the tests' Applications name ('default' and 'e2e'), created permissive in the worker's
// control namespace: Sluice installs no project by itself, so whoever runs it creates them (here, the tests).
// Tests that exercise a project's limits create their own, restricted ones.
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyObjects } from '../../activities/cluster/apply';
import { KubeClient } from '../../activities/cluster/kube-client';
import { KubeObject } from '../../domain/resource/types';
import { eventually } from './kube';
import { repoRoot } from './stack';

/** deploy/crds and deploy/admission (the SyncApproval policy the worker insists on), as an operator installs them. */
export async function installCrds(kube: KubeClient): Promise<void> {
  const read = (dir: string) => fs.readdirSync(path.join(repoRoot, dir)).filter((f) => f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(repoRoot, dir, f), 'utf8')).map((d) => d.toJS() as KubeObject));
  await applyObjects(kube, [...read('deploy/crds'), ...read('deploy/admission')]);
}

export function permissiveProject(name: string, namespace: string, group = 'sluice.dev'): KubeObject {
  return {
    apiVersion: `${group}/v1alpha1`, kind: 'AppProject', metadata: { name, namespace },
    spec: {
      sourceRepos: ['*'], destinations: [{ server: '*', name: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }], sourceNamespaces: ['*'],
    },
  } as unknown as KubeObject;
}

/** Installs the CRDs and creates (or keeps) the permissive projects once the AppProject CRDs are served. */
export async function ensureTestProjects(kube: KubeClient, namespace: string, names = ['default', 'e2e']): Promise<void> {
  await installCrds(kube);
  if (!(await kube.get('v1', 'Namespace', undefined, namespace))) {
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject).catch(() => undefined);
  }
  const projects = ['sluice.dev', 'argoproj.io'].flatMap((group) => names.map((name) => permissiveProject(name, namespace, group)));
  await eventually('the AppProject CRDs to be served', async () => applyObjects(kube, projects).then(() => true, () => undefined), 30_000);
}
