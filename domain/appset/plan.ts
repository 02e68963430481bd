// What one reconcile of an ApplicationSet does to its Applications: which to create, update and delete, which it
// must leave alone (policy), and which names clash with an Application it does not own. Pure: the caller lists the
// namespace's Applications and renders the desired ones; this decides.
//
// Ownership is the set's controller ownerReference (by uid), as Argo CD's. Unlike Argo CD, an existing Application
// that no set owns is not adopted: it is reported as a conflict, so a set never takes over (and later deletes)
// an Application a person made by hand.
import { InputError } from '../errors';
import { RESOURCE_FINALIZERS } from '../operation/types';
import { sameContent } from '../same-content';
import { ApplicationsSyncPolicy } from './types';

export const APPSET_FIELD_MANAGER = 'sluice-applicationset';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface AppObject {
  apiVersion: string;
  kind: 'Application';
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
    managedFields?: Array<{ manager?: string; fieldsV1?: Record<string, unknown> }>;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface SetIdentity {
  apiVersion: string;
  name: string;
  namespace: string;
  uid: string;
}

export interface Conflict {
  application: string;
  /** The set that owns it, or undefined when no set owns it. */
  ownedBy?: string;
  message: string;
}

export interface SetPlan {
  create: AppObject[];
  update: AppObject[];
  /** Owned Applications no longer generated, to delete (after removing `stripFinalizers` from each). */
  delete: string[];
  stripFinalizers: string[];
  unchanged: string[];
  /** Left as they are because applicationsSync forbids the change. */
  held: Array<{ application: string; change: 'update' | 'delete' }>;
  /** Desired but still being deleted: created again once gone. */
  waiting: string[];
  conflicts: Conflict[];
}

const allows = (policy: ApplicationsSyncPolicy, change: 'update' | 'delete') =>
  policy === 'sync' || (change === 'update' ? policy === 'create-update' : policy === 'create-delete');

/** The ApplicationSet that controls an Application, from its ownerReferences. */
export function controllingSet(app: AppObject): OwnerReference | undefined {
  return app.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'ApplicationSet');
}

export function ownerReference(set: SetIdentity): OwnerReference {
  return { apiVersion: set.apiVersion, kind: 'ApplicationSet', name: set.name, uid: set.uid, controller: true, blockOwnerDeletion: true };
}

/** The keys of a map the set's field manager set last time (server-side apply records them in managedFields). */
export function managedKeys(app: AppObject, map: 'labels' | 'annotations'): string[] {
  const entry = app.metadata.managedFields?.find((m) => m.manager === APPSET_FIELD_MANAGER);
  const fields = ((entry?.fieldsV1?.['f:metadata'] as Record<string, unknown> | undefined)?.[`f:${map}`] ?? {}) as Record<string, unknown>;
  return Object.keys(fields).filter((k) => k.startsWith('f:')).map((k) => k.slice(2));
}

/**
 * Whether applying `desired` would change `existing`: its spec differs, a label, annotation or finalizer it sets is
 * missing or different, or a label or annotation the set set before is no longer in the template.
 */
export function needsUpdate(desired: AppObject, existing: AppObject): boolean {
  if (!sameContent(desired.spec, existing.spec)) return true;
  for (const map of ['labels', 'annotations'] as const) {
    const want = desired.metadata[map] ?? {};
    const have = existing.metadata[map] ?? {};
    if (Object.entries(want).some(([k, v]) => have[k] !== v)) return true;
    if (managedKeys(existing, map).some((k) => !(k in want) && k in have)) return true;
  }
  const finalizers = existing.metadata.finalizers ?? [];
  return (desired.metadata.finalizers ?? []).some((f) => !finalizers.includes(f));
}

/** Two generated Applications with one name is an error on the set, as in Argo CD. */
export function duplicateNames(desired: AppObject[]): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const app of desired) (seen.has(app.metadata.name) ? dupes : seen).add(app.metadata.name);
  return [...dupes].sort();
}

export function planApplications(set: SetIdentity, desired: AppObject[], existing: AppObject[], options: { policy?: ApplicationsSyncPolicy; preserveResourcesOnDeletion?: boolean } = {}): SetPlan {
  const dupes = duplicateNames(desired);
  if (dupes.length) throw new InputError(`ApplicationSet ${set.namespace}/${set.name}: spec.template.metadata.name: the generators produce more than one Application named ${dupes.join(', ')}`, { field: 'spec.template.metadata.name' });
  const policy = options.policy ?? 'sync';
  const plan: SetPlan = { create: [], update: [], delete: [], stripFinalizers: [], unchanged: [], held: [], waiting: [], conflicts: [] };
  const byName = new Map(existing.map((a) => [a.metadata.name, a]));
  const wanted = new Set(desired.map((a) => a.metadata.name));
  for (const app of desired) {
    const name = app.metadata.name;
    const current = byName.get(name);
    if (!current) {
      plan.create.push(app);
      continue;
    }
    const owner = controllingSet(current);
    if (owner?.uid !== set.uid) {
      plan.conflicts.push({
        application: name, ownedBy: owner?.name,
        message: owner ? `Application ${name} is generated by ApplicationSet ${owner.name} too; it stays with ${owner.name}` : `Application ${name} exists and no ApplicationSet owns it; it is left as it is`,
      });
      continue;
    }
    if (current.metadata.deletionTimestamp) plan.waiting.push(name);
    else if (!needsUpdate(app, current)) plan.unchanged.push(name);
    else if (allows(policy, 'update')) plan.update.push(app);
    else plan.held.push({ application: name, change: 'update' });
  }
  for (const current of existing) {
    const name = current.metadata.name;
    if (wanted.has(name) || controllingSet(current)?.uid !== set.uid || current.metadata.deletionTimestamp) continue;
    if (!allows(policy, 'delete')) {
      plan.held.push({ application: name, change: 'delete' });
      continue;
    }
    plan.delete.push(name);
    if (options.preserveResourcesOnDeletion && (current.metadata.finalizers ?? []).some((f) => RESOURCE_FINALIZERS.includes(f))) plan.stripFinalizers.push(name);
  }
  return plan;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON merge patch (RFC 7386) that turns `from` into `to`: removed keys are null, lists are replaced whole. */
export function mergePatch(from: Record<string, unknown>, to: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to) || to[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const before = from[key];
    if (isMap(before) && isMap(value)) {
      const inner = mergePatch(before, value);
      if (Object.keys(inner).length) patch[key] = inner;
    } else if (!sameContent(before, value)) patch[key] = value;
  }
  return patch;
}

/**
 * The merge patch for labels or annotations: the template's keys set, keys the set set before and the template no
 * longer has removed, and every other key (someone else's) left alone.
 */
export function metadataMapPatch(existing: AppObject, desired: AppObject, map: 'labels' | 'annotations'): Record<string, string | null> {
  const want = desired.metadata[map] ?? {};
  const have = existing.metadata[map] ?? {};
  const patch: Record<string, string | null> = {};
  for (const key of managedKeys(existing, map)) if (!(key in want) && key in have) patch[key] = null;
  for (const [key, value] of Object.entries(want)) if (have[key] !== value) patch[key] = value;
  return patch;
}
