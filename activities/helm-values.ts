// The worker's side of domain/application/helm-values.ts: SHA-256, and the Application read to rehydrate from.
import { createHash } from 'node:crypto';
import { hasRedactedHelmValues, redactHelmValues, rehydrateHelmValues } from '../domain/application/helm-values';
import { ApplicationSpec } from '../domain/application/types';
import { AppRef } from '../domain/operation/types';
import { readApplication } from './application-resource';
import { KubeClient } from './cluster/kube-client';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The spec as it may leave an activity for a workflow: Helm values replaced by their digest. */
export function specForWorkflow(spec: ApplicationSpec): ApplicationSpec {
  return redactHelmValues(spec, sha256);
}

/**
 * A workflow's spec with its Helm values read back from the Application on the control cluster (one GET, only
 * when the spec carries a digest); fails with HelmValuesChangedError when they changed since the sync started.
 */
export async function specToRender<C extends { app: AppRef; spec: ApplicationSpec }>(client: KubeClient, ctx: C): Promise<C> {
  if (!hasRedactedHelmValues(ctx.spec)) return ctx;
  const current = await readApplication(client, ctx.app);
  return { ...ctx, spec: rehydrateHelmValues(ctx.app, ctx.spec, current?.spec, sha256) };
}
