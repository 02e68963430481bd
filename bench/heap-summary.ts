// Summarises a V8 heap snapshot (from bench/heap-diag.cjs or DevTools): self size by node type and constructor,
// largest first, with counts. Reads the whole snapshot into memory.
//
//   node --import tsx bench/heap-summary.ts FILE.heapsnapshot [--top N]
import fs from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: heap-summary.ts FILE.heapsnapshot [--top N]');
const top = process.argv.includes('--top') ? Number(process.argv[process.argv.indexOf('--top') + 1]) : 30;
const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const groups = new Map<string, { size: number; count: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += fields.length) {
  const type = types[snap.nodes[i + typeAt]];
  const raw = snap.strings[snap.nodes[i + nameAt]];
  // Strings and code are grouped by type; objects by constructor; closures by function name.
  const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' || type === 'hidden' || type === 'code' ? type : `${type} ${raw.slice(0, 60)}`;
  const size = snap.nodes[i + sizeAt];
  total += size;
  const g = groups.get(name) ?? { size: 0, count: 0 };
  g.size += size;
  g.count += 1;
  groups.set(name, g);
}
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
console.log(`${file}: ${mib(total)} MiB in ${snap.nodes.length / fields.length} nodes`);
for (const [name, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top)) console.log(`${mib(g.size).padStart(8)} MiB ${String(g.count).padStart(9)}  ${name}`);
