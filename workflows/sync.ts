// One sync operation, as a child of the Application workflow: plan → (approval) → dry-run → PreSync hooks,
// Sync waves, PostSync hooks, each waited on until Healthy → hook cleanup. On failure the SyncFail hooks run.
// Only orchestration here; every side effect is an activity.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, condition, defineQuery, defineSignal, defineUpdate,
  isCancellation, patched, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import { refusalReason } from '../domain/operation/approval';
import { parseDuration } from '../domain/duration';
import {
  ApprovalDecision, ApprovalRequest, PreparedSync, syncMemo, SyncProgress, SyncRequest, SyncResult, TaskProgress, TaskStatus, syncWorkflowId,
} from '../domain/operation/types';
import { SyncStep, SyncTask } from '../domain/plan/plan';
import { notify as deliver } from './notify';
import { SA } from './search-attributes';

const quick = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});
const waiting = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export const syncProgressQuery = defineQuery<SyncProgress>('progress');
/** The CLI's path: the validator refuses a bad decision before it reaches history. */
export const approveUpdate = defineUpdate<ApprovalRequest, [ApprovalDecision]>('approveSync');
export const rejectUpdate = defineUpdate<ApprovalRequest, [ApprovalDecision]>('rejectSync');
/** The Temporal UI's and `temporal workflow signal`'s path: checked on receipt, refusals recorded. */
export const approveSignal = defineSignal<[ApprovalDecision]>('approve');
export const rejectSignal = defineSignal<[ApprovalDecision]>('reject');
/** From the parent: a newer revision replaces a sync that has not started applying. */
export const supersedeSignal = defineSignal<[{ revision: string }]>('supersede');

function describeFailure(error: unknown): { message: string; subject?: string } {
  let cause = error;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { subject?: string } | undefined;
    return { message: cause.message, subject: details?.subject };
  }
  return { message: cause instanceof Error ? cause.message : String(cause) };
}

export async function syncWorkflow(request: SyncRequest): Promise<SyncResult> {
  const notify: typeof deliver = async (app, event) => (request.notifications === false ? undefined : deliver(app, event));
  const ctx = { app: request.app, spec: request.spec, revision: request.revision, operationId: request.operationId, prune: request.prune, managedKinds: request.managedKinds, resources: request.resources };
  const progress: SyncProgress = {
    operationId: request.operationId, revision: request.revision, attempt: request.attempt, phase: 'Running', step: 'Planning',
    tasks: [], startedAt: new Date().toISOString(),
  };
  let supersededBy: string | undefined;
  setHandler(syncProgressQuery, () => progress);
  setHandler(supersedeSignal, ({ revision }) => {
    if (revision !== request.revision) supersededBy = revision;
  });

  const decide = (decision: ApprovalDecision, via: 'update' | 'signal'): ApprovalRequest => {
    const approval = progress.approval!;
    approval.state = decision.approve ? 'Approved' : 'Rejected';
    approval.decidedBy = `${decision.user}${via === 'signal' ? ' (signal)' : ''}`;
    approval.decidedAt = new Date().toISOString();
    approval.comment = decision.comment;
    return approval;
  };
  const validator = (decision: ApprovalDecision) => {
    const reason = refusalReason(progress.approval, decision);
    if (reason) throw new Error(reason);
  };
  setHandler(approveUpdate, (d) => decide({ ...d, approve: true }, 'update'), { validator });
  setHandler(rejectUpdate, (d) => decide({ ...d, approve: false }, 'update'), { validator });
  const onSignal = (approve: boolean) => (d: ApprovalDecision) => {
    const decision = { ...d, approve };
    const reason = refusalReason(progress.approval, decision);
    if (reason) progress.approval?.refused.push({ user: d?.user ?? '(unnamed)', reason, at: new Date().toISOString() });
    else decide(decision, 'signal');
  };
  setHandler(approveSignal, onSignal(true));
  setHandler(rejectSignal, onSignal(false));

  const setTasks = (tasks: SyncTask[], status: TaskStatus, message?: string) => {
    for (const task of tasks) {
      const entry = progress.tasks.find((t) => t.subject === task.subject && t.phase === task.phase);
      if (entry) Object.assign(entry, { status, message });
    }
  };
  const record = (extra: { message?: string; deployed?: { revision: string; approvedBy?: string } } = {}) =>
    CancellationScope.nonCancellable(() =>
      quick.recordOperation({ app: request.app, progress, initiatedBy: request.initiatedBy, approval: progress.approval ?? null, revisionHistoryLimit: request.spec.revisionHistoryLimit, ...extra }),
    );
  /**
   * A status write and a notification go out in the same workflow task: one writes the CR, the other starts an
   * abandoned child, so neither needs to wait for the other (a round trip saved each time). Histories written
   * before this change replay the old order.
   */
  const recordAndNotify = async (extra: Parameters<typeof record>[0], event?: Parameters<typeof notify>[1]) => {
    if (!patched('record-and-notify-together')) {
      await record(extra);
      if (event) await notify(request.app, event);
      return;
    }
    await Promise.all([record(extra), event ? notify(request.app, event) : undefined]);
  };
  const finish = async (outcome: SyncResult['outcome'], message: string, failedResource?: string): Promise<SyncResult> => {
    progress.phase = outcome === 'Succeeded' ? 'Succeeded' : 'Failed';
    progress.step = 'Done';
    progress.message = message;
    progress.finishedAt = new Date().toISOString();
    if (request.searchAttributes !== false) {
      upsertSearchAttributes([{ key: SA.operationPhase, value: progress.phase }]);
      if (patched('sync-outcome-memo')) {
        const approvedBy = progress.approval?.state === 'Approved' ? progress.approval.decidedBy : undefined;
        upsertMemo({ sluice: syncMemo(request.revision, request.initiatedBy, request.attempt, { outcome, message, approvedBy }) });
      }
    }
    await recordAndNotify(
      { message, ...(outcome === 'Succeeded' ? { deployed: { revision: request.revision, approvedBy: progress.approval?.decidedBy } } : {}) },
      outcome === 'Succeeded' || outcome === 'Failed' ? { trigger: outcome === 'Succeeded' ? 'on-sync-succeeded' : 'on-sync-failed', app: request.app, revision: request.revision, message } : undefined,
    );
    return { outcome, revision: request.revision, message, failedResource, progress };
  };

  if (request.searchAttributes !== false) {
    upsertSearchAttributes([{ key: SA.operationPhase, value: 'Running' }, { key: SA.revision, value: request.revision }]);
  }
  await recordAndNotify({}, { trigger: 'on-sync-running', app: request.app, revision: request.revision, message: `sync started by ${request.initiatedBy.username} (attempt ${request.attempt})` });
  let prepared: PreparedSync;
  try {
    prepared = await quick.prepareSync(ctx);
  } catch (error) {
    if (isCancellation(error)) return finish('Terminated', 'terminated before planning finished');
    const { message } = describeFailure(error);
    return finish('Failed', `planning failed: ${message}`);
  }
  const { plan } = prepared;
  progress.tasks = [...plan.steps.flatMap((s) => s.tasks), ...plan.syncFail].map((t): TaskProgress => ({ subject: t.subject, action: t.action, phase: t.phase, wave: t.wave, status: 'Pending' }));

  if (request.approvalRequired) {
    const policy = request.spec.syncPolicy?.approval ?? {};
    const id = syncWorkflowId(request.app, request.operationId);
    const payload = (approve: boolean) => JSON.stringify({ revision: request.revision, diffDigest: prepared.diffDigest, user: '<you>', comment: approve ? 'looks good' : 'why not' });
    progress.approval = {
      state: 'Pending', revision: request.revision, diffDigest: prepared.diffDigest, requestedAt: new Date().toISOString(),
      approvers: policy.approvers ?? [], summary: prepared.summary, refused: [],
      commands: [
        `sluice app approve ${request.app.name} -n ${request.app.namespace}`,
        `sluice app reject ${request.app.name} -n ${request.app.namespace} --comment "..."`,
        `temporal workflow signal --workflow-id '${id}' --name approve --input '${payload(true)}'`,
      ],
    };
    progress.step = 'AwaitingApproval';
    const waiting = `waiting for approval of ${request.revision.slice(0, 12)} by ${progress.approval.approvers.join(', ')}`;
    await recordAndNotify({ message: waiting }, { trigger: 'on-approval-requested', app: request.app, revision: request.revision, message: waiting, commands: progress.approval.commands });
    const timeoutMs = parseDuration(policy.timeout ?? '') ?? undefined;
    let decided: boolean;
    try {
      decided = await condition(() => progress.approval!.state !== 'Pending' || supersededBy !== undefined, timeoutMs ?? '3650 days');
    } catch (error) {
      if (!isCancellation(error)) throw error;
      progress.approval.state = 'Terminated';
      return CancellationScope.nonCancellable(() => finish('Terminated', 'terminated while waiting for approval; nothing was applied'));
    }
    if (!decided) {
      progress.approval.state = 'Expired';
      return finish('ApprovalExpired', `approval expired after ${policy.timeout}; nothing was applied`);
    }
    if (progress.approval.state === 'Pending' && supersededBy) {
      progress.approval.state = 'Superseded';
      return finish('Superseded', `superseded by revision ${supersededBy.slice(0, 12)} before approval; nothing was applied`);
    }
    if (progress.approval.state === 'Rejected') return finish('Rejected', `rejected by ${progress.approval.decidedBy}${progress.approval.comment ? `: ${progress.approval.comment}` : ''}`);
  }

  progress.step = 'DryRun';
  const waitBetween = plan.steps.length > 1 || plan.steps.some((s) => s.tasks.some((t) => t.action === 'hook'));
  let failure: { message: string; subject?: string } | undefined;
  try {
    await quick.dryRunSync(ctx);
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
    return finish('Failed', failure.message, failure.subject);
  }
  await cleanup(plan.steps.flatMap((s) => s.tasks), 'Succeeded');
  return finish('Succeeded', `successfully synced (all tasks run) at ${request.revision.slice(0, 12)}`);

  async function runStep(step: SyncStep, first: boolean, wait: boolean): Promise<void> {
    progress.step = `${step.phase}/${step.wave}`;
    setTasks(step.tasks, 'Running');
    await record();
    try {
      await quick.runSyncStep({ ctx, tasks: step.tasks, first });
      for (const task of step.tasks) setTasks([task], task.action === 'prune' ? 'Pruned' : 'Synced');
      if (wait) {
        await waiting.awaitStepHealthy({ ctx, tasks: step.tasks });
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
    try {
      await quick.runSyncStep({ ctx, tasks: hooks, first: false });
      await waiting.awaitStepHealthy({ ctx, tasks: hooks });
      setTasks(hooks, 'Healthy');
    } catch (error) {
      setTasks(hooks, 'Failed', describeFailure(error).message);
    }
  }

  async function cleanup(tasks: SyncTask[], outcome: 'Succeeded' | 'Failed'): Promise<void> {
    const hooks = tasks.filter((t) => t.action === 'hook');
    if (hooks.length) await CancellationScope.nonCancellable(() => quick.cleanupHooks({ ctx, tasks: hooks, outcome }));
  }
}
