// Writes a sync's state to the Application CR in Argo CD's shape: status.operationState, status.history
// (kept to revisionHistoryLimit; the full history stays in Temporal) and Sluice's status.approval.
import { subscribedTriggers, Trigger } from '../domain/notifications';
import { boundStatusResources, boundTasks, REFUSED_WRITE_BOUND } from '../domain/application/status-bounds';
import { AppRef, ApprovalRequest, Initiator, SyncProgress, TaskProgress } from '../domain/operation/types';
import { patchStatus, patchStatusWithin, readApplication } from './application-resource';
import { Engine } from './engine';
import { metrics, recordApproval } from './metrics';
import { activityLog } from './log';

export interface OperationRecord {
  app: AppRef;
  /** Its tasks may be cut short (domain/application/status-bounds): `taskCount` then says how many there are. */
  progress: SyncProgress;
  taskCount?: number;
  message?: string;
  initiatedBy: Initiator;
  /** The request's prune flag and resource subset (Argo CD's operation.sync fields): how the CLI recomputes its diff. */
  sync?: { prune: boolean; resources?: string[] };
  /** Set when the sync ended successfully: appended to status.history. */
  deployed?: { revision: string; approvedBy?: string };
  approval?: ApprovalRequest | null;
  revisionHistoryLimit?: number;
}

/**
 * status.operationState.syncResult: at most SYNC_RESULT_BOUND resources (unsettled ones and hooks first), and
 * resourcesCount, how many the sync has in all.
 */
function syncResult(revision: string, tasks: TaskProgress[], total: number): Record<string, unknown> {
  return {
    revision,
    resources: tasks.map((t) => {
      const parts = t.subject.split('/');
      return {
        ...(t.group !== undefined ? { group: t.group } : {}), kind: parts[0], namespace: parts.length === 3 ? parts[1] : '', name: parts[parts.length - 1],
        status: t.status, message: t.message ?? '', syncPhase: t.phase, syncWave: t.wave, hookPhase: t.action === 'hook' ? t.status : undefined,
      };
    }),
    resourcesCount: total,
  };
}

/** Writes the operation's state to the CR; returns the triggers the app subscribes to now (read off the write). */
export async function recordOperation(engine: Engine, record: OperationRecord): Promise<Trigger[]> {
  const { progress } = record;
  const status: Record<string, unknown> = {
    operationState: {
      phase: progress.phase,
      message: record.message ?? progress.message ?? '',
      startedAt: progress.startedAt,
      finishedAt: progress.finishedAt ?? null,
      retryCount: progress.attempt - 1,
      operation: { sync: { revision: progress.revision, ...record.sync }, initiatedBy: record.initiatedBy, operationId: progress.operationId },
      syncResult: syncResult(progress.revision, boundTasks(progress.tasks).items, record.taskCount ?? progress.tasks.length),
    },
  };
  if (record.approval !== undefined) status.approval = record.approval;
  const key = `${record.app.namespace}/${record.app.name}/${progress.operationId}`;
  if (record.approval) recordApproval(key, record.approval.state, record.approval.requestedAt, record.approval.decidedAt);
  const log = activityLog({ app: record.app, revision: progress.revision, operationId: progress.operationId });
  if (record.approval && record.approval.state !== 'Pending') log.info({ approval: record.approval.state, decidedBy: record.approval.decidedBy }, 'approval decided');
  if (progress.finishedAt) {
    log.info({ phase: progress.phase, attempt: progress.attempt, message: record.message ?? progress.message }, `sync ${progress.phase.toLowerCase()}`);
    recordApproval(key, progress.phase);
    metrics.syncTotal.inc({ name: record.app.name, namespace: record.app.namespace, phase: progress.phase });
    metrics.syncDuration.observe({ phase: progress.phase }, Math.max(0, (Date.parse(progress.finishedAt) - Date.parse(progress.startedAt)) / 1000));
  }
  if (record.deployed) {
    const cr = await readApplication(engine.client, record.app);
    const history = ((cr?.status?.history as Array<{ id: number }> | undefined) ?? []).slice();
    const id = history.reduce((max, h) => Math.max(max, h.id), -1) + 1;
    history.push({ id, revision: record.deployed.revision, deployedAt: progress.finishedAt ?? new Date().toISOString(), deployStartedAt: progress.startedAt, initiatedBy: record.initiatedBy, ...(record.deployed.approvedBy ? { approvedBy: record.deployed.approvedBy } : {}) } as { id: number });
    status.history = history.slice(-(record.revisionHistoryLimit ?? 10));
  }
  // Refused for its size (the CR holds status.resources too, written by refreshes, maybe by an older worker):
  // the unsettled tasks only, and status.resources cut as short, keeping a resource of each kind (the next
  // refresh looks for orphans of those kinds, and writes the list again).
  const written = await patchStatusWithin(engine.client, record.app, status, async () => {
    const operationState = status.operationState as Record<string, unknown>;
    const tasks = boundTasks(progress.tasks, REFUSED_WRITE_BOUND).items;
    const stored = ((await readApplication(engine.client, record.app))?.status?.resources as Array<{ kind: string }> | undefined) ?? [];
    const resources = boundStatusResources(stored, REFUSED_WRITE_BOUND);
    return { ...status, operationState: { ...operationState, syncResult: syncResult(progress.revision, tasks, record.taskCount ?? progress.tasks.length) }, resources: resources.items, resourcesCount: resources.total };
  });
  if (!progress.finishedAt) log.info({ step: progress.step, attempt: progress.attempt, ...(record.approval?.state === 'Pending' ? { approval: 'Pending' } : {}) }, 'sync progress');
  return subscribedTriggers(written?.metadata.annotations);
}

export interface OperationEnd {
  app: AppRef;
  operationId: string;
  revision: string;
  attempt: number;
  message: string;
  initiatedBy: Initiator;
}

/**
 * Writes the end of a sync that could not write it itself (it failed in its own code, or was terminated):
 * phase, message and finish time, keeping the per-resource results it had recorded. A request still pending
 * approval is marked Terminated. Written only while the CR still shows that operation.
 */
export async function recordOperationEnd(engine: Engine, end: OperationEnd): Promise<void> {
  const cr = await readApplication(engine.client, end.app);
  const status = cr?.status as { operationState?: { operation?: { operationId?: string } }; approval?: { state?: string; revision?: string } } | undefined;
  const current = status?.operationState?.operation?.operationId;
  if (!cr || (current !== undefined && current !== end.operationId)) return;
  const finishedAt = new Date().toISOString();
  activityLog({ app: end.app, revision: end.revision, operationId: end.operationId }).warn({ attempt: end.attempt, message: end.message }, 'sync ended without recording its end; recorded for it');
  metrics.syncTotal.inc({ name: end.app.name, namespace: end.app.namespace, phase: 'Failed' });
  await patchStatus(engine.client, end.app, {
    operationState: {
      phase: 'Failed', message: end.message, finishedAt, retryCount: end.attempt - 1,
      ...(current === undefined ? { startedAt: finishedAt, operation: { sync: { revision: end.revision }, initiatedBy: end.initiatedBy, operationId: end.operationId } } : {}),
    },
    ...(status?.approval?.state === 'Pending' ? { approval: { state: 'Terminated', decidedAt: finishedAt } } : {}),
  });
}
