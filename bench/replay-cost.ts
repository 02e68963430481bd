// Replay cost: what a cache miss costs the worker. A worker whose workflow cache is full evicts workflows, and an
// evicted app workflow replays its whole current run at its next refresh. This measures that replay against the
// run's length, to choose where a run continues as new (RUN_EVENTS_BEFORE_CONTINUE).
//   - An idle app workflow (3-minute refreshes, nothing to change) runs on the time-skipping test server with
//     scripted activities until its first run has --events events (it is given that bound for the purpose).
//   - That run, cut at workflow-task boundaries to lengths from 50 events up, is replayed --replays times per
//     length by one replay worker, with the bundle production runs (the preloaded workflow modules).
//   - Printed per length: wall and CPU milliseconds per replay (all of the process's threads), and per event; and
//     what that costs a 1,000-app fleet refreshing every 3 minutes (about 280 refreshes a minute) for each cache
//     miss rate, with runs continuing as new at that length (a run is on average half its bound).
// The baseline is the shortest length, replayed in the same run.
//
//   node --import tsx bench/replay-cost.ts [--events N] [--replays K]     (the local stack's env file must exist)
import type { HistoryAndWorkflowId } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import proto from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { RUN_EVENTS_BEFORE_CONTINUE } from '../domain/operation/machine';
import { AppRef } from '../domain/operation/types';
import { applicationWorkflow, statusQuery } from '../workflows/application';
import { createTimeSkippingEnv } from '../test/support/time-skipping';
import { untilSkipping, withStubWorker } from '../test/support/workflow-env';
import { script } from '../test/workflows/stub-activities';
import { workflowBundleOptions } from '../worker/workflow-source';

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const maxEvents = arg('--events', 4_000);
const replays = arg('--replays', 20);
const REFRESHES_PER_MINUTE_AT_1000 = 280;

type History = proto.temporal.api.history.v1.IHistory;
const COMPLETED = proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;

/** The first `events` events or fewer, ending at a completed workflow task (where a cached workflow is evicted). */
export function cutAt(history: History, events: number): History {
  const all = history.events ?? [];
  let end = 0;
  for (let i = 0; i < Math.min(events, all.length); i++) if (all[i].eventType === COMPLETED) end = i + 1;
  return { events: all.slice(0, end) };
}

/** An idle app workflow's first run, grown to `events` events on the time-skipping server. */
async function idleRun(events: number): Promise<History> {
  const env = await createTimeSkippingEnv();
  try {
    const app: AppRef = { group: 'sluice.dev', namespace: 'bench', name: 'replay' };
    const workflowId = `bench-replay-${randomUUID()}`;
    return await withStubWorker(env, script({ syncPolicy: { automated: {} } }), async (taskQueue) => {
      const handle = await env.client.workflow.start(applicationWorkflow, {
        taskQueue, workflowId, args: [{ app, options: { refreshIntervalMs: 180_000, jitterMs: 0, searchAttributes: false, notifications: false, runEventsBeforeContinue: events } }],
      });
      await untilSkipping(env, 'the app to be Synced', async () => {
        const status = await handle.query(statusQuery);
        return status.state.lastSyncedRevision && !status.operation ? true : undefined;
      });
      // About 6 events a refresh: skip an hour at a time until the first run has continued as new.
      for (;;) {
        const { runId } = await env.client.workflow.getHandle(workflowId).describe();
        if (runId !== handle.firstExecutionRunId) break;
        await env.sleep('1 hour' as Duration);
      }
      const first = await env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
      await env.client.workflow.getHandle(workflowId).terminate();
      return first;
    });
  } finally {
    await env.teardown();
  }
}

/** CPU ms of a replay of `events` events, interpolated linearly between the measured lengths. */
function interpolate(rows: Array<{ events: number; cpuMs: number }>, events: number): number {
  if (events <= rows[0].events || rows.length < 2) return rows[0].cpuMs;
  const found = rows.findIndex((r) => r.events >= events);
  // Past the longest run measured: extrapolated from the last two.
  const upper = found === -1 ? rows.length - 1 : found;
  const [a, b] = [rows[upper - 1], rows[upper]];
  return a.cpuMs + ((b.cpuMs - a.cpuMs) * (events - a.events)) / (b.events - a.events);
}

async function main(): Promise<void> {
  // As the worker runs workflows (worker/main.ts): no stack captured at every await (patches/@temporalio+worker+*).
  process.env.SLUICE_WORKFLOW_STACK_TRACES ??= '0';
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workflowsPath = require.resolve('../workflows');
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions(workflowsPath), logger: new DefaultLogger('WARN') });
  console.log(`growing an idle app workflow's run to ${maxEvents} events on the time-skipping server...`);
  const run = await idleRun(maxEvents);
  const total = run.events?.length ?? 0;
  console.log(`its first run: ${total} events`);
  const lengths = [50, 100, 250, RUN_EVENTS_BEFORE_CONTINUE, 1_000, 2_000, 4_000].filter((n, i, all) => n <= total && all.indexOf(n) === i).sort((a, b) => a - b);

  const rows: Array<{ events: number; wallMs: number; cpuMs: number }> = [];
  for (const length of lengths) {
    const history = cutAt(run, length);
    const count = history.events!.length;
    // One worker per length; its first replay (the worker warming up) is not counted.
    const batch = function* (): Iterable<HistoryAndWorkflowId> {
      for (let i = 0; i <= replays; i++) yield { workflowId: `replay-${length}-${i}`, history };
    };
    let started = 0;
    let cpuStart = process.cpuUsage();
    let done = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: `replay-${length}` }, batch())) {
      if (result.error) throw result.error;
      done += 1;
      if (done === 1) {
        started = performance.now();
        cpuStart = process.cpuUsage();
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    rows.push({ events: count, wallMs: (performance.now() - started) / replays, cpuMs: (cpu.user + cpu.system) / 1000 / replays });
  }

  const base = rows[0];
  console.log(`\nreplaying an idle app workflow's run (${replays} replays per length, one replay worker each; baseline: the ${base.events}-event run)`);
  console.log('| run length (events) | wall ms per replay | CPU ms per replay | CPU µs per event | CPU against the baseline | fleet of 1,000, cache misses at 80 %: CPU-s a minute, runs continuing as new here |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    // A run continuing as new at r.events is, on average, half that long when it is replayed.
    const perMinute = REFRESHES_PER_MINUTE_AT_1000 * 0.8 * interpolate(rows, r.events / 2) / 1000;
    console.log(`| ${r.events} | ${r.wallMs.toFixed(2)} | ${r.cpuMs.toFixed(2)} | ${(r.cpuMs * 1000 / r.events).toFixed(1)} | ${(r.cpuMs / base.cpuMs).toFixed(2)}× | ${perMinute.toFixed(1)} (replays of ${Math.round(r.events / 2)} events on average) |`);
  }
}

if (require.main === module) {
  main().then(() => process.exit(0), (error) => {
    console.error(error);
    process.exit(1);
  });
}
