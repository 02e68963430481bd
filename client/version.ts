// `sluice version`: the CLI's version, and the version of every worker polling the task queue, as the workers named
// themselves to Temporal (domain/worker-identity.ts). Nobody polling is an answer, not an error.
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { SLUICE_VERSION } from '../config/user-agent';
import { Poller, WorkerVersion, workerVersions } from '../domain/worker-identity';

type PollerInfo = temporal.api.taskqueue.v1.IPollerInfo;

export interface VersionReport {
  client: { version: string };
  /** Absent with --client, which asks Temporal nothing. */
  worker?: { taskQueue: string; namespace: string; versions: WorkerVersion[] };
}

const toDate = (t: PollerInfo['lastAccessTime']): Date | undefined => (t?.seconds == null ? undefined : new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)));

/** The pollers of both of the task queue's types (a worker polls each), as one list. */
export async function taskQueuePollers(client: Client, taskQueue: string): Promise<Poller[]> {
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  const pollers: Poller[] = [];
  for (const taskQueueType of [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY]) {
    const response = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace, taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType,
    });
    for (const p of response.pollers ?? []) if (p.identity) pollers.push({ identity: p.identity, lastAccessTime: toDate(p.lastAccessTime) });
  }
  return pollers;
}

export function versionReport(pollers: Poller[] | undefined, where: { taskQueue: string; namespace: string }): VersionReport {
  return { client: { version: SLUICE_VERSION }, ...(pollers ? { worker: { ...where, versions: workerVersions(pollers) } } : {}) };
}

/** The report as a person reads it: one line for the client, one per worker version. */
export function versionLines(report: VersionReport): string[] {
  const lines = [`client: sluice ${report.client.version}`];
  const worker = report.worker;
  if (!worker) return lines;
  if (!worker.versions.length) return [...lines, `worker: no worker polling task queue ${worker.taskQueue} (Temporal namespace ${worker.namespace})`];
  for (const v of worker.versions) {
    const name = v.version === 'unknown' ? 'unknown version (not a Sluice worker, or one from before workers named their version)' : `sluice ${v.version}`;
    lines.push(`worker: ${name} on task queue ${worker.taskQueue}: ${v.instances.join(', ')}${v.lastPolledAt ? `; last poll ${v.lastPolledAt}` : ''}`);
  }
  return lines;
}
