// `npm run build`'s two steps (tsc, then the prebuilt workflow bundle) into an output directory of a test's own, so
// tests that run the compiled worker never touch (or wait for) the repository's dist/.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './stack';

function step(command: string, args: string[]): void {
  const r = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}

/**
 * Builds into `outDir` what `npm run build` builds into dist/. Put it inside the repository (under .run/), so the
 * compiled modules resolve node_modules as dist/ does.
 */
export function buildWorker(outDir: string): void {
  step(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir]);
  step(process.execPath, [path.join(outDir, 'scripts/bundle-workflows.js')]);
}
