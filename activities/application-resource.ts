// Reading and writing Application CRs (either group) and their status subresource.
import { AppRef } from '../domain/operation/types';
import { Application } from '../domain/application/types';
import { KubeObject } from '../domain/resource/types';
import { KubeApiError, KubeClient } from './cluster/kube-client';
import { activityLog } from './log';
import { ApplicationFailure } from '@temporalio/common';

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

/**
 * Merges `status` into the Application's status (a JSON merge patch: arrays are replaced whole); returns the
 * Application as written (undefined if it is gone). A refused write is logged with the API server's answer.
 */
export async function patchStatus(client: KubeClient, app: AppRef, status: Record<string, unknown>): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>('PATCH', appPath(app, '/status'), { body: { status }, contentType: 'application/merge-patch+json' });
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return undefined;
    const answer = error instanceof KubeApiError ? { code: error.code, reason: error.reason } : {};
    activityLog({ app }).warn({ ...answer, problem: error instanceof Error ? error.message : String(error), patchBytes: JSON.stringify(status).length }, 'status write failed');
    throw error;
  }
}

/** The API server refused a write for its size: etcd's request limit (a 500 "etcdserver: request is too large") or its own body limit (413). */
export function refusedForSize(error: unknown): error is KubeApiError {
  return error instanceof KubeApiError && (error.code === 413 || (error.code === 500 && /request is too large/i.test(error.message)));
}

/**
 * patchStatus, for a write whose per-resource lists could make the CR too big for etcd: when the API server
 * refuses it for its size, `smaller` (the same write with shorter lists) is written instead, once. Refused
 * again, it fails for good (a non-retryable error naming the limit): retrying the same write cannot succeed.
 */
export async function patchStatusWithin(client: KubeClient, app: AppRef, status: Record<string, unknown>, smaller: () => Promise<Record<string, unknown>>): Promise<KubeObject | undefined> {
  try {
    return await patchStatus(client, app, status);
  } catch (error) {
    if (!refusedForSize(error)) throw error;
    try {
      return await patchStatus(client, app, await smaller());
    } catch (again) {
      if (!refusedForSize(again)) throw again;
      throw ApplicationFailure.nonRetryable(`Application ${app.namespace}/${app.name}: its status is too large to write even with its resource lists cut short (${again.message}); the spec or status.history may be too big`, 'StatusTooLarge');
    }
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
