// `npm run demo`: brings the local stack up and shows Sluice's path through it. For now this is the
// hello workflow run by a worker against the real Temporal server; the GitOps demo replaces it.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as activities from '../activities';
import { stackEnv } from '../test/support/stack';
import { helloWorkflow } from '../workflows';

async function main(): Promise<void> {
  execFileSync('bash', [path.join(__dirname, 'stack.sh'), 'up'], { stdio: 'inherit' });
  const env = stackEnv();
  const taskQueue = 'sluice-demo';
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS }),
    taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities,
  });
  const client = new Client({ connection: await Connection.connect({ address: env.TEMPORAL_ADDRESS }) });
  const workflowId = `hello-demo-${Date.now()}`;
  const result = await worker.runUntil(client.workflow.execute(helloWorkflow, { taskQueue, workflowId, args: ['Sluice'] }));
  console.log(`\nworkflow ${workflowId} returned: ${result}`);
  console.log(`see it in the Temporal UI: ${env.SLUICE_TEMPORAL_UI}/namespaces/default/workflows/${workflowId}`);
  console.log(`kubectl: KUBECONFIG=${env.KUBECONFIG} kubectl get nodes`);
  console.log('stop everything with: npm run stack:down');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
