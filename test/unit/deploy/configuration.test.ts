// The worker's configuration, three ways that must agree: the variables its code reads, the ones deploy/ sets (in
// the ConfigMaps, the Deployment and the overlays' patches), and the reference in docs/install.md.
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../../support/stack';

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

/** What the worker's process reads: `env.X` / `process.env.X`, and names quoted where they are looked up by table. */
const read = new Set(['worker', 'config', 'activities'].flatMap(sources).flatMap((file) =>
  [...fs.readFileSync(path.join(repoRoot, file), 'utf8').matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)|'((?:SLUICE|TEMPORAL)_[A-Z0-9_]+)'/g)].map((m) => m[1] ?? m[2])));
// Read by node itself, by @kubernetes/client-node's loadFromDefault, or by the renderers and glibc.
const readByOthers = ['KUBECONFIG', 'HOME', 'TMPDIR', 'MALLOC_ARENA_MAX', 'PATH'];

/** Every variable deploy/ sets: ConfigMap literals of every kustomization, and env names of every Deployment (patch). */
function setByDeploy(): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.name === 'kustomization.yaml') {
        for (const g of parse(fs.readFileSync(path.join(repoRoot, file), 'utf8')).configMapGenerator ?? []) {
          if (g.name === 'sluice-worker') for (const literal of g.literals ?? []) found.set(literal.slice(0, literal.indexOf('=')), file);
        }
      } else if (e.name.endsWith('.yaml')) {
        for (const doc of parseAllDocuments(fs.readFileSync(path.join(repoRoot, file), 'utf8')).map((d) => d.toJS())) {
          if (doc?.kind !== 'Deployment') continue;
          for (const c of doc.spec?.template?.spec?.containers ?? []) for (const v of c.env ?? []) found.set(v.name, file);
        }
      }
    }
  };
  walk('deploy');
  return found;
}

test('the scan finds the variables the worker is known to read (it would pass vacuously otherwise)', () => {
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_API_KEY', 'SLUICE_HTTP_HOST', 'SLUICE_KUSTOMIZE', 'SLUICE_MAX_CACHED_WORKFLOWS', 'LOG_LEVEL']) expect(read).toContain(name);
  expect(read.size).toBeGreaterThan(35);
});

test('every variable deploy/ sets is one the worker or its runtime reads (no typo goes unnoticed)', () => {
  const set = setByDeploy();
  expect(set.size).toBeGreaterThan(15);
  for (const [name, file] of set) expect({ name, file, read: read.has(name) || readByOthers.includes(name) }).toEqual({ name, file, read: true });
});

test('docs/install.md\'s configuration reference has a row for every variable the worker reads', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/install.md'), 'utf8');
  for (const name of [...read, 'KUBECONFIG', 'HOME']) expect({ name, documented: doc.includes(`| \`${name}\``) }).toEqual({ name, documented: true });
});
