// Pruning (fluxcd/pkg ssa manager_delete): find the objects this app tracks that are no longer desired,
// and delete them with the configured propagation policy. An object is only ever deleted when its tracking
// annotation names this app's instance name (`<namespace>_<name>`) and this very object; a label alone is
// not enough, and neither is a bare app name stamped before namespaces were named (see `ownership`).
import { PropagationPolicy } from '../../domain/application/sync-options';
import { appInstanceName, AppIdentity, keyOf, keyString, ownership, subjectOf, TRACKING_LABEL, trackingLabelValue } from '../../domain/resource/identity';
import { KubeObject } from '../../domain/resource/types';
import { Change } from './apply';
import { KubeApiError, KubeClient } from './kube-client';
import { LiveReader } from './live-cache';

export interface KindRef {
  apiVersion: string;
  kind: string;
}

/** Whether a live object is one this app owns, `desired` no longer contains, and nobody is deleting already. */
function isOrphan(item: KubeObject, app: AppIdentity, wanted: Set<string>): boolean {
  return ownership(item, app) === 'owned' && !wanted.has(keyString(keyOf(item))) && !item.metadata.deletionTimestamp;
}

/**
 * Orphans to act on: found in `cache` (the watch cache: no LIST across the cluster), then each read again from
 * the API server and kept only if it is still an orphan there. Usually there are none, and this costs nothing.
 */
export async function confirmOrphans(cache: LiveReader, client: LiveReader, app: AppIdentity, desired: KubeObject[], kinds: KindRef[]): Promise<KubeObject[]> {
  const candidates = await findOrphans(cache, app, desired, kinds);
  if (cache === client) return candidates;
  const wanted = new Set(desired.map((o) => keyString(keyOf(o))));
  const fresh = await Promise.all(candidates.map((o) => client.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name!)));
  return fresh.filter((o): o is KubeObject => !!o && isOrphan(o, app, wanted));
}

/** Live objects of the given kinds that this app owns but `desired` no longer contains. */
export async function findOrphans(client: LiveReader, app: AppIdentity, desired: KubeObject[], kinds: KindRef[]): Promise<KubeObject[]> {
  const wanted = new Set(desired.map((o) => keyString(keyOf(o))));
  const seen = new Set<string>();
  const orphans: KubeObject[] = [];
  const allKinds = [...kinds, ...desired.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind }))];
  for (const { apiVersion, kind } of allKinds) {
    if (seen.has(`${apiVersion}/${kind}`)) continue;
    seen.add(`${apiVersion}/${kind}`);
    let items: KubeObject[];
    try {
      items = await client.list(apiVersion, kind, { labelSelector: `${TRACKING_LABEL}=${trackingLabelValue(appInstanceName(app))}` });
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) continue; // the kind is gone (its CRD was removed)
      throw error;
    }
    for (const item of items) {
      if (isOrphan(item, app, wanted)) orphans.push(item);
    }
  }
  return orphans;
}

const POLICY: Record<PropagationPolicy, 'Foreground' | 'Background' | 'Orphan'> = { foreground: 'Foreground', background: 'Background', orphan: 'Orphan' };

export async function pruneObjects(client: KubeClient, objects: KubeObject[], policy: PropagationPolicy = 'foreground'): Promise<Change[]> {
  const changes: Change[] = [];
  for (const obj of objects) {
    const deleted = await client.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!, POLICY[policy]);
    changes.push({ subject: subjectOf(keyOf(obj)), action: deleted ? 'deleted' : 'unchanged', message: deleted ? undefined : 'already gone' });
  }
  return changes;
}
