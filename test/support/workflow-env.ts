// The time-skipping server for workflow tests, one per test: the test server holds its one clock still while
// any activity is outstanding, and a workflow that closes before its cancelled activity acknowledges leaves
// that hold in place for good, so every later test on a shared server would wait out its timers in real time.
import type { Duration } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { Script, stubActivities } from '../workflows/stub-activities';
import { createTimeSkippingEnv } from './time-skipping';
import { fromSource } from '../../worker/workflow-source';

export interface WorkflowTestEnv {
  /** The current test's server. */
  readonly env: TestWorkflowEnvironment;
  /** Runs `fn` while a worker with the scripted activities of `s` serves a fresh task queue. */
  withWorker<T>(s: Script, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  /** Polls, advancing workflow time by `step` between polls (queries alone do not let the test server skip time). */
  until<T>(what: string, probe: () => Promise<T | undefined>, step?: Duration): Promise<T>;
}

/** Registers beforeEach/afterEach hooks that give each test its own server. */
export function workflowTestEnv(): WorkflowTestEnv {
  let current: TestWorkflowEnvironment | undefined;
  beforeEach(async () => {
    current = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await current?.teardown();
    current = undefined;
  });
  const self: WorkflowTestEnv = {
    get env() {
      if (!current) throw new Error('no time-skipping server outside a test');
      return current;
    },
    withWorker: (s, fn) => withStubWorker(self.env, s, fn),
    until: (what, probe, step) => untilSkipping(self.env, what, probe, step),
  };
  return self;
}

/** Runs `fn` while a worker with the scripted activities of `s` serves a fresh task queue on `env`. */
export async function withStubWorker<T>(env: TestWorkflowEnvironment, s: Script, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `wf-${randomUUID()}`;
  // Heartbeats (which carry cancellation to an activity) are sent at once rather than throttled to 30 s, so a
  // cancelled step stops in workflow time, not after the 30 s grace that terminate-op gives it.
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...fromSource(require.resolve('../../workflows')), activities: stubActivities(s, env.client), defaultHeartbeatThrottleInterval: '100ms' });
  return worker.runUntil(fn(taskQueue));
}

/** Polls, advancing workflow time by `step` between polls (queries alone do not let the test server skip time). */
export async function untilSkipping<T>(env: TestWorkflowEnvironment, what: string, probe: () => Promise<T | undefined>, step: Duration = '1s'): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await env.sleep(step);
  }
  throw new Error(`never saw ${what}`);
}
