// Scripted activities for workflow-logic tests on Temporal's time-skipping test server. These tests check
// orchestration only (timers, retries, approvals, continue-as-new); the real activities are exercised
// against the real cluster in test/integration and test/e2e.
import type { Trigger } from '../../domain/notifications';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { SluiceActivities } from '../../activities';
import type { OperationEnd } from '../../activities/operation-status';
import { temporalActivities } from '../../activities/temporal';
import { PreparedSync, RefreshResult, SyncProgress } from '../../domain/operation/types';
import { ApplicationSpec } from '../../domain/application/types';

export interface Script {
  spec: ApplicationSpec;
  revision: string;
  dryRunFails: boolean;
  /** The dry-run is refused by the API server (a 403): the project's ServiceAccount may not apply the object. */
  dryRunForbidden?: boolean;
  /** The SyncError condition each refresh was asked to keep standing, in order. */
  syncErrors: Array<string | undefined>;
  /** Every sync operation seen by recordOperation: id → attempt, revision and first/last progress. */
  operations: Map<string, { attempt: number; revision: string; startedAt: string; phase: string; message?: string }>;
  steps: number;
  desiredCount: number;
  /** While set, applying a step never ends (until the activity is cancelled). */
  holdStep: boolean;
  /** Set once a step is being held: the sync is really applying. */
  holding: boolean;
  /** What prepareSync reports of the commits' authors (separation of duties). */
  authors?: PreparedSync['authors'];
}

export function script(spec: Partial<ApplicationSpec> = {}): Script {
  return {
    spec: { source: { repoURL: 'http://git.invalid/app.git', path: 'app' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'app' }, ...spec },
    revision: 'a'.repeat(40), dryRunFails: false, syncErrors: [], operations: new Map(), steps: 0, desiredCount: 1, holdStep: false, holding: false,
  };
}

const DRY_RUN_REJECTION = 'ConfigMap/app/settings: rejected by the API';
export const DRY_RUN_FORBIDDEN = 'permission denied: ConfigMap/app/settings: configmaps "settings" is forbidden: User "system:serviceaccount:app:deployer" cannot patch resource "configmaps" in API group "" in the namespace "app"';

const plan: PreparedSync['plan'] = {
  steps: [{ phase: 'Sync', wave: 0, tasks: [{ key: { group: '', kind: 'ConfigMap', namespace: 'app', name: 'settings' }, subject: 'ConfigMap/app/settings', action: 'apply', phase: 'Sync', wave: 0 }] }],
  syncFail: [], skipped: [],
};

/** `client` serves the activities that act on sync workflows (terminate, describe), as the worker's own client does. */
export function stubActivities(s: Script, client?: Client): Partial<SluiceActivities> {
  return {
    ...(client ? temporalActivities(() => client) : {}),
    async refreshApplication(input: { syncError?: string }): Promise<RefreshResult> {
      s.syncErrors.push(input.syncError);
      const synced = [...s.operations.values()].some((o) => o.revision === s.revision && o.phase === 'Succeeded');
      return { exists: true, spec: s.spec, revision: s.revision, syncStatus: synced ? 'Synced' : 'OutOfSync', health: 'Healthy', managedKinds: [], project: 'default', desiredCount: s.desiredCount };
    },
    async prepareSync(ctx) {
      const prepared: PreparedSync = { revision: ctx.revision, digest: 'render-digest', diffDigest: `sha256:${ctx.revision.slice(0, 8)}`, plan, summary: { apply: 1, prune: 0, hook: 0, steps: 1, outOfSync: 1 } };
      // Asked to dry-run with the plan, a failing dry-run is answered the way the real activity answers it.
      if (ctx.dryRun && s.dryRunForbidden) prepared.dryRun = { passed: false, message: DRY_RUN_FORBIDDEN, failure: 'PermissionDenied' };
      else if (ctx.dryRun) prepared.dryRun = s.dryRunFails ? { passed: false, message: DRY_RUN_REJECTION } : { passed: true };
      if (s.authors) prepared.authors = s.authors;
      return prepared;
    },
    async dryRunSync() {
      if (s.dryRunForbidden) throw ApplicationFailure.nonRetryable(DRY_RUN_FORBIDDEN, 'PermissionDenied');
      if (s.dryRunFails) throw ApplicationFailure.nonRetryable(DRY_RUN_REJECTION, 'InvalidManifest');
    },
    async runSyncStep() {
      if (s.holdStep) s.holding = true;
      while (s.holdStep) {
        Context.current().heartbeat();
        await Promise.race([Context.current().cancelled, new Promise((resolve) => setTimeout(resolve, 100))]);
      }
      s.steps += 1;
      return [{ subject: 'ConfigMap/app/settings', action: 'created' }];
    },
    async awaitStepHealthy() {
      return [];
    },
    async cleanupHooks() {
      return [];
    },
    async recordOperation(record: { progress: SyncProgress; message?: string }) {
      const p = record.progress;
      const seen = s.operations.get(p.operationId);
      s.operations.set(p.operationId, { attempt: p.attempt, revision: p.revision, startedAt: seen?.startedAt ?? p.startedAt, phase: p.phase, message: record.message ?? p.message });
      return [] as Trigger[];
    },
    async recordOperationEnd(end: OperationEnd) {
      const seen = s.operations.get(end.operationId);
      s.operations.set(end.operationId, { attempt: end.attempt, revision: end.revision, startedAt: seen?.startedAt ?? new Date().toISOString(), phase: 'Failed', message: end.message });
    },
    async finalizeApplication() {
      return undefined;
    },
    async notificationTargets() {
      return [];
    },
    async deliverNotification() {
      return undefined;
    },
  };
}
