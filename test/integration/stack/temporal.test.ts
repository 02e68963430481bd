// The Temporal path end to end: a client starts a real Sluice workflow on the dev server, a worker in this
// test runs it with the real activities, and the result comes back. (An Application that does not exist
// makes the workflow's first refresh its last.)
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../../activities';
import { KubeClient } from '../../../activities/cluster/kube-client';
import { Engine } from '../../../activities/engine';
import { applicationWorkflow } from '../../../workflows';
import { stackEnv } from '../../support/stack';
import { fromSource } from '../../../worker/workflow-source';

const env = stackEnv();

test('a workflow started with @temporalio/client runs on a worker and returns its result', async () => {
  const taskQueue = `stack-${randomUUID()}`;
  const workerConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    ...fromSource(require.resolve('../../../workflows')),
    activities: createActivities(new Engine(KubeClient.fromFile(env.KUBECONFIG))),
  });
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection });
    const app = { group: 'sluice.dev' as const, namespace: 'nowhere', name: `missing-${randomUUID().slice(0, 8)}` };
    const result = await worker.runUntil(
      client.workflow.execute(applicationWorkflow, { taskQueue, workflowId: `stack-${randomUUID()}`, args: [{ app, options: { searchAttributes: false } }] }),
    );
    expect(result).toBe('deleted');
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
