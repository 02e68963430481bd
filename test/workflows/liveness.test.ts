// Every operation ends, on the time-skipping server: the sync Update names the sync it started, an error in
// the sync's own workflow code ends that sync Failed (never a workflow task retried forever), terminate-op
// escalates from cancel to terminate.
import { randomUUID } from 'node:crypto';
import { AppRef } from '../../domain/operation/types';
import { applicationWorkflow, ApplicationOptions, statusQuery, syncUpdate, terminateUpdate } from '../../workflows/application';
import { workflowTestEnv } from '../support/workflow-env';
import { script } from './stub-activities';

const t = workflowTestEnv();
const { withWorker, until } = t;

const app: AppRef = { group: 'sluice.dev', namespace: 'team', name: 'web' };
const options: ApplicationOptions = { refreshIntervalMs: 3_600_000, jitterMs: 0, searchAttributes: false, notifications: false };

const rejection = (p: Promise<unknown>) => p.then(() => 'accepted', (e) => (e.cause?.message ?? e.message) as string);

test('the sync Update answers with the operation it started; that sync workflow exists and ends', async () => {
  const s = script();
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `fast-${randomUUID()}`, args: [{ app, options }] });
    await until('a refresh', async () => ((await handle.query(statusQuery)).refreshes > 0 ? true : undefined));
    const started = await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
    expect(started.operationId).toMatch(/^\d+-[0-9a-f]{8}$/);
    expect(started.workflowId).toContain(started.operationId);
    expect(started.revision).toBe(s.revision);
    const result = await t.env.client.workflow.getHandle(started.workflowId).result();
    expect(result).toMatchObject({ outcome: 'Succeeded', revision: s.revision });
    await handle.terminate();
  });
});

test('an error thrown in sync workflow code ends that sync Failed, reported on the app, and the app takes the next request', async () => {
  const s = script();
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `fault-${randomUUID()}`, args: [{ app, options: { ...options, testFault: 'throw' } }] });
    await until('a refresh', async () => ((await handle.query(statusQuery)).refreshes > 0 ? true : undefined));
    const started = await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
    const status = await until('the sync to end', async () => {
      const st = await handle.query(statusQuery);
      return st.state.lastOutcome ? st : undefined;
    });
    expect(status.state.lastOutcome).toMatchObject({ outcome: 'Failed', message: expect.stringContaining('injected fault') });
    expect(status.operation).toBeUndefined();
    // The CR was told: the last record of that operation is a finished Failed one naming the error.
    expect(s.operations.get(started.operationId)).toMatchObject({ phase: 'Failed', message: expect.stringContaining('injected fault') });
    expect(await rejection(handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] }))).toBe('accepted');
    await handle.terminate();
  });
});

test('terminate-op escalates: a sync that ignores cancellation is terminated after the grace period, and the app is free', async () => {
  const s = script();
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `stuck-${randomUUID()}`, args: [{ app, options: { ...options, testFault: 'ignore-cancel' } }] });
    await until('a refresh', async () => ((await handle.query(statusQuery)).refreshes > 0 ? true : undefined));
    const started = await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
    const before = await t.env.currentTimeMs();
    // An Update does not let the test server skip time by itself; sleeping beside it, a second at a time, does.
    let answered = false;
    const [answer] = await Promise.all([
      handle.executeUpdate(terminateUpdate, { args: [{ initiatedBy: 'bob' }] }).finally(() => (answered = true)),
      (async () => {
        for (let i = 0; i < 120 && !answered; i++) await t.env.sleep('1s');
      })(),
    ]);
    expect(answer).toEqual({ terminated: started.workflowId, escalated: true });
    expect((await t.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(30_000);
    expect((await t.env.client.workflow.getHandle(started.workflowId).describe()).status.name).toBe('TERMINATED');
    const status = await until('the app to settle', async () => {
      const st = await handle.query(statusQuery);
      return st.state.lastOutcome ? st : undefined;
    });
    expect(status.state.lastOutcome).toMatchObject({ outcome: 'Terminated', message: expect.stringMatching(/terminated by bob/) });
    expect(s.operations.get(started.operationId)).toMatchObject({ phase: 'Failed', message: expect.stringMatching(/terminated by bob.*did not stop within 30s/) });
    expect(await rejection(handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] }))).toBe('accepted');
    await handle.terminate();
  });
});
