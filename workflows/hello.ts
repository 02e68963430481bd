import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type * as activities from '../activities';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function helloWorkflow(name: string): Promise<string> {
  return await greet(name);
}

// A durable timer: under the time-skipping test server an hour passes in milliseconds.
export async function sleepWorkflow(duration: Duration): Promise<string> {
  await sleep(duration);
  return 'woke';
}
