// SyncDiff objects: the redacted diff of a sync that waits for approval, published by the worker next to its
// Application so that an approver who may read Applications and SyncDiffs (deploy/rbac/approver), and nothing in
// the destination, sees what the pending request's digest names. Argo CD's API server shows the diff computed with
// its own credentials; this is the same, through the Kubernetes API. Pure.
import { KubeObject } from '../resource/types';
import { AppGroup } from './types';

export const SYNC_DIFF_API = 'sluice.dev/v1alpha1';
/** A SyncDiff's spec stays well under etcd's 1.5 MiB request limit; a larger diff is not published. */
export const SYNC_DIFF_LIMIT_BYTES = 1024 * 1024;

export interface SyncDiffResource {
  subject: string;
  status: string;
  diff: string;
}

export interface SyncDiffSpec {
  application: string;
  /** The Application's API group (sluice.dev, or argoproj.io in compatibility mode). */
  applicationGroup: AppGroup;
  operationId: string;
  revision: string;
  diffDigest: string;
  /** Every resource the digest covers, in its order (an in-sync one has an empty diff). */
  resources: SyncDiffResource[];
  /** Why the resources were left out (a diff over SYNC_DIFF_LIMIT_BYTES); absent when they are all here. */
  omitted?: string;
}

export interface SyncDiffInput {
  app: { group: AppGroup; namespace: string; name: string; uid?: string; labels?: Record<string, string> };
  operationId: string;
  revision: string;
  diffDigest: string;
  resources: ReadonlyArray<SyncDiffResource>;
}

/** One SyncDiff per Application (named after it, owned by it, so it goes when the app goes), replaced per request. */
export function syncDiffObject(input: SyncDiffInput, limitBytes = SYNC_DIFF_LIMIT_BYTES): KubeObject {
  const { app } = input;
  const resources = input.resources.map(({ subject, status, diff }) => ({ subject, status, diff }));
  const size = new TextEncoder().encode(JSON.stringify(resources)).length;
  const spec: SyncDiffSpec = {
    application: app.name, applicationGroup: app.group, operationId: input.operationId, revision: input.revision, diffDigest: input.diffDigest,
    ...(size > limitBytes ? { resources: [], omitted: `the redacted diff is ${size} bytes, more than the ${limitBytes} a SyncDiff holds` } : { resources }),
  };
  return {
    apiVersion: SYNC_DIFF_API, kind: 'SyncDiff',
    metadata: {
      name: app.name, namespace: app.namespace, labels: app.labels ?? {},
      ...(app.uid ? { ownerReferences: [{ apiVersion: `${app.group}/v1alpha1`, kind: 'Application', name: app.name, uid: app.uid }] } : {}),
    },
    spec,
  } as unknown as KubeObject;
}

/** What `app approve` can show from a published SyncDiff, or why it cannot. */
export type PublishedDiff =
  | { resources: SyncDiffResource[]; digest: string }
  | { unusable: string };

/**
 * The published diff of the pending request, checked against it: the same application, revision and digest,
 * and resources that hash to that digest (`digestOf` is the sync's own diffDigest). Anything else is unusable,
 * with the reason, and the caller computes the diff itself if it can.
 */
export function publishedDiff(
  object: { spec?: Partial<SyncDiffSpec> } | undefined,
  pending: { group: AppGroup; name: string; revision: string; diffDigest: string },
  digestOf: (resources: SyncDiffResource[]) => string,
): PublishedDiff {
  const spec = object?.spec;
  if (!spec) return { unusable: 'the worker has published no SyncDiff for it' };
  if (spec.application !== pending.name || (spec.applicationGroup ?? 'sluice.dev') !== pending.group) return { unusable: `SyncDiff ${pending.name} belongs to ${spec.applicationGroup ?? 'sluice.dev'} Application ${spec.application}` };
  if (spec.revision !== pending.revision || spec.diffDigest !== pending.diffDigest) return { unusable: `SyncDiff ${pending.name} is of another request (${spec.diffDigest ?? 'no digest'} at ${(spec.revision ?? 'no revision').slice(0, 12)})` };
  if (spec.omitted) return { unusable: spec.omitted };
  const resources = spec.resources ?? [];
  const digest = digestOf(resources);
  if (digest !== pending.diffDigest) return { unusable: `SyncDiff ${pending.name}'s resources hash to ${digest}, not to the digest it names` };
  return { resources, digest };
}
