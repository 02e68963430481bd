// Worker startup time and idle memory (issue 11). Starts the worker --runs N times (default 3) per variant, one at a
// time, against the running stack, with its own task queue and a label selector no Application carries (no apps).
// Per run: the time from spawn to the log line "sluice worker started" (its own timestamp) and the RSS (VmRSS from
// /proc) 5 s after it. Prints the medians per variant and each one's ratio to tsx.
// Variants: tsx (from source, as the tests run it), compiled (dist/, with the prebuilt workflow bundle; built first
// when missing or older than its sources), and the compiled worker with each memory setting tried.
//
//   node --import tsx bench/startup.ts [--runs N] [--variants tsx,compiled,...] [--settle SECONDS]     (the local stack must be up)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { ensureBuild } from './proc';
import os from 'node:os';
import path from 'node:path';
import { startWorker } from '../test/support/worker';

interface Variant {
  /** Runs dist/worker/main.js rather than worker/main.ts through tsx. */
  compiled: boolean;
  nodeArgs?: string[];
  env?: Record<string, string>;
  note: string;
}

const VARIANTS: Record<string, Variant> = {
  tsx: { compiled: false, note: 'from source through tsx; the SDK runs webpack over workflows/ at start' },
  compiled: { compiled: true, note: 'node dist/worker/main.js with dist/workflow-bundle.js' },
  'semi-space-1': { compiled: true, nodeArgs: ['--max-semi-space-size=1'], note: 'V8 young generation capped at 1 MiB per semi-space (default 16)' },
  'malloc-arena-2': { compiled: true, env: { MALLOC_ARENA_MAX: '2' }, note: 'glibc malloc arenas capped at 2 (the native core runs many threads)' },
  'optimize-for-size': { compiled: true, nodeArgs: ['--optimize-for-size'], note: 'V8 favours memory over speed' },
  'semi-space-4': { compiled: true, nodeArgs: ['--max-semi-space-size=4'], note: 'V8 young generation capped at 4 MiB per semi-space' },
  'semi-4+arena-2': { compiled: true, nodeArgs: ['--max-semi-space-size=4'], env: { MALLOC_ARENA_MAX: '2' }, note: 'semi-space-4 and malloc-arena-2' },
  'size+semi-1+arena-2': { compiled: true, nodeArgs: ['--optimize-for-size', '--max-semi-space-size=1'], env: { MALLOC_ARENA_MAX: '2' }, note: 'all three' },
  // --lite-mode is not here: it turns WebAssembly off, which the SDK's workflow thread needs (source-map's wasm).
};

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = Number(arg('--runs') ?? 3);
const settleMs = Number(arg('--settle') ?? 5) * 1000;
const chosen = (arg('--variants') ?? Object.keys(VARIANTS).join(',')).split(',');
for (const name of chosen) if (!VARIANTS[name]) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function measure(variant: Variant, scratch: string): Promise<{ startMs: number; rss: number; peak: number }> {
  const id = randomBytes(4).toString('hex');
  const spawned = Date.now();
  const worker = await startWorker({
    SLUICE_TASK_QUEUE: `sluice-startup-${id}`, SLUICE_APP_SELECTOR: `sluice.dev/startup-bench=${id}`, SLUICE_NAMESPACE: 'default',
    SLUICE_HTTP_PORT: '18806', SLUICE_REPO_CACHE: path.join(scratch, 'repos'), SLUICE_RENDER_CACHE: path.join(scratch, 'rendered'),
    SLUICE_WORKER_COMPILED: variant.compiled ? '1' : '0', ...variant.env,
  }, variant.nodeArgs);
  try {
    const line = worker.output().split('\n').find((l) => l.includes('"sluice worker started"'));
    const startMs = (JSON.parse(line!) as { time: number }).time - spawned;
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return { startMs, ...rssMiB(worker.pid) };
  } finally {
    await worker.stop();
  }
}

async function main(): Promise<void> {
  if (chosen.some((name) => VARIANTS[name].compiled)) ensureBuild();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-startup-'));
  const results = new Map<string, { startMs: number; rss: number; peak: number }>();
  try {
    for (const name of chosen) {
      const samples = [];
      try {
        for (let i = 0; i < runs; i++) samples.push(await measure(VARIANTS[name], scratch));
      } catch (error) {
        console.log(`${name.padEnd(20)} failed: ${(error as Error).message.split('\n').slice(0, 4).join(' | ')}`);
        continue;
      }
      const result = { startMs: median(samples.map((s) => s.startMs)), rss: median(samples.map((s) => s.rss)), peak: median(samples.map((s) => s.peak)) };
      results.set(name, result);
      console.log(`${name.padEnd(20)} start ${(result.startMs / 1000).toFixed(2)} s  idle RSS ${result.rss.toFixed(0)} MiB  peak ${result.peak.toFixed(0)} MiB` +
        `  [${samples.map((s) => `${(s.startMs / 1000).toFixed(2)}s/${s.rss.toFixed(0)}MiB`).join(' ')}]  ${VARIANTS[name].note}`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const tsx = results.get('tsx');
  if (!tsx) return;
  console.log(`\nmedians of ${runs} runs, idle RSS ${settleMs / 1000} s after "sluice worker started"; ratio to tsx:`);
  for (const [name, r] of results) if (name !== 'tsx') console.log(`${name.padEnd(20)} start ${(r.startMs / tsx.startMs).toFixed(2)}×  idle RSS ${(r.rss / tsx.rss).toFixed(2)}×`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
