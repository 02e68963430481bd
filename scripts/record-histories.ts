// Records the event histories that test/workflows/replay.test.ts replays: representative scenarios run by
// the real workflows with the scripted activities of test/workflows/stub-activities.ts, and each workflow's
// history (the app workflow, every run of it, and its sync children) written as JSON to
// test/fixtures/histories/<scenario>.<n>-<workflow type>.json, the format `temporal workflow show -o json` writes.
// Re-record after a deliberate change to what the workflows do (and keep a patched() for running ones):
//   npm run record:histories                        against the local stack's Temporal dev server
//   npm run record:histories -- --time-skipping     against the time-skipping test server (no search attributes)
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppRef } from '../domain/operation/types';
import { applicationWorkflow, ApplicationOptions, refreshSignal, statusQuery, syncUpdate, terminateUpdate } from '../workflows/application';
import { approveUpdate, rejectSignal, syncProgressQuery } from '../workflows/sync';
import { historyToJson } from '../test/support/history-json';
import { createTimeSkippingEnv } from '../test/support/time-skipping';
import { stackEnv } from '../test/support/stack';
import { fromSource } from '../worker/workflow-source';
import { Script, script, stubActivities } from '../test/workflows/stub-activities';

const OUT = path.resolve(__dirname, '../test/fixtures/histories');
const app: AppRef = { group: 'sluice.dev', namespace: 'replay', name: 'web' };

interface Server {
  client: Client;
  connection: NativeConnection;
  /** The test server has no custom search attributes registered; the dev server has (scripts/stack.sh). */
  options: ApplicationOptions;
  close(): Promise<void>;
}

async function connect(timeSkipping: boolean): Promise<Server> {
  if (timeSkipping) {
    const env = await createTimeSkippingEnv();
    return { client: env.client, connection: env.nativeConnection, options: { searchAttributes: false, notifications: false }, close: () => env.teardown() };
  }
  const address = stackEnv().TEMPORAL_ADDRESS;
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection }), connection: native, options: {},
    close: async () => {
      await native.close();
      await connection.close();
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Scenario {
  name: string;
  script: () => Script;
  options?: ApplicationOptions;
  /** Drives the app workflow to the state worth recording; the app workflow is terminated afterwards. */
  drive(handle: WorkflowHandle<typeof applicationWorkflow>, s: Script, client: Client): Promise<void>;
}

const lastOutcome = (handle: WorkflowHandle<typeof applicationWorkflow>) => async () => (await handle.query(statusQuery)).state.lastOutcome;
const pendingApproval = async (handle: WorkflowHandle<typeof applicationWorkflow>, client: Client) => {
  const op = await until('a sync operation', async () => (await handle.query(statusQuery)).operation);
  const sync = client.workflow.getHandle(op.workflowId);
  return { sync, request: await until('the approval request', async () => (await sync.query(syncProgressQuery)).approval) };
};

const scenarios: Scenario[] = [
  {
    name: 'sync-succeeds',
    script: () => script({ syncPolicy: { automated: { prune: true } } }),
    drive: async (handle) => void (await until('the sync to succeed', lastOutcome(handle))),
  },
  {
    name: 'sync-fails-then-retried',
    script: () => {
      const s = script({ syncPolicy: { automated: {}, retry: { limit: 1, backoff: { duration: '1s', factor: 2, maxDuration: '5s' } } } });
      s.dryRunFails = true;
      return s;
    },
    drive: async (handle) => void (await until('the revision to be given up', async () => (await handle.query(statusQuery)).state.failedRevision)),
  },
  {
    name: 'approval-approved-by-update',
    script: () => script({ syncPolicy: { automated: {}, approval: { required: true, approvers: ['alice'] } } }),
    drive: async (handle, _s, client) => {
      const { sync, request } = await pendingApproval(handle, client);
      await sync.executeUpdate(approveUpdate, { args: [{ approve: true, revision: request.revision, diffDigest: request.diffDigest, user: 'alice' }] });
      await until('the approved sync to succeed', lastOutcome(handle));
    },
  },
  {
    name: 'approval-rejected-by-signal',
    script: () => script({ syncPolicy: { automated: {}, approval: { required: true, approvers: ['alice'] } } }),
    drive: async (handle, _s, client) => {
      const { sync, request } = await pendingApproval(handle, client);
      await sync.signal(rejectSignal, { approve: false, revision: request.revision, diffDigest: request.diffDigest, user: 'alice', comment: 'not today' });
      await until('the rejection', lastOutcome(handle));
    },
  },
  {
    name: 'terminated-during-step',
    script: () => {
      const s = script({ syncPolicy: { automated: {}, retry: { limit: 3 } } });
      s.holdStep = true;
      return s;
    },
    drive: async (handle, s) => {
      await until('a running step', async () => ((await handle.query(statusQuery)).operation && [...s.operations.values()].some((o) => o.phase === 'Running') ? true : undefined));
      await handle.executeUpdate(terminateUpdate, { args: [{ initiatedBy: 'alice' }] });
      await until('the sync to end', lastOutcome(handle));
      s.holdStep = false;
    },
  },
  {
    name: 'manual-sync-by-update',
    script: () => script(),
    drive: async (handle, _s, client) => {
      await until('the first refresh', async () => ((await handle.query(statusQuery)).refreshes > 0 ? true : undefined));
      const started = await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
      await client.workflow.getHandle(started.workflowId).result();
      await until('the sync to be settled', lastOutcome(handle));
    },
  },
  {
    name: 'sync-workflow-error',
    script: () => script({ syncPolicy: { automated: {}, retry: { limit: 0 } } }),
    options: { testFault: 'throw' },
    drive: async (handle) => void (await until('the failed sync to be settled', lastOutcome(handle))),
  },
  {
    name: 'terminate-escalated',
    script: () => script(),
    options: { testFault: 'ignore-cancel' },
    drive: async (handle) => {
      await until('the first refresh', async () => ((await handle.query(statusQuery)).refreshes > 0 ? true : undefined));
      await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
      await handle.executeUpdate(terminateUpdate, { args: [{ initiatedBy: 'bob' }] });
      await until('the terminated sync to be settled', lastOutcome(handle));
    },
  },
  {
    name: 'continue-as-new-while-approval-waits',
    script: () => script({ syncPolicy: { automated: {}, approval: { required: true, approvers: ['alice'] } } }),
    options: { continueAsNewAfter: 1 },
    drive: async (handle, _s, client) => {
      const first = (await handle.describe()).runId;
      const { sync, request } = await pendingApproval(handle, client);
      await handle.signal(refreshSignal);
      const latest = client.workflow.getHandle(handle.workflowId);
      await until('a new run', async () => ((await latest.describe()).runId !== first ? true : undefined));
      await sync.executeUpdate(approveUpdate, { args: [{ approve: true, revision: request.revision, diffDigest: request.diffDigest, user: 'alice' }] });
      // The sync started by the first run reports its end to the new one.
      await until('the approved sync to be settled in the new run', async () => (await latest.query(statusQuery)).state.lastOutcome);
    },
  },
  {
    name: 'continue-as-new',
    script: () => script({ syncPolicy: { automated: {} } }),
    options: { continueAsNewAfter: 2 },
    drive: async (handle, _s, client) => {
      const first = (await handle.describe()).runId;
      await until('the first sync', lastOutcome(handle));
      await handle.signal(refreshSignal);
      await until('a new run', async () => ((await client.workflow.getHandle(handle.workflowId).describe()).runId !== first ? true : undefined));
    },
  },
];

/** The runs of `workflowId` (first to last) and, recursively, the children each run started. */
async function histories(client: Client, workflowId: string, firstRunId: string): Promise<Array<{ type: string; json: string }>> {
  const out: Array<{ type: string; json: string }> = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    out.push({ type: events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'workflow', json: historyToJson(history) });
    for (const event of events) {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId && child.runId) {
        await client.workflow.getHandle(child.workflowId, child.runId).result().catch(() => undefined);
        out.push(...(await histories(client, child.workflowId, child.runId)));
      }
    }
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return out;
}

let notifyRecorded = false;

async function record(server: Server, scenario: Scenario): Promise<string[]> {
  const s = scenario.script();
  const taskQueue = `record-${randomUUID()}`;
  const worker = await Worker.create({ connection: server.connection, taskQueue, ...fromSource(require.resolve('../workflows')), activities: stubActivities(s, server.client), defaultHeartbeatThrottleInterval: '100ms' });
  return worker.runUntil(async () => {
    const options: ApplicationOptions = { refreshIntervalMs: 3_600_000, jitterMs: 0, ...server.options, ...scenario.options };
    const handle = await server.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `record-${scenario.name}-${randomUUID()}`, args: [{ app, options }] });
    await scenario.drive(handle, s, server.client);
    await server.client.workflow.getHandle(handle.workflowId).terminate('recorded');
    const written: string[] = [];
    // Notification workflows all look alike (no targets in these scenarios): one history of them is enough.
    const recorded = (await histories(server.client, handle.workflowId, handle.firstExecutionRunId)).filter((h) => {
      if (h.type !== 'notifyWorkflow') return true;
      if (notifyRecorded) return false;
      notifyRecorded = true;
      return true;
    });
    for (const [index, h] of recorded.entries()) {
      const file = path.join(OUT, `${scenario.name}.${index}-${h.type}.json`);
      fs.writeFileSync(file, `${h.json}\n`);
      written.push(`${path.relative(process.cwd(), file)} (${(fs.statSync(file).size / 1024).toFixed(1)} KiB)`);
    }
    return written;
  });
}

async function main(): Promise<void> {
  const server = await connect(process.argv.includes('--time-skipping'));
  try {
    fs.mkdirSync(OUT, { recursive: true });
    for (const file of fs.readdirSync(OUT)) if (file.endsWith('.json')) fs.rmSync(path.join(OUT, file));
    for (const scenario of scenarios) {
      for (const line of await record(server, scenario)) console.log(line);
    }
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
