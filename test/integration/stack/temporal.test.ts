// The Temporal path end to end: a client starts a workflow on the dev server, a worker in this test runs it.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as activities from '../../../activities';
import { helloWorkflow } from '../../../workflows';
import { stackEnv } from '../../support/stack';

const env = stackEnv();

test('a workflow started with @temporalio/client runs on a worker and returns its result', async () => {
  const taskQueue = `hello-${randomUUID()}`;
  const workerConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowsPath: path.resolve(__dirname, '../../../workflows'),
    activities,
  });
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection });
    const result = await worker.runUntil(
      client.workflow.execute(helloWorkflow, { taskQueue, workflowId: `hello-${randomUUID()}`, args: ['Sluice'] }),
    );
    expect(result).toBe('Hello, Sluice!');
  } finally {
    await connection.close();
    await workerConnection.close();
  }
});

test('the Temporal UI answers HTTP 200', async () => {
  const response = await fetch(env.SLUICE_TEMPORAL_UI);
  expect(response.status).toBe(200);
  expect(await response.text()).toMatch(/<html/i);
});
