// Server-side diff (fluxcd/pkg ssa manager_diff): each desired object is dry-run applied, and what the
// server would store is compared with the live object after normalisation. Tracked objects that are no
// longer desired show as OutOfSync, requiring pruning.
import { ResourceIgnoreDifferences } from '../../domain/application/types';
import { compareResource, pruneDiff, ResourceDiff, SyncStatus } from '../../domain/diff/compare';
import { keyOf, keyString } from '../../domain/resource/identity';
import { KubeObject } from '../../domain/resource/types';
import { mapLimit } from './concurrency';
import { DiffMemo } from './diff-memo';
import { isRejection, KubeApiError, KubeClient } from './kube-client';
import { LiveReader } from './live-cache';

export interface DiffResult {
  status: SyncStatus;
  resources: Array<ResourceDiff & { requiresPruning?: boolean }>;
}

/** Objects a dry-run cannot judge yet: their CRD or namespace is created by the same sync. */
export function pendingDependencies(desired: KubeObject[]): (obj: KubeObject) => boolean {
  const crdKinds = new Set(desired.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => {
    const spec = o.spec as { group?: string; names?: { kind?: string } };
    return `${spec.group}/${spec.names?.kind}`;
  }));
  const namespaces = new Set(desired.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1').map((o) => o.metadata.name));
  return (obj) => crdKinds.has(`${keyOf(obj).group}/${obj.kind}`) || (!!obj.metadata.namespace && namespaces.has(obj.metadata.namespace));
}

export interface DiffOptions {
  /** Where live objects are read (the watch cache in the worker); the client by default. */
  live?: LiveReader;
  /** In-sync results to reuse while neither the desired object nor the live one changed. */
  memo?: DiffMemo;
}

export async function diffResources(
  client: KubeClient,
  desired: KubeObject[],
  orphans: KubeObject[],
  rules: readonly ResourceIgnoreDifferences[] | undefined,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const dependsOnSync = pendingDependencies(desired);
  const reader = options.live ?? client;
  const resources = await mapLimit(desired, 8, async (obj) => {
    const live = dependsOnSync(obj) ? undefined : await reader.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
    if (!live) return compareResource(obj, undefined, rules);
    const digest = options.memo ? DiffMemo.digest(obj, rules) : '';
    const known = options.memo?.lookup(obj, digest, live);
    if (known) return known;
    let predicted: KubeObject;
    try {
      predicted = await client.apply(obj, { dryRun: true, fieldValidation: 'Ignore' });
    } catch (error) {
      // The diff still reports the object; the sync's own dry-run names the rejection. A manifest that does not fit
      // the schema is a rejection too (a 500 from server-side apply), not a fault to retry.
      if (error instanceof KubeApiError && isRejection(error)) return { ...compareResource(obj, live, rules), status: 'OutOfSync' as const };
      throw error;
    }
    const result = compareResource(predicted, live, rules);
    options.memo?.record(obj, digest, live, result);
    return result;
  });
  const extra = orphans.map((o) => ({ ...pruneDiff(o), requiresPruning: true }));
  const all = [...resources, ...extra];
  return { status: all.some((r) => r.status === 'OutOfSync') ? 'OutOfSync' : 'Synced', resources: all };
}

/** ApplyOutOfSyncOnly: splits objects into those whose server-side diff is OutOfSync and those already in sync. */
export async function splitByDiff(
  client: KubeClient,
  objects: KubeObject[],
  rules: readonly ResourceIgnoreDifferences[] | undefined,
): Promise<{ outOfSync: KubeObject[]; inSync: KubeObject[] }> {
  const { resources } = await diffResources(client, objects, [], rules);
  const outOfSync = objects.filter((_, i) => resources[i].status !== 'Synced');
  return { outOfSync, inSync: objects.filter((o) => !outOfSync.includes(o)) };
}

/**
 * Keys of the desired objects that a recorded comparison (activities/cluster/diff-memo.ts) shows in sync with
 * the live version at hand now: read from `live` (the watch cache), so this makes no request for an object the
 * cache holds.
 */
export async function knownInSync(live: LiveReader, memo: DiffMemo, desired: KubeObject[], rules: readonly ResourceIgnoreDifferences[] | undefined): Promise<Set<string>> {
  const dependsOnSync = pendingDependencies(desired);
  const known = new Set<string>();
  await mapLimit(desired, 16, async (obj) => {
    // Never found in sync (a new object, say): nothing to look up, and no live read to make.
    if (dependsOnSync(obj) || !memo.knows(obj)) return;
    const current = await live.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
    if (current && memo.lookup(obj, DiffMemo.digest(obj, rules), current)) known.add(keyString(keyOf(obj)));
  });
  return known;
}
