// History cost: the events and bytes (the encoded History proto) that Sluice's workflows write to Temporal.
//   - A sync with a PreSync Job hook, resources in three waves and a PostSync Job hook, run for real against the
//     local stack by a real worker (the e2e harness), `--syncs N` times (the first creates, the rest change a
//     ConfigMap): the sync workflow's history, and what the app workflow adds per sync (push signal, refresh,
//     auto-sync, the sync's end, the refresh after it).
//   - The app workflow refreshing every 3 minutes with nothing to change, for `--idle-days D`, and with an
//     approval pending for `--approval-days D`: on the time-skipping test server with scripted activities (this
//     measures our workflow code's history, not the integration), summed over the continue-as-new chain.
// Prints a table; the largest run of any chain must stay under Temporal's 10,240-event warning.
//
//   node --import tsx bench/history.ts [--syncs N] [--idle-days D] [--approval-days D]     (the local stack must be up)
// A count of 0 skips that part.
import type { Duration } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { AppRef, syncWorkflowId } from '../domain/operation/types';
import { ApplicationStatus, applicationWorkflow, statusQuery } from '../workflows/application';
import { syncProgressQuery } from '../workflows/sync';
import { wavesApp } from '../test/fixtures/gitops';
import { E2eRun } from '../test/support/e2e';
import { chainTotals, historyChain, RunSize } from '../test/support/history-size';
import { createTimeSkippingEnv } from '../test/support/time-skipping';
import { untilSkipping, withStubWorker } from '../test/support/workflow-env';
import { script, Script } from '../test/workflows/stub-activities';

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const syncs = arg('--syncs', 5);
const idleDays = arg('--idle-days', 1);
const approvalDays = arg('--approval-days', 7);
const DAY_MS = 24 * 3_600_000;
const REFRESH_MS = 180_000;
const TEMPORAL_EVENT_WARNING = 10_240;

interface Row {
  what: string;
  events: number;
  bytes: number;
  per?: string;
  maxEvents?: number;
}
const rows: Row[] = [];

// ---- the real sync ----------------------------------------------------------------------------------------

/** PreSync Job; Service (wave 0), ConfigMap (wave 1), Deployment (wave 2); PostSync Job. */
function syncApp(value: number): Record<string, string> {
  const files = Object.fromEntries(Object.entries(wavesApp()).filter(([file]) => file !== 'app/syncfail.yaml'));
  return {
    ...files,
    'app/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n',
    'app/config.yaml': files['app/config.yaml'].replace('mode: e2e', `mode: "${value}"`),
  };
}

/** The chain's totals once it has stopped growing for two seconds (the app's refresh after a sync has landed). */
async function settled(run: E2eRun, workflowId: string): Promise<ReturnType<typeof chainTotals> & { latest: number }> {
  let last = -1;
  for (;;) {
    const chain = await historyChain(run.temporal, workflowId);
    const now = chainTotals(chain);
    if (now.events === last) return { ...now, latest: chain[0].events };
    last = now.events;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** The event types of the latest run of `workflowId` from event `from` on, counted: "ActivityTaskScheduled 3, ...". */
async function eventTypes(run: E2eRun, workflowId: string, from: number): Promise<string> {
  const events = (await run.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const counts = new Map<string, number>();
  for (const e of events.slice(from)) {
    const type = proto.temporal.api.enums.v1.EventType[e.eventType ?? 0].replace(/^EVENT_TYPE_/, '').toLowerCase();
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${n}`).join(', ');
}

async function realSyncs(): Promise<void> {
  // Ten-minute polling: only the pushes (announced by a refresh signal) make the app work.
  const run = new E2eRun(18820, { SLUICE_REFRESH_INTERVAL: '10m' });
  await run.start();
  try {
    const { namespace, name, repo } = await run.scenario('bench-history', syncApp(0));
    const appId = run.appHandle(namespace, name).workflowId;
    const sync = { events: [] as number[], bytes: [] as number[] };
    const app = { events: 0, bytes: 0 };
    let before: Awaited<ReturnType<typeof settled>> | undefined;
    for (let i = 0; i < syncs; i++) {
      // The scenario's initial commit is the first sync; each later one changes the wave-1 ConfigMap.
      const sha = i === 0 ? repo.git('rev-parse', 'HEAD') : await run.push(repo, namespace, name, `value ${i}`, { 'app/config.yaml': syncApp(i)['app/config.yaml'] });
      const done = await run.waitForOperation(namespace, name, 'Succeeded', sha, 180_000);
      const operationId = done.status.operationState.operation.operationId as string;
      const [syncRun] = await historyChain(run.temporal, syncWorkflowId({ namespace, name }, operationId));
      sync.events.push(syncRun.events);
      sync.bytes.push(syncRun.bytes);
      const after = await settled(run, appId);
      console.log(`  sync ${i + 1}: ${syncRun.events} events, ${syncRun.bytes} bytes; app workflow now ${after.events} events in ${after.runs} run(s)`);
      // The first sync's app-side share also holds the app's start and first refresh: not counted.
      if (before) {
        app.events += after.events - before.events;
        app.bytes += after.bytes - before.bytes;
        if (i === syncs - 1) {
          console.log(`  the last sync's events by type: ${await eventTypes(run, syncWorkflowId({ namespace, name }, operationId), 0)}`);
          if (after.runs === before.runs) console.log(`  the app workflow's events for it by type: ${await eventTypes(run, appId, before.events - (after.events - after.latest))}`);
        }
      }
      before = after;
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    rows.push({ what: 'sync: PreSync + 3 waves + PostSync (mean)', events: mean(sync.events), bytes: mean(sync.bytes), per: `${syncs} syncs, ${Math.min(...sync.events)}-${Math.max(...sync.events)} events` });
    if (syncs > 1) rows.push({ what: 'app workflow per sync (push to settled)', events: app.events / (syncs - 1), bytes: app.bytes / (syncs - 1), per: `${syncs - 1} pushes` });
  } finally {
    await run.stop();
  }
}

// ---- idle and pending approval, on the time-skipping server -------------------------------------------------

const options = { refreshIntervalMs: REFRESH_MS, jitterMs: 0, searchAttributes: false, notifications: false };

const query = (env: TestWorkflowEnvironment, workflowId: string): Promise<ApplicationStatus> => env.client.workflow.getHandle(workflowId).query(statusQuery);

/** Starts an app workflow, waits for `ready`, then lets `days` of workflow time pass; returns what those days added. */
async function overDays(env: TestWorkflowEnvironment, s: Script, days: number, ready: (status: ApplicationStatus) => boolean): Promise<{ delta: ReturnType<typeof chainTotals>; chain: RunSize[]; workflowId: string; operation?: string; approval?: string }> {
  const app: AppRef = { group: 'sluice.dev', namespace: 'bench', name: 'web' };
  const workflowId = `bench-history-${randomUUID()}`;
  return withStubWorker(env, s, async (taskQueue) => {
    await env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId, args: [{ app, options }] });
    const status = await untilSkipping(env, 'the app to be ready', async () => {
      const now = await query(env, workflowId);
      return ready(now) ? now : undefined;
    });
    const start = chainTotals(await historyChain(env.client, workflowId));
    console.log(`  ${workflowId}: ready (${status.refreshes} refreshes), skipping ${days} days`);
    // In steps of an hour or less: one long skip is one long RPC, and a progress line per step shows it moving.
    const until = (await env.currentTimeMs()) + days * DAY_MS;
    for (let now = await env.currentTimeMs(); now < until; now = await env.currentTimeMs()) {
      await env.sleep(`${Math.min(3_600_000, until - now)} ms` as Duration);
      if (process.env.BENCH_VERBOSE) console.log(`  ${((until - now) / 3_600_000).toFixed(1)} h to go`);
    }
    const chain = await historyChain(env.client, workflowId);
    const end = chainTotals(chain);
    // Asked before the worker stops: a query needs a worker, even to a closed workflow.
    const approval = status.operation ? (await env.client.workflow.getHandle(status.operation.workflowId).query(syncProgressQuery)).approval?.state : undefined;
    await env.client.workflow.getHandle(workflowId).terminate();
    if (status.operation) await env.client.workflow.getHandle(status.operation.workflowId).terminate().catch(() => undefined);
    return {
      chain, workflowId, operation: status.operation?.workflowId, approval,
      delta: { runs: end.runs, events: end.events - start.events, bytes: end.bytes - start.bytes, localActivities: end.localActivities - start.localActivities, maxEvents: end.maxEvents },
    };
  });
}

function dayRows(what: string, days: number, delta: ReturnType<typeof chainTotals>): void {
  const refreshes = delta.localActivities;
  rows.push({ what: `${what}, per day`, events: delta.events / days, bytes: delta.bytes / days, per: `${refreshes} refreshes in ${delta.runs} runs over ${days} days`, maxEvents: delta.maxEvents });
  rows.push({ what: `${what}, per refresh`, events: delta.events / refreshes, bytes: delta.bytes / refreshes });
  if (delta.maxEvents >= TEMPORAL_EVENT_WARNING) throw new Error(`${what}: a run reached ${delta.maxEvents} events (Temporal warns at ${TEMPORAL_EVENT_WARNING})`);
}

async function skipping(): Promise<void> {
  if (idleDays > 0) {
    const env = await createTimeSkippingEnv();
    try {
      const s = script({ syncPolicy: { automated: {} } });
      // Ready once the first (scripted) sync has succeeded and the app has seen it: Synced, nothing running.
      const idle = await overDays(env, s, idleDays, (st) => !!st.state.lastSyncedRevision && !st.operation);
      dayRows('idle app (3-min refreshes, no change)', idleDays, idle.delta);
    } finally {
      await env.teardown();
    }
  }
  if (approvalDays > 0) {
    // A server per part: a cancelled activity left behind would hold the test server's clock (see workflow-env.ts).
    const env = await createTimeSkippingEnv();
    try {
      const s = script({ syncPolicy: { automated: {}, approval: { required: true, approvers: ['alice'] } } });
      const pending = await overDays(env, s, approvalDays, (st) => !!st.operation);
      dayRows('app while an approval is pending', approvalDays, pending.delta);
      // The waiting sync writes its own history too (its approval wait, the app's continue-as-new notices).
      const [sync] = await historyChain(env.client, pending.operation!);
      rows.push({ what: 'the pending sync itself, per day', events: sync.events / approvalDays, bytes: sync.bytes / approvalDays, per: `${sync.events} events in all` });
      if (pending.approval !== 'Pending') throw new Error(`the approval was ${pending.approval}, not Pending, at the end`);
    } finally {
      await env.teardown();
    }
  }
}

function print(): void {
  const num = (v: number, width: number) => (Number.isFinite(v) ? v.toFixed(v < 100 ? 1 : 0) : '-').padStart(width);
  console.log(`\n${'history cost'.padEnd(48)}${'events'.padStart(10)}${'bytes'.padStart(12)}${'max run'.padStart(10)}  notes`);
  for (const r of rows) console.log(`${r.what.padEnd(48)}${num(r.events, 10)}${num(r.bytes, 12)}${(r.maxEvents === undefined ? '' : String(r.maxEvents)).padStart(10)}  ${r.per ?? ''}`);
  console.log(`(max run: the most events in any one run of the chain; Temporal warns at ${TEMPORAL_EVENT_WARNING})`);
}

async function main(): Promise<void> {
  // The SDK's worker logs (state changes of each short-lived worker) would bury the table.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  if (idleDays > 0 || approvalDays > 0) await skipping();
  if (syncs > 0) await realSyncs();
  print();
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
