// deploy/ as a cluster gets it: `kustomize build` with the stack's kustomize, and a container's environment resolved
// from the built objects as the kubelet resolves it (envFrom first, then env; a missing optional Secret sets nothing).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot, stackEnv } from './stack';

// Manifests of any kind: their fields are read as the API would, without a type per kind.
export type Manifest = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };

/** `kustomize build deploy/<dir>`: its YAML, and the objects in it. */
export function kustomizeBuild(dir: string): { yaml: string; objects: Manifest[] } {
  const r = spawnSync(stackEnv().SLUICE_KUSTOMIZE, ['build', path.join(repoRoot, 'deploy', dir)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kustomize build deploy/${dir} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return { yaml: r.stdout, objects: parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest) };
}

export function findObject(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the build (it has ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`);
  return found;
}

/**
 * The environment the kubelet gives `container`, from the ConfigMaps in `objects` (and the pod's name, `pod.name`). A Secret reference must be
 * optional (no Secret is created here): it sets nothing, as with a Secret that does not exist.
 */
export function containerEnv(objects: Manifest[], container: Manifest, pod: { name: string } = { name: 'sluice-worker-0' }): Record<string, string> {
  const configMap = (name: string) => findObject(objects, 'ConfigMap', name).data as Record<string, string>;
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) throw new Error(`envFrom ${JSON.stringify(source)}: only ConfigMaps are resolved here`);
    Object.assign(env, configMap(source.configMapRef.name));
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = configMap(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.name;
    else if (!e.valueFrom?.secretKeyRef?.optional) throw new Error(`env ${e.name}: a required Secret or another source, which this test does not create`);
  }
  return env;
}
