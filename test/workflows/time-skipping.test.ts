import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import path from 'node:path';
import * as activities from '../../activities';
import { sleepWorkflow } from '../../workflows';
import { createTimeSkippingEnv } from '../support/time-skipping';

let testEnv: TestWorkflowEnvironment;

beforeAll(async () => {
  testEnv = await createTimeSkippingEnv();
});
afterAll(async () => {
  await testEnv?.teardown();
});

test('an hour of workflow time passes in a few seconds of wall time', async () => {
  const worker = await Worker.create({
    connection: testEnv.nativeConnection,
    taskQueue: 'time-skipping',
    workflowsPath: path.resolve(__dirname, '../../workflows'),
    activities,
  });
  const started = Date.now();
  const workflowTimeBefore = await testEnv.currentTimeMs();
  const result = await worker.runUntil(
    testEnv.client.workflow.execute(sleepWorkflow, { taskQueue: 'time-skipping', workflowId: 'sleep-an-hour', args: ['1 hour'] }),
  );
  const wallSeconds = (Date.now() - started) / 1000;
  expect(result).toBe('woke');
  expect((await testEnv.currentTimeMs()) - workflowTimeBefore).toBeGreaterThanOrEqual(3_600_000);
  // Generous on purpose: the point is that the hour was skipped, not waited for.
  expect(wallSeconds).toBeLessThan(30);
});
