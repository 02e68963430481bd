// A Kubernetes object as Sluice handles it: only the fields the engine reads are typed.
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  managedFields?: unknown[];
  finalizers?: string[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** The identity of a resource: what Argo CD calls a ResourceKey. */
export interface ResourceKey {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}
