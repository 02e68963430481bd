// Resource identity, namespace defaulting and the tracking annotation that marks what an app owns.
import { stableHash } from '../hash';
import { KubeObject, ResourceKey } from './types';

export const TRACKING_ANNOTATION = 'sluice.dev/tracking-id';
export const ARGOCD_TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';
/** A label as well, so an app's objects can be listed by selector; the annotation stays the proof of ownership. */
export const TRACKING_LABEL = 'sluice.dev/app';

/** The app name as a label value (63 characters at most; longer names are shortened with a hash suffix). */
export function trackingLabelValue(app: string): string {
  if (app.length <= 63) return app;
  return `${app.slice(0, 46)}-${stableHash(app)}`;
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

/** Argo CD's tracking-id format: `<app>:<group>/<Kind>:<namespace>/<name>`. */
export function trackingId(app: string, key: ResourceKey): string {
  return `${app}:${key.group}/${key.kind}:${key.namespace}/${key.name}`;
}

export function parseTrackingId(value: string): { app: string; key: ResourceKey } | undefined {
  const match = /^([^:]+):([^/:]*)\/([^:]+):([^/]*)\/(.+)$/.exec(value);
  if (!match) return undefined;
  const [, app, group, kind, namespace, name] = match;
  return { app, key: { group, kind, namespace, name } };
}

/** The app that owns `obj`, read from our annotation or Argo CD's, if the id matches the object itself. */
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
 * Sets the destination namespace on namespaced objects that name none, clears it on cluster-scoped ones,
 * and stamps the tracking annotation. Returns a new object.
 */
export function prepareDesired(obj: KubeObject, app: string, destinationNamespace: string, isNamespaced: ScopeResolver): KubeObject {
  const namespaced = isNamespaced(groupOf(obj.apiVersion), obj.kind);
  const metadata = { ...obj.metadata };
  if (namespaced && !metadata.namespace && destinationNamespace) metadata.namespace = destinationNamespace;
  if (!namespaced) delete metadata.namespace;
  const prepared: KubeObject = { ...obj, metadata };
  metadata.annotations = { ...(metadata.annotations ?? {}), [TRACKING_ANNOTATION]: trackingId(app, keyOf(prepared)) };
  metadata.labels = { ...(metadata.labels ?? {}), [TRACKING_LABEL]: trackingLabelValue(app) };
  return prepared;
}
