import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runDir } from './stack';
import { TEST_BUNDLE_VAR } from './workflow-bundle';

export default async function globalTeardown(): Promise<void> {
  const bundle = process.env[TEST_BUNDLE_VAR];
  if (bundle && path.basename(bundle) === `bundle-${process.pid}.js`) rmSync(bundle, { force: true });
  if (!existsSync(path.join(runDir, 'started-by-jest'))) return;
  execFileSync('bash', [path.join(repoRoot, 'scripts', 'stack.sh'), 'down'], { stdio: 'inherit' });
}
