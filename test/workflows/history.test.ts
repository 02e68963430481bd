// A long approval does not grow one run's history without bound: the app workflow continues as new while its
// sync waits (the sync is abandoned, not a child, and reports its end by signal). A week of 3-minute refreshes (5
// runs or more; LONG_APPROVAL_SPAN='30 days' for a month, about 4 minutes) on the time-skipping server take about a
// minute of real time.
import type { Duration } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { RUN_EVENTS_BEFORE_CONTINUE } from '../../domain/operation/machine';
import { AppRef } from '../../domain/operation/types';
import { applicationWorkflow, statusQuery } from '../../workflows/application';
import { syncProgressQuery } from '../../workflows/sync';
import { chainTotals, historyChain } from '../support/history-size';
import { workflowTestEnv } from '../support/workflow-env';
import { script } from './stub-activities';

const t = workflowTestEnv();
const app: AppRef = { group: 'sluice.dev', namespace: 'team', name: 'web' };
const A_WEEK_MS = 7 * 24 * 3_600_000;

test('an approval pending for a week with 3-minute refreshes keeps every run of the app workflow under 10,240 events', async () => {
  const s = script({ syncPolicy: { automated: {}, approval: { required: true, approvers: ['alice'] } } });
  await t.withWorker(s, async (taskQueue) => {
    const workflowId = `long-approval-${randomUUID()}`;
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId, args: [{ app, options: { refreshIntervalMs: 180_000, jitterMs: 0, searchAttributes: false, notifications: false } }] });
    const operation = await t.until('the approval request', async () => (await handle.query(statusQuery)).operation);
    const from = await t.env.currentTimeMs();
    await t.env.sleep((process.env.LONG_APPROVAL_SPAN ?? '7 days') as Duration);
    if (!process.env.LONG_APPROVAL_SPAN) expect((await t.env.currentTimeMs()) - from).toBeGreaterThanOrEqual(A_WEEK_MS);
    const latest = t.env.client.workflow.getHandle(workflowId);
    const status = await latest.query(statusQuery);
    // Still the same sync, still waiting, and the app kept refreshing all along.
    expect(status.operation?.workflowId).toBe(operation.workflowId);
    expect(status.refreshes).toBeGreaterThan(0);
    expect((await t.env.client.workflow.getHandle(operation.workflowId).query(syncProgressQuery)).approval?.state).toBe('Pending');
    const chain = await historyChain(t.env.client, workflowId);
    const runs = chain.map((r) => r.events);
    const refreshActivities = chainTotals(chain).localActivities;
    const eventsPerRefresh = runs.reduce((a, b) => a + b, 0) / refreshActivities;
    console.log(`${process.env.LONG_APPROVAL_SPAN ?? '7 days'} of a pending approval: ${refreshActivities} refreshes in ${runs.length} runs of ${Math.min(...runs)}-${Math.max(...runs)} events, ${eventsPerRefresh.toFixed(2)} events per refresh`);
    // Issue 11's target for a no-op refresh: at most 10 history events.
    expect(eventsPerRefresh).toBeLessThanOrEqual(10);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...runs)).toBeLessThan(10_240);
    // The bound, and one refresh past it.
    expect(Math.max(...runs)).toBeLessThanOrEqual(RUN_EVENTS_BEFORE_CONTINUE + 20);
    // Every 3 minutes for the whole span (the last interval may still be running when the span ends).
    const spanMs = process.env.LONG_APPROVAL_SPAN ? 0 : A_WEEK_MS;
    expect(refreshActivities).toBeGreaterThanOrEqual(Math.floor(spanMs / 180_000) - 1);
    await latest.terminate();
    await t.env.client.workflow.getHandle(operation.workflowId).terminate();
  });
}, 900_000);
