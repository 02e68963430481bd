// Repeated fleet runs and their medians: runs bench/fleet.ts `--runs N` times with the given arguments, each on a
// fresh local stack (`scripts/stack.sh down` and `up` before it: a run started while the previous run's namespaces
// were still being deleted spends far more API-server CPU and is not comparable), keeps each run's log, and prints
// every figure of every run with the median beside it. Results are kept in bench/RESULTS.md.
//
//   node --import tsx bench/fleet-runs.ts [--runs 3] [--logs DIR] [--keep-stack] -- FLEET-ARGS...
//     e.g. npm run bench:fleet:runs -- --runs 3 -- --apps 1000 --no-kubectl --flux --limit 600
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../test/support/stack';
import { parseFleetLog, FleetFigures, summarise, summariseSteady } from './fleet-log';

const split = process.argv.indexOf('--');
const own = split < 0 ? process.argv.slice(2) : process.argv.slice(2, split);
const fleetArgs = split < 0 ? [] : process.argv.slice(split + 1);
const option = (name: string) => (own.includes(name) ? own[own.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs') ?? 3);
const logs = path.resolve(option('--logs') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fleet-runs-')));
const freshStack = !own.includes('--keep-stack');

function stack(command: 'up' | 'down'): void {
  const r = spawnSync('bash', [path.join(repoRoot, 'scripts/stack.sh'), command], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/stack.sh ${command} exited ${r.status}`);
}

/** One run of bench/fleet.ts, its output echoed and written to `file`; resolves with the output. */
function fleetRun(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fleet.ts'), ...fleetArgs], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      fs.writeFileSync(file, output);
      if (code === 0) resolve(output);
      else reject(new Error(`bench/fleet.ts exited ${code}; its output is in ${file}`));
    });
  });
}

async function main(): Promise<void> {
  fs.mkdirSync(logs, { recursive: true });
  const results: FleetFigures[] = [];
  for (let i = 1; i <= runs; i++) {
    if (freshStack) {
      stack('down');
      stack('up');
    }
    console.log(`\n=== run ${i} of ${runs}: bench/fleet.ts ${fleetArgs.join(' ')} ===`);
    results.push(parseFleetLog(await fleetRun(path.join(logs, `run${i}.log`))));
  }
  console.log(`\n=== ${runs} runs of bench/fleet.ts ${fleetArgs.join(' ')} (logs in ${logs}) ===`);
  console.log(summarise(results));
  const steady = summariseSteady(results);
  if (steady) console.log(`\nsteady state:\n${steady}`);
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
