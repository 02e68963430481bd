// Where a worker's memory is, thread by thread. Preloaded into the worker process (`node --require
// bench/heap-diag.cjs`, which worker threads inherit) with SLUICE_HEAP_DIAG_DIR set, every thread (the main one and
// the SDK's workflow thread) appends its V8 heap statistics to `<dir>/heap-stats.jsonl` every 10 s. When the file
// `<dir>/SNAPSHOT` appears holding a label, each thread also writes a heap snapshot `<label>-thread<N>.heapsnapshot`
// once. Each thread acts on its own timer: a message posted into the SDK's workflow thread while it ran workflow
// activations (a BroadcastChannel) stopped that thread for good. bench:fleet uses it with --heap-diag DIR;
// `bench/heap-summary.ts` summarises a snapshot.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload, loaded by node --require */
const { isMainThread, threadId } = require('node:worker_threads');
const v8 = require('node:v8');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.SLUICE_HEAP_DIAG_DIR;
if (dir) {
  const mib = (n) => Math.round((n / 2 ** 20) * 10) / 10;
  let snapshotted = '';
  setInterval(() => {
    const h = v8.getHeapStatistics();
    const line = { at: new Date().toISOString(), thread: threadId, main: isMainThread, total: mib(h.total_heap_size), used: mib(h.used_heap_size), external: mib(h.external_memory), malloced: mib(h.malloced_memory), contexts: h.number_of_native_contexts, detached: h.number_of_detached_contexts };
    if (isMainThread) line.rssMiB = Math.round(process.memoryUsage.rss() / 2 ** 20);
    const label = fs.existsSync(path.join(dir, 'SNAPSHOT')) ? fs.readFileSync(path.join(dir, 'SNAPSHOT'), 'utf8').trim() : '';
    if (label && label !== snapshotted) {
      snapshotted = label;
      line.snapshot = v8.writeHeapSnapshot(path.join(dir, `${label}-thread${threadId}.heapsnapshot`));
    }
    fs.appendFileSync(path.join(dir, 'heap-stats.jsonl'), `${JSON.stringify(line)}\n`);
  }, 10_000).unref();
}
