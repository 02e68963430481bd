// Resource identity, namespace defaulting and the tracking annotation that marks what an app owns.
import { stableHash } from '../hash';
import { KubeObject, ResourceKey } from './types';

export const TRACKING_ANNOTATION = 'sluice.dev/tracking-id';
export const ARGOCD_TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';
/** A label as well, so an app's objects can be listed by selector; the annotation stays the proof of ownership. */
export const TRACKING_LABEL = 'sluice.dev/app';

/** What names an Application: its namespace and name (an AppRef from the workflow or the engine fits). */
export interface AppIdentity {
  namespace: string;
  name: string;
}

/**
 * The app's name wherever it marks what it owns (tracking id, tracking label): `<namespace>_<name>`, the
 * format of Argo CD's AppInstanceName for apps outside its control namespace. Sluice has no control
 * namespace for apps (they live in any namespace), so every app is qualified; two apps named `web` in two
 * namespaces are two owners. `_` is legal in neither a namespace nor an app name, so the form is unambiguous,
 * and a bare name (no `_`) can only be a stamp from before namespaces were named.
 */
export function appInstanceName(app: AppIdentity): string {
  return `${app.namespace}_${app.name}`;
}

/**
 * An instance name as a label value: label values hold 63 characters at most, so a longer one keeps its first
 * 46 characters plus a hash of the whole. The label only selects candidates; the annotation proves ownership.
 */
export function trackingLabelValue(instance: string): string {
  if (instance.length <= 63) return instance;
  return `${instance.slice(0, 46)}-${stableHash(instance)}`;
}

/** Tells whether a group/kind is namespaced; backed by API discovery in activities. */
export type ScopeResolver = (group: string, kind: string) => boolean;

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function keyOf(obj: KubeObject): ResourceKey {
  return {
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? obj.metadata.generateName ?? '',
  };
}

/** "Kind/namespace/name" (or "Kind/name" for cluster-scoped), the subject used in change sets and messages. */
export function subjectOf(key: ResourceKey): string {
  return key.namespace ? `${key.kind}/${key.namespace}/${key.name}` : `${key.kind}/${key.name}`;
}

export function keyString(key: ResourceKey): string {
  return `${key.group}/${key.kind}/${key.namespace}/${key.name}`;
}

/**
 * The resources (by group, kind, namespace and name, after the destination namespace is applied) that the
 * desired set defines more than once, each with its count. Argo CD applies the last copy with a
 * RepeatedResourceWarning; Sluice refuses the app, since which copy wins would depend on file order.
 * Objects named only by generateName are distinct by construction.
 */
export function repeatedResources(desired: KubeObject[]): Array<{ subject: string; count: number }> {
  const counts = new Map<string, { subject: string; count: number }>();
  for (const obj of desired) {
    if (!obj.metadata.name) continue;
    const key = keyOf(obj);
    const entry = counts.get(keyString(key)) ?? { subject: `${key.group ? `${key.group}/` : ''}${subjectOf(key)}`, count: 0 };
    entry.count += 1;
    counts.set(keyString(key), entry);
  }
  return [...counts.values()].filter((e) => e.count > 1);
}

/** Argo CD's tracking-id format: `<instance>:<group>/<Kind>:<namespace>/<name>`, instance from appInstanceName. */
export function trackingId(instance: string, key: ResourceKey): string {
  return `${instance}:${key.group}/${key.kind}:${key.namespace}/${key.name}`;
}

export function parseTrackingId(value: string): { app: string; key: ResourceKey } | undefined {
  const match = /^([^:]+):([^/:]*)\/([^:]+):([^/]*)\/(.+)$/.exec(value);
  if (!match) return undefined;
  const [, app, group, kind, namespace, name] = match;
  return { app, key: { group, kind, namespace, name } };
}

/** The instance name in `obj`'s tracking id (ours, else Argo CD's), if the id names the object itself. */
export function owningApp(obj: KubeObject): string | undefined {
  const annotations = obj.metadata.annotations ?? {};
  const value = annotations[TRACKING_ANNOTATION] ?? annotations[ARGOCD_TRACKING_ANNOTATION];
  const parsed = value ? parseTrackingId(value) : undefined;
  if (!parsed) return undefined;
  const key = keyOf(obj);
  // A copied object (same annotation, other identity) is not owned: Argo CD makes the same check.
  return parsed.key.kind === key.kind && parsed.key.name === key.name && parsed.key.namespace === key.namespace ? parsed.app : undefined;
}

/**
 * How `obj` relates to `app`:
 * - `owned`: its tracking id names this app's instance name and this very object. Only these are pruned.
 * - `legacy`: its tracking id names the bare app name, as Sluice stamped before it named the namespace. Two
 *   apps in two namespaces may share that name, so a bare name never proves ownership: such an object is
 *   never pruned or deleted by the finalizer. If the app still declares it, the next sync re-applies it with
 *   the new id (the diff sees the changed annotation and label), so the app adopts it; otherwise it stays.
 * - `foreign`: anything else (another app's, a copy, or untracked).
 */
export type Ownership = 'owned' | 'legacy' | 'foreign';

export function ownership(obj: KubeObject, app: AppIdentity): Ownership {
  const owner = owningApp(obj);
  if (owner === appInstanceName(app)) return 'owned';
  return owner === app.name ? 'legacy' : 'foreign';
}

/**
 * Sets the destination namespace on namespaced objects that name none, clears it on cluster-scoped ones,
 * and stamps the tracking annotation. Returns a new object.
 */
export function prepareDesired(obj: KubeObject, app: AppIdentity, destinationNamespace: string, isNamespaced: ScopeResolver): KubeObject {
  const instance = appInstanceName(app);
  const namespaced = isNamespaced(groupOf(obj.apiVersion), obj.kind);
  const metadata = { ...obj.metadata };
  if (namespaced && !metadata.namespace && destinationNamespace) metadata.namespace = destinationNamespace;
  if (!namespaced) delete metadata.namespace;
  const prepared: KubeObject = { ...obj, metadata };
  metadata.annotations = { ...(metadata.annotations ?? {}), [TRACKING_ANNOTATION]: trackingId(instance, keyOf(prepared)) };
  metadata.labels = { ...(metadata.labels ?? {}), [TRACKING_LABEL]: trackingLabelValue(instance) };
  return prepared;
}
