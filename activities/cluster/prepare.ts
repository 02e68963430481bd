// Turns rendered manifests into the desired set: scope from discovery (or from a CRD in the same set, for
// custom resources whose CRD is not installed yet), the destination namespace on namespaced objects, and
// the tracking annotation and label.
import { DEFAULT_SYNC_OPTIONS, SyncOptions } from '../../domain/application/sync-options';
import { resourceSyncOptions } from '../../domain/plan/annotations';
import { InputError } from '../../domain/errors';
import { AppIdentity, groupOf, prepareDesired, repeatedResources } from '../../domain/resource/identity';
import { KubeObject } from '../../domain/resource/types';
import { KubeApiError, KubeClient } from './kube-client';

export class UnknownKindError extends InputError {}
export class RepeatedResourceError extends InputError {}

function crdScopes(manifests: KubeObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const m of manifests) {
    if (m.kind !== 'CustomResourceDefinition') continue;
    const spec = m.spec as { group?: string; names?: { kind?: string }; scope?: string } | undefined;
    scopes.set(`${spec?.group}/${spec?.names?.kind}`, spec?.scope !== 'Cluster');
  }
  return scopes;
}

/**
 * The desired set. A kind the cluster does not serve, with no CRD in the app, is refused unless the object
 * has SkipDryRunOnMissingResource (its own or the app's): then it is taken as namespaced, as Argo CD does,
 * for a CRD that something else installs before it is applied. Every sync-options annotation is checked here,
 * so a refused option shows on the app at refresh. A resource defined twice is refused (see repeatedResources).
 */
export async function prepareManifests(client: KubeClient, manifests: KubeObject[], app: AppIdentity, destinationNamespace: string, appOptions: SyncOptions = DEFAULT_SYNC_OPTIONS): Promise<KubeObject[]> {
  const fromCrds = crdScopes(manifests);
  const scopes = new Map<string, boolean>();
  const unknown = new Set<string>();
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
      if (!(error instanceof KubeApiError && error.code === 404)) throw error;
      scopes.set(key, true);
      unknown.add(key);
    }
  }
  const desired = manifests.map((m) => {
    const prepared = prepareDesired(m, app, destinationNamespace, (group, kind) => scopes.get(`${group}/${kind}`) ?? true);
    const options = resourceSyncOptions(prepared, appOptions);
    if (unknown.has(`${groupOf(m.apiVersion)}/${m.kind}`) && !options.skipDryRunOnMissingResource) {
      throw new UnknownKindError(`${m.kind}/${m.metadata.name ?? m.metadata.generateName}: the cluster does not serve kind ${m.kind} in ${m.apiVersion}, and no CRD for it is part of the app (SkipDryRunOnMissingResource=true accepts it when something else installs the CRD)`);
    }
    return prepared;
  });
  const repeated = repeatedResources(desired);
  if (repeated.length) {
    throw new RepeatedResourceError(`${repeated.map((r) => `${r.subject} is defined ${r.count} times`).join('; ')}: an app must define each resource once`);
  }
  return desired;
}
