// The diff `sluice app approve|reject|diff` shows: computed by the sync's own preview (activities/sync.ts
// previewSync), the code path that computed the pending request's digest, here with the caller's credentials.
import { Engine } from '../activities/engine';
import { syncEngine } from '../activities/project';
import { previousKinds } from '../activities/refresh';
import { previewSync, SyncContext, SyncPreview } from '../activities/sync';
import { ApplicationSpec } from '../domain/application/types';
import { AppGroup, AppRef } from '../domain/operation/types';
import { KubeSession } from './connection';

export interface PreviewedApp {
  apiVersion?: string;
  metadata: { name?: string; namespace?: string };
  spec: ApplicationSpec;
  status?: Record<string, unknown> & {
    operationState?: { operation?: { operationId?: string; sync?: { prune?: boolean; resources?: string[] } } };
  };
}

/** Where AppProjects, repository and cluster Secrets are: $SLUICE_NAMESPACE, as the worker reads it. */
export const controlNamespace = () => process.env.SLUICE_NAMESPACE ?? 'sluice';

export const refOf = (app: Pick<PreviewedApp, 'apiVersion' | 'metadata'>): AppRef => ({ group: (app.apiVersion ?? 'sluice.dev/v1alpha1').split('/')[0] as AppGroup, namespace: app.metadata.namespace!, name: app.metadata.name! });

/** A control-cluster engine acting with the caller's kubeconfig. */
export const callerEngine = (s: KubeSession) => new Engine(s.kube, { controlNamespace: controlNamespace() });

/** The preview of a sync of `app` with `options`, through the app's project and destination as the sync sees them. */
export async function previewFor(s: KubeSession, app: PreviewedApp, options: Pick<SyncContext, 'revision' | 'operationId' | 'prune' | 'resources'>): Promise<SyncPreview> {
  const ref = refOf(app);
  const ctx: SyncContext = { app: ref, spec: app.spec, managedKinds: previousKinds(app.status), ...options };
  return previewSync(await syncEngine(callerEngine(s), ref, app.spec), ctx);
}

/**
 * The pending sync's preview: its revision and operation, and the prune flag and resource subset it was asked
 * with (operationState.operation.sync; the automated policy's prune for syncs recorded before they were written).
 */
export function previewPending(s: KubeSession, app: PreviewedApp, revision: string): Promise<SyncPreview> {
  const operation = app.status?.operationState?.operation;
  const prune = operation?.sync?.prune ?? !!app.spec.syncPolicy?.automated?.prune;
  return previewFor(s, app, { revision, operationId: operation?.operationId ?? 'preview', prune, resources: operation?.sync?.resources });
}
