// The time-skipping test server, run from the Maven-resolved Java jar instead of a download.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { stackEnv } from './stack';

/**
 * The SDK gives the server 5 s to listen, a limit it does not let us set; a JVM on a loaded machine can miss it
 * (seen in CI: "ephemeral server ... did not start within 5s"). That start is tried again, up to 3 times.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: stackEnv().SLUICE_TEST_SERVER } },
      });
    } catch (error) {
      if (attempt >= 3 || !/did not start within/.test((error as Error).message)) throw error;
    }
  }
}
