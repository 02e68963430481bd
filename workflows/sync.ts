// One sync operation, started by the Application workflow: plan → (approval) → dry-run → PreSync hooks,
// Sync waves, PostSync hooks, each waited on until Healthy → hook cleanup. On failure the SyncFail hooks run.
// Every way out ends the sync with an outcome recorded on the CR and told to the app: an unexpected error in
// this workflow's own code ends it Failed instead of failing workflow tasks forever. Only orchestration here.
import {
  ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, condition, defineQuery, defineSignal, getExternalWorkflowHandle,
  isCancellation, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import { boundTasks } from '../domain/application/status-bounds';
import { notifies } from '../domain/notifications';
import { PreparedSync, syncMemo, SyncOutcome, SyncProgress, SyncRequest, SyncResult, TaskProgress, TaskStatus } from '../domain/operation/types';
import { SyncStep, SyncTask } from '../domain/plan/plan';
import { cleanupSummary, dryRunSummary, healthSummary, prepareSummary, statusSummary, stepSummary } from '../domain/summary/activities';
import { syncCurrentDetails } from '../domain/summary/workflows';
import { acceptDecisions, awaitApproval } from './approval';
import { notify as deliver } from './notify';
import { changedAttributes, SA } from './search-attributes';

export { approveSignal, approveUpdate, rejectSignal, rejectUpdate } from './approval';

// A cancelled sync waits for its running activity to stop (a step being applied finishes applying) before it
// runs its SyncFail hooks and ends: nothing is still writing to the cluster when the sync says it is over.
const quick = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '5 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});
/**
 * Status writes are short and idempotent: local activities, run by the worker that runs this workflow, with no
 * task-queue round trip and a marker in history instead of three events and a workflow task.
 */
const status = proxyLocalActivities<SluiceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});
/**
 * Planning, dry-run, applying a step and cleaning up hooks, since the `local-steps` patch: local activities, run
 * by the worker that runs the sync, back to back in one workflow task. A plain sync is then two workflow tasks
 * and a marker per step, instead of a task-queue round trip and a workflow task per step. Each is idempotent
 * (server-side apply, deletes of what is named), so a retry after a crash is harmless. Waiting for health stays
 * a normal activity: it can take long, and heartbeats.
 */
const steps = proxyLocalActivities<SluiceActivities>({
  startToCloseTimeout: '5 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});
const waiting = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '30 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  heartbeatTimeout: '10 seconds',
  // Eight attempts, as for every other step: about 90 s of back-off, so an API server outage is waited out.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

export const syncProgressQuery = defineQuery<SyncProgress>('progress');
/** From the parent: a newer revision replaces a sync that has not started applying. */
export const supersedeSignal = defineSignal<[{ revision: string }]>('supersede');
/** To the app workflow (whichever run is current): this sync has ended. */
export const syncFinishedSignal = defineSignal<[{ operationId: string; outcome: SyncOutcome; message: string; failure?: string }]>('syncFinished');

function describeFailure(error: unknown): { message: string; subject?: string; failure?: string } {
  let cause = error;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { subject?: string } | undefined;
    return { message: cause.message, subject: details?.subject, ...(cause.type ? { failure: cause.type } : {}) };
  }
  return { message: cause instanceof Error ? cause.message : String(cause) };
}

export async function syncWorkflow(request: SyncRequest): Promise<SyncResult> {
  // Syncs started before this patch replay as they ran: each step a normal activity, every event notified.
  const local = patched('local-steps');
  const act = local ? steps : quick;
  const notify: typeof deliver = async (app, event) => (request.notifications === false ? undefined : deliver(app, event));
  const ctx = { app: request.app, spec: request.spec, revision: request.revision, operationId: request.operationId, prune: request.prune, managedKinds: request.managedKinds, resources: request.resources };
  const progress: SyncProgress = {
    operationId: request.operationId, revision: request.revision, attempt: request.attempt, phase: 'Running', step: 'Planning',
    tasks: [], startedAt: new Date().toISOString(),
  };
  let supersededBy: string | undefined;
  let ending: SyncResult | undefined;
  setHandler(syncProgressQuery, () => progress);
  setHandler(supersedeSignal, ({ revision }) => {
    if (revision !== request.revision) supersededBy = revision;
  });
  acceptDecisions(progress);

  const setTasks = (tasks: SyncTask[], status: TaskStatus, message?: string) => {
    for (const task of tasks) {
      const entry = progress.tasks.find((t) => t.subject === task.subject && t.phase === task.phase);
      if (entry) Object.assign(entry, { status, message });
    }
  };
  // Each status write is given the tasks syncResult shows (at most SYNC_RESULT_BOUND, failed and unsettled first)
  // and their count, not all of them: what each write serializes does not grow with the app (a local
  // activity's input is not in history; its result, the app's subscriptions, is).
  const record = (extra: { message?: string; deployed?: { revision: string; approvedBy?: string } } = {}) => {
    const tasks = boundTasks(progress.tasks);
    // What the Temporal UI shows as this sync's current details: kept with each status write.
    setCurrentDetails(syncCurrentDetails(progress));
    return CancellationScope.nonCancellable(() =>
      status.recordOperation.executeWithOptions({ summary: statusSummary(progress) }, [{ app: request.app, progress: { ...progress, tasks: tasks.items }, taskCount: tasks.total, initiatedBy: request.initiatedBy, sync: { prune: request.prune, ...(request.resources?.length ? { resources: request.resources } : {}) }, approval: progress.approval ?? null, revisionHistoryLimit: request.spec.revisionHistoryLimit, ...extra }]),
    );
  };
  /** A status write and its notification: together before the local-steps patch; since, the write first, then only a subscribed trigger is notified. */
  const recordAndNotify = async (extra: Parameters<typeof record>[0], event?: Parameters<typeof notify>[1]) => {
    if (!local) {
      await Promise.all([record(extra), event ? notify(request.app, event) : undefined]);
      return;
    }
    // The write answers with the app's subscriptions: no notification workflow for a trigger nobody listens to.
    const subscribed = await record(extra);
    if (event && notifies(subscribed, event.trigger)) await notify(request.app, event);
  };
  const searchAttributes = (wanted: Record<string, string | undefined>) => {
    if (request.searchAttributes === false) return;
    const { pairs } = changedAttributes({}, wanted);
    if (pairs.length) upsertSearchAttributes(pairs);
  };
  const finish = (outcome: SyncOutcome, message: string, failedResource?: string, failure?: string): Promise<SyncResult> => CancellationScope.nonCancellable(async () => {
    progress.phase = outcome === 'Succeeded' ? 'Succeeded' : 'Failed';
    progress.step = 'Done';
    progress.message = message;
    progress.finishedAt = new Date().toISOString();
    searchAttributes({ [SA.operationPhase.name]: progress.phase });
    if (request.searchAttributes !== false) {
      const approvedBy = progress.approval?.state === 'Approved' ? progress.approval.decidedBy : undefined;
      upsertMemo({ sluice: syncMemo(request.revision, request.initiatedBy, request.attempt, { outcome, message, approvedBy }) });
    }
    await recordAndNotify(
      { message, ...(outcome === 'Succeeded' ? { deployed: { revision: request.revision, approvedBy: progress.approval?.decidedBy } } : {}) },
      outcome === 'Succeeded' || outcome === 'Failed' ? { trigger: outcome === 'Succeeded' ? 'on-sync-succeeded' : 'on-sync-failed', app: request.app, revision: request.revision, message } : undefined,
    );
    ending = { outcome, revision: request.revision, message, failedResource, ...(failure ? { failure } : {}), progress };
    await tellTheApp(ending);
    return ending;
  });

  try {
    return await run();
  } catch (error) {
    // A bug in this workflow's own code, or an error nothing above expected: end the sync Failed, on the CR and
    // to the app, instead of failing workflow tasks forever (which would hold the app's operation slot).
    if (ending) throw ApplicationFailure.nonRetryable(`the sync failed after it had ended ${ending.outcome}: ${describeFailure(error).message}`, 'SyncWorkflowError');
    const { message } = describeFailure(error);
    try {
      return await finish(isCancellation(error) ? 'Terminated' : 'Failed', isCancellation(error) ? 'the operation was terminated' : `the sync workflow failed: ${message}`);
    } catch (secondary) {
      throw ApplicationFailure.nonRetryable(`the sync workflow failed (${message}) and could not record it: ${describeFailure(secondary).message}`, 'SyncWorkflowError');
    }
  }

  /** Tells the app workflow (its current run, after any continue-as-new) that this sync has ended. */
  async function tellTheApp(result: SyncResult): Promise<void> {
    const parent = workflowInfo().parent;
    if (!parent) return;
    await getExternalWorkflowHandle(parent.workflowId).signal(syncFinishedSignal, { operationId: request.operationId, outcome: result.outcome, message: result.message, ...(result.failure ? { failure: result.failure } : {}) }).catch(() => undefined);
  }

  async function run(): Promise<SyncResult> {
    if (request.testFault === 'ignore-cancel') await CancellationScope.nonCancellable(() => condition(() => false));
    searchAttributes({ [SA.operationPhase.name]: 'Running', [SA.revision.name]: request.revision });
    await recordAndNotify({}, { trigger: 'on-sync-running', app: request.app, revision: request.revision, message: `sync started by ${request.initiatedBy.username} (attempt ${request.attempt})` });
    if (request.testFault === 'throw') throw new TypeError('injected fault: an error in the sync workflow code');
    let prepared: PreparedSync;
    // With no approval to wait for, nothing changes between planning and the dry-run: one activity does both.
    const dryRunWithPlan = local && !request.approvalRequired;
    try {
      prepared = await act.prepareSync.executeWithOptions({ summary: prepareSummary(request.app, request.revision, dryRunWithPlan) }, [dryRunWithPlan ? { ...ctx, dryRun: true } : request.approvalRequired ? { ...ctx, publishDiff: true } : ctx]);
    } catch (error) {
      if (isCancellation(error)) return finish('Terminated', 'terminated before planning finished');
      const { message, failure } = describeFailure(error);
      return finish('Failed', `planning failed: ${message}`, undefined, failure);
    }
    const { plan } = prepared;
    progress.tasks = [...plan.steps.flatMap((s) => s.tasks), ...plan.syncFail].map((t): TaskProgress => ({ subject: t.subject, group: t.key.group, action: t.action, phase: t.phase, wave: t.wave, status: 'Pending' }));

    if (request.approvalRequired) {
      const outcome = await awaitApproval({
        request, prepared, progress, supersededBy: () => supersededBy,
        announce: (message, commands) => recordAndNotify({ message }, { trigger: 'on-approval-requested', app: request.app, revision: request.revision, message, commands }),
      });
      const approval = progress.approval!;
      if (outcome === 'Terminated') return finish('Terminated', 'terminated while waiting for approval; nothing was applied');
      if (outcome === 'Expired') return finish('ApprovalExpired', `approval expired after ${request.spec.syncPolicy?.approval?.timeout}; nothing was applied`);
      if (outcome === 'Superseded') return finish('Superseded', `superseded by revision ${supersededBy!.slice(0, 12)} before approval; nothing was applied`);
      if (outcome === 'Rejected') return finish('Rejected', `rejected by ${approval.decidedBy}${approval.comment ? `: ${approval.comment}` : ''}`);
    }

    progress.step = 'DryRun';
    const waitBetween = plan.steps.length > 1 || plan.steps.some((s) => s.tasks.some((t) => t.action === 'hook'));
    let failure: ReturnType<typeof describeFailure> | undefined;
    try {
      if (!dryRunWithPlan) await act.dryRunSync.executeWithOptions({ summary: dryRunSummary(plan.steps.flatMap((st) => st.tasks), request.revision) }, [ctx]);
      else if (prepared.dryRun && !prepared.dryRun.passed) throw ApplicationFailure.create({ message: prepared.dryRun.message, type: prepared.dryRun.failure, nonRetryable: true });
      for (const [index, step] of plan.steps.entries()) {
        await runStep(step, index === 0, waitBetween);
      }
    } catch (error) {
      if (isCancellation(error)) {
        await CancellationScope.nonCancellable(() => runSyncFail(plan.syncFail));
        return finish('Terminated', 'the operation was terminated');
      }
      failure = describeFailure(error);
    }
    if (failure) {
      await runSyncFail(plan.syncFail);
      await cleanup([...plan.steps.flatMap((s) => s.tasks), ...plan.syncFail], 'Failed');
      return finish('Failed', failure.message, failure.subject, failure.failure);
    }
    await cleanup(plan.steps.flatMap((s) => s.tasks), 'Succeeded');
    return finish('Succeeded', `successfully synced (all tasks run) at ${request.revision.slice(0, 12)}`);
  }

  async function runStep(step: SyncStep, first: boolean, wait: boolean): Promise<void> {
    progress.step = `${step.phase}/${step.wave}`;
    // Workflow time, the same on every replay and retry: the step's health deadlines count from here.
    const stepStartedAt = new Date().toISOString();
    setTasks(step.tasks, 'Running');
    await record();
    try {
      const changes = await act.runSyncStep.executeWithOptions({ summary: stepSummary(step.tasks) }, [{ ctx, tasks: step.tasks, first }]);
      for (const task of step.tasks) setTasks([task], task.action === 'prune' ? 'Pruned' : 'Synced');
      // A step that changed nothing, all of it Healthy already, has nothing to wait for (a no-change re-sync).
      const settled = changes.length > 0 && changes.every((c) => c.action === 'unchanged' && c.healthy);
      if (wait) {
        if (!settled) await waiting.awaitStepHealthy.executeWithOptions({ summary: healthSummary(step.tasks) }, [{ ctx, tasks: step.tasks, stepStartedAt }]);
        setTasks(step.tasks.filter((t) => t.action !== 'prune'), 'Healthy');
      }
    } catch (error) {
      const { message, subject } = describeFailure(error);
      const failed = step.tasks.filter((t) => !subject || t.subject === subject);
      setTasks(failed, subject ? 'Degraded' : 'Failed', message);
      throw error;
    }
  }

  async function runSyncFail(hooks: SyncTask[]): Promise<void> {
    if (hooks.length === 0) return;
    progress.step = 'SyncFail';
    const stepStartedAt = new Date().toISOString();
    try {
      await act.runSyncStep.executeWithOptions({ summary: stepSummary(hooks) }, [{ ctx, tasks: hooks, first: false }]);
      await waiting.awaitStepHealthy.executeWithOptions({ summary: healthSummary(hooks) }, [{ ctx, tasks: hooks, stepStartedAt }]);
      setTasks(hooks, 'Healthy');
    } catch (error) {
      setTasks(hooks, 'Failed', describeFailure(error).message);
    }
  }

  async function cleanup(tasks: SyncTask[], outcome: 'Succeeded' | 'Failed'): Promise<void> {
    const hooks = tasks.filter((t) => t.action === 'hook');
    if (hooks.length) await CancellationScope.nonCancellable(() => act.cleanupHooks.executeWithOptions({ summary: cleanupSummary(hooks, outcome) }, [{ ctx, tasks: hooks, outcome }]));
  }
}
