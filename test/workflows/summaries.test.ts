// What the Temporal UI shows of the workflows e2e does not reach cheaply (test/e2e/ui-summaries.test.ts covers a
// plain sync): a sync that waits for approval (its timer says for what and whom), the promotion an ApplicationSet
// starts and the promotion's own steps. Every activity of these runs has a summary.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { promotionWorkflowId } from '../../domain/appset/promotion';
import { AppRef } from '../../domain/operation/types';
import { applicationWorkflow, statusQuery } from '../../workflows/application';
import { applicationSetWorkflow } from '../../workflows/appset';
import { promotionWorkflow } from '../../workflows/promotion';
import { approveUpdate, syncProgressQuery } from '../../workflows/sync';
import { activityEvents, historyMetadata } from '../support/user-metadata';
import { workflowTestEnv } from '../support/workflow-env';
import { script } from './stub-activities';
import { fromSource } from '../../worker/workflow-source';

const t = workflowTestEnv();
const app: AppRef = { group: 'sluice.dev', namespace: 'team', name: 'web' };
const options = { refreshIntervalMs: 3_600_000, jitterMs: 0, searchAttributes: false, notifications: false };
const set = { group: 'sluice.dev' as const, namespace: 'apps', name: 'monitor' };
const SHA = 'c'.repeat(40);

const unsummarised = async (workflowId: string) => (await activityEvents(t.env.client, workflowId)).filter((e) => !e.hasSummary);

test('a sync waiting for approval: its summary says so, and its timer names the revision and the approvers', async () => {
  const s = script({ syncPolicy: { automated: {}, approval: { required: true, approvers: ['alice', 'group:ops'], timeout: '4h' } } });
  await t.withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `summaries-${randomUUID()}`, args: [{ app, options }] });
    const operation = await t.until('the sync', async () => (await handle.query(statusQuery)).operation);
    const sync = t.env.client.workflow.getHandle(operation.workflowId);
    const pending = await t.until('the approval request', async () => (await sync.query(syncProgressQuery)).approval);

    // The request is visible (query) a moment before the gate's timer starts: wait for the timer.
    const events = await t.until('the approval timer', async () => {
      const found = await historyMetadata(t.env.client, operation.workflowId);
      return found.some((e) => e.type === 'TIMER_STARTED') ? found : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'WORKFLOW_EXECUTION_STARTED', summary: 'sync web to aaaaaaaaaaaa, automated, approval required' });
    expect(events[0].details).toContain('- **Options**: approval required');
    expect(events).toContainEqual(expect.objectContaining({ type: 'TIMER_STARTED', summary: 'wait for approval of aaaaaaaaaaaa by alice, group:ops, expires after 4h' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'MARKER_RECORDED', summary: 'plan web at aaaaaaaaaaaa' }));

    await sync.executeUpdate(approveUpdate, { args: [{ approve: true, revision: pending.revision, diffDigest: pending.diffDigest, user: 'alice' }] });
    expect((await sync.result()).outcome).toBe('Succeeded');
    const after = (await historyMetadata(t.env.client, operation.workflowId)).map((e) => e.summary);
    expect(after).toContain('dry-run 1 resource at aaaaaaaaaaaa');
    expect(after).toContain('apply wave 0: ConfigMap/settings');
    expect(await unsummarised(operation.workflowId)).toEqual([]);
    expect(await unsummarised(handle.workflowId)).toEqual([]);
    await handle.terminate();
  });
});

test('an ApplicationSet names the promotion it starts, and the promotion each of its steps', async () => {
  const synced: string[] = [];
  const stubs = {
    async reconcileApplicationSet() {
      return { found: true, applications: ['dev'], revisions: {}, conflictsWith: [], promotionTarget: SHA };
    },
    async promotionSnapshot() {
      return { found: true, steps: [{ matchExpressions: [{ key: 'env', operator: 'In' as const, values: ['dev'] }] }], apps: [{ name: 'dev', labels: { env: 'dev' }, syncStatus: synced.length ? 'Synced' : 'OutOfSync', health: 'Healthy', syncedRevision: synced.length ? SHA : 'old', ...(synced.length ? { operationPhase: 'Succeeded', operationRevision: SHA } : {}) }] };
    },
    async startPromotionSync(input: { name: string }) {
      synced.push(input.name);
    },
    async writePromotionStatus() {},
  };
  const taskQueue = `summaries-${randomUUID()}`;
  const worker = await Worker.create({ connection: t.env.nativeConnection, taskQueue, ...fromSource(require.resolve('../../workflows')), activities: stubs });
  await worker.runUntil(async () => {
    // The promotion is started by the test (the test server has none of Sluice's search attributes); the set adopts it.
    const promotion = await t.env.client.workflow.start(promotionWorkflow, { taskQueue, workflowId: `${promotionWorkflowId(set, SHA)}-direct`, args: [{ set, revision: SHA, searchAttributes: false }] });
    expect(await promotion.result()).toMatchObject({ phase: 'Succeeded' });
    const steps = (await historyMetadata(t.env.client, promotion.workflowId)).map((e) => e.summary);
    expect(steps).toEqual(expect.arrayContaining(['read the apps of monitor', 'sync dev at cccccccccccc', 'record promotion status: Succeeded']));
    expect(await unsummarised(promotion.workflowId)).toEqual([]);

    const handle = await t.env.client.workflow.start(applicationSetWorkflow, { taskQueue, workflowId: `set-${randomUUID()}`, args: [{ set, options: { intervalMs: 60_000 } }] });
    const events = await t.until('the set waiting, its promotion started', async () => {
      const found = await historyMetadata(t.env.client, handle.workflowId);
      return found.some((e) => e.type === 'TIMER_STARTED') ? found : undefined;
    });
    // (The test server leaves user metadata off the StartChildWorkflowExecutionInitiated event; the dev server keeps it.)
    expect(events.filter((e) => e.type !== 'START_CHILD_WORKFLOW_EXECUTION_INITIATED').map((e) => `${e.type} ${e.summary}`)).toEqual([
      'ACTIVITY_TASK_SCHEDULED generate the Applications of monitor',
      'TIMER_STARTED regenerate in 1m, or on a change',
    ]);
    const [started] = await historyMetadata(t.env.client, promotionWorkflowId(set, SHA));
    expect(started).toMatchObject({ type: 'WORKFLOW_EXECUTION_STARTED', summary: 'promote cccccccccccc through the steps of monitor' });
    expect(started.details).toContain(`- **Revision**: ${SHA}`);
    expect(await unsummarised(handle.workflowId)).toEqual([]);
    await handle.terminate();
    await t.env.client.workflow.getHandle(promotionWorkflowId(set, SHA)).terminate().catch(() => undefined);
  });
});
