// Reading and writing Application CRs (either group) and their status subresource.
import { AppRef } from '../domain/operation/types';
import { Application } from '../domain/application/types';
import { KubeObject } from '../domain/resource/types';
import { KubeApiError, KubeClient } from './cluster/kube-client';

function appPath(app: AppRef, sub = ''): string {
  return `/apis/${app.group}/v1alpha1/namespaces/${encodeURIComponent(app.namespace)}/applications/${encodeURIComponent(app.name)}${sub}`;
}

export async function readApplication(client: KubeClient, app: AppRef): Promise<Application | undefined> {
  try {
    return await client.request<Application>('GET', appPath(app));
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return undefined;
    throw error;
  }
}

/** Merges `status` into the CR's status (a JSON merge patch: arrays are replaced whole). Gone apps are ignored. */
/** Merges `status` into the Application's status; returns the Application as written (undefined if it is gone). */
export async function patchStatus(client: KubeClient, app: AppRef, status: Record<string, unknown>): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>('PATCH', appPath(app, '/status'), { body: { status }, contentType: 'application/merge-patch+json' });
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return undefined;
    throw error;
  }
}

export async function removeFinalizers(client: KubeClient, app: AppRef, remove: string[]): Promise<void> {
  const current = await readApplication(client, app);
  if (!current) return;
  const finalizers = (current.metadata.finalizers ?? []).filter((f) => !remove.includes(f));
  await client.request('PATCH', appPath(app), {
    body: { metadata: { finalizers, resourceVersion: current.metadata.resourceVersion } },
    contentType: 'application/merge-patch+json',
  });
}
