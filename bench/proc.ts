// What the benchmarks share: a process's CPU and memory from /proc, a worker's /metrics summed per name, and
// quantiles of samples.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test/support/stack';

/** A process's CPU-seconds (user + system) and peak RSS in MiB, from /proc. */
export function usage(pid: number): { cpu: number; peakMiB: number; rssMiB: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpu: ticks / 100, peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

/** The worker's metrics on `port`, each series summed over its labels; Kubernetes requests also by verb (`sluice_kube_request_total.GET`). */
export async function metrics(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    sums.set(m[1], (sums.get(m[1]) ?? 0) + Number(m[3]));
    const verb = m[1] === 'sluice_kube_request_total' ? /verb="([A-Z]+)"/.exec(m[2] ?? '')?.[1] : undefined;
    if (verb) sums.set(`${m[1]}.${verb}`, (sums.get(`${m[1]}.${verb}`) ?? 0) + Number(m[3]));
  }
  return sums;
}

/** The q-quantile (0 < q <= 1) of `samples`, nearest rank. */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The newest modification time of the TypeScript dist/ is built from. */
function newestSource(): number {
  let newest = 0;
  for (const dir of ['activities', 'client', 'config', 'domain', 'workflows', 'worker', 'scripts']) {
    for (const file of fs.readdirSync(path.join(repoRoot, dir), { recursive: true }) as string[]) {
      if (file.endsWith('.ts')) newest = Math.max(newest, fs.statSync(path.join(repoRoot, dir, file)).mtimeMs);
    }
  }
  return newest;
}

/** Builds dist/ (`npm run build`) when it is missing or older than its sources. */
export function ensureBuild(): void {
  const bundle = path.join(repoRoot, 'dist', 'workflow-bundle.js');
  if (fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= newestSource()) return;
  console.log('dist/ is missing or older than its sources: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** How the worker runs as deployed (`npm start`): compiled, with the memory settings bench:startup chose. */
export const DEPLOYED_WORKER = { env: { SLUICE_WORKER_COMPILED: '1', MALLOC_ARENA_MAX: '2' }, nodeArgs: ['--max-semi-space-size=4', '--heap-growing-percent=50'] };
