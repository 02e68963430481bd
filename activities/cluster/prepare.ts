// Turns rendered manifests into the desired set: scope from discovery (or from a CRD in the same set, for
// custom resources whose CRD is not installed yet), the destination namespace on namespaced objects, and
// the tracking annotation and label.
import { AppIdentity, groupOf, prepareDesired } from '../../domain/resource/identity';
import { KubeObject } from '../../domain/resource/types';
import { KubeApiError, KubeClient } from './kube-client';

export class UnknownKindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownKindError';
  }
}

function crdScopes(manifests: KubeObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const m of manifests) {
    if (m.kind !== 'CustomResourceDefinition') continue;
    const spec = m.spec as { group?: string; names?: { kind?: string }; scope?: string } | undefined;
    scopes.set(`${spec?.group}/${spec?.names?.kind}`, spec?.scope !== 'Cluster');
  }
  return scopes;
}

export async function prepareManifests(client: KubeClient, manifests: KubeObject[], app: AppIdentity, destinationNamespace: string): Promise<KubeObject[]> {
  const fromCrds = crdScopes(manifests);
  const scopes = new Map<string, boolean>();
  for (const m of manifests) {
    const key = `${groupOf(m.apiVersion)}/${m.kind}`;
    if (scopes.has(key)) continue;
    if (fromCrds.has(key)) {
      scopes.set(key, fromCrds.get(key)!);
      continue;
    }
    try {
      scopes.set(key, await client.isNamespaced(m.apiVersion, m.kind));
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) {
        throw new UnknownKindError(`${m.kind}/${m.metadata.name ?? m.metadata.generateName}: the cluster does not serve kind ${m.kind} in ${m.apiVersion}, and no CRD for it is part of the app`);
      }
      throw error;
    }
  }
  return manifests.map((m) => prepareDesired(m, app, destinationNamespace, (group, kind) => scopes.get(`${group}/${kind}`) ?? true));
}
