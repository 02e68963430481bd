// Summarises V8 CPU profiles (`node --cpu-prof`, e.g. from `bench:fleet --cpu-prof DIR`): self time by package
// or source file, and the hottest functions, so a missed target can be explained by where the time went.
//
//   node --import tsx bench/cpu-profile.ts FILE.cpuprofile... [--top N]
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: an npm package, one of our folders, node's internals, or the engine itself. */
export function bucketOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url;
  const ours = /\/(activities|domain|workflows|worker|client|config)\//.exec(url);
  if (ours) return `sluice/${ours[1]}`;
  return url.replace(/^file:\/\//, '');
}

function summarise(file: string, top: number): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const bucket = bucketOf(url, functionName);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + micros);
    const fn = `${functionName || '(anonymous)'} ${bucket}:${lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
  }
  const s = (micros: number) => `${(micros / 1e6).toFixed(2)}s`;
  console.log(`${file}: ${s(total)} sampled, ${s(total - idle)} busy`);
  const rows = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log('  self time by package or folder:');
  for (const [name, micros] of rows(buckets)) console.log(`    ${s(micros).padStart(8)} ${((100 * micros) / (total - idle)).toFixed(1).padStart(5)}%  ${name}`);
  console.log('  hottest functions (self time):');
  for (const [name, micros] of rows(functions)) console.log(`    ${s(micros).padStart(8)}  ${name}`);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 25;
  for (const file of args.filter((a, i) => a.endsWith('.cpuprofile') && args[i - 1] !== '--top')) summarise(file, top);
}
