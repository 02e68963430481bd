// The time-skipping test server, run from the Maven-resolved Java jar instead of a download.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { stackEnv } from './stack';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: stackEnv().SLUICE_TEST_SERVER } },
  });
}
