// Applying (fluxcd/pkg ssa manager_apply): dry-run the whole set first, so one rejected object means
// nothing is applied, then apply kind by kind with bounded parallelism, waiting for CRDs to be Established
// before their custom resources. Every apply yields a change-set entry.
import { SyncOptions, DEFAULT_SYNC_OPTIONS } from '../../domain/application/sync-options';
import { ResourceIgnoreDifferences } from '../../domain/application/types';
import { keepIgnoredFields } from '../../domain/diff/normalize';
import { resourceSyncOptions } from '../../domain/plan/annotations';
import { InputError } from '../../domain/errors';
import { keyOf, subjectOf } from '../../domain/resource/identity';
import { KubeObject } from '../../domain/resource/types';
import { mapLimit } from './concurrency';
import { pendingDependencies } from './diff';
import { ApplyOptions, KubeApiError, KubeClient, isRejection } from './kube-client';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped';

export interface Change {
  subject: string;
  action: ChangeAction;
  message?: string;
  /** For an object left unchanged without a request: Healthy in the watch cache, so its step need not wait for it. */
  healthy?: boolean;
}

export class ApplyRejectedError extends InputError {
  constructor(readonly subject: string, readonly code: number, readonly apiMessage: string) {
    super(`${subject}: ${apiMessage}`);
  }
}

export const APPLY_CONCURRENCY = 8;

function applyOptionsFor(obj: KubeObject, options: SyncOptions, dryRun: boolean): { apply: ApplyOptions; replace: boolean } {
  const own = resourceSyncOptions(obj, options);
  return { apply: { dryRun, fieldValidation: own.validate ? 'Strict' : 'Ignore' }, replace: own.replace };
}


async function applyOne(client: KubeClient, obj: KubeObject, options: SyncOptions, dryRun: boolean): Promise<KubeObject> {
  const { apply, replace } = applyOptionsFor(obj, options, dryRun);
  try {
    return replace ? await client.replace(obj, apply) : await client.apply(obj, apply);
  } catch (error) {
    if (error instanceof KubeApiError && isRejection(error)) {
      throw new ApplyRejectedError(subjectOf(keyOf(obj)), error.code, error.message);
    }
    throw error;
  }
}

async function servesKind(client: KubeClient, obj: KubeObject): Promise<boolean> {
  try {
    await client.isNamespaced(obj.apiVersion, obj.kind);
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return false;
    throw error;
  }
}

/**
 * Dry-runs every object; throws ApplyRejectedError naming the first object the API rejects. Skipped, as
 * Argo CD does: objects whose CRD or namespace the same sync creates, and, with SkipDryRunOnMissingResource
 * (app-wide or on the object), objects of a kind the cluster does not serve yet. Everything else is dry-run.
 */
export async function dryRunAll(client: KubeClient, objects: KubeObject[], options: SyncOptions = DEFAULT_SYNC_OPTIONS): Promise<void> {
  const dependsOnSync = pendingDependencies(objects);
  await mapLimit(objects.filter((o) => !dependsOnSync(o)), APPLY_CONCURRENCY, async (obj) => {
    if (resourceSyncOptions(obj, options).skipDryRunOnMissingResource && !(await servesKind(client, obj))) return;
    await applyOne(client, obj, options, true);
  });
}

async function waitEstablished(client: KubeClient, crd: KubeObject, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 1000)) {
    const live = await client.get(crd.apiVersion, crd.kind, undefined, crd.metadata.name!);
    const conditions = ((live?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions) ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new Error(`${subjectOf(keyOf(crd))}: not Established after ${timeoutMs / 1000}s`);
}

export interface ApplyContext {
  /** The app's spec.ignoreDifferences: with RespectIgnoreDifferences, those fields keep their live values. */
  ignoreDifferences?: readonly ResourceIgnoreDifferences[];
}

/** Applies a group of objects (one wave), kind by kind in the given order, in parallel within a kind. */
export async function applyObjects(client: KubeClient, objects: KubeObject[], options: SyncOptions = DEFAULT_SYNC_OPTIONS, context: ApplyContext = {}): Promise<Change[]> {
  const changes: Change[] = [];
  const groups: KubeObject[][] = [];
  for (const obj of objects) {
    const last = groups[groups.length - 1];
    if (last && last[0].kind === obj.kind && last[0].apiVersion === obj.apiVersion) last.push(obj);
    else groups.push([obj]);
  }
  for (const group of groups) {
    const results = await mapLimit(group, APPLY_CONCURRENCY, async (obj) => {
      const before = await client.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
      const desired = before && resourceSyncOptions(obj, options).respectIgnoreDifferences ? keepIgnoredFields(obj, before, context.ignoreDifferences) : obj;
      const after = await applyOne(client, desired, options, false);
      if (obj.kind === 'CustomResourceDefinition') await waitEstablished(client, obj);
      const action: ChangeAction = !before ? 'created' : before.metadata.resourceVersion === after.metadata.resourceVersion ? 'unchanged' : 'configured';
      return { subject: subjectOf(keyOf(obj)), action };
    });
    changes.push(...results);
  }
  return changes;
}

/** The namespace object that CreateNamespace=true adds, unless the app already declares it. */
export function destinationNamespaceObject(desired: KubeObject[], namespace: string): KubeObject | undefined {
  if (!namespace || desired.some((o) => o.kind === 'Namespace' && o.apiVersion === 'v1' && o.metadata.name === namespace)) return undefined;
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
}
