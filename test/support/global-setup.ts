// Brings the local stack up once for the whole run, unless it is already up (as under .ci/run).
// A stack this run started is stopped again by global-teardown.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runDir } from './stack';
import { buildTestBundle, TEST_BUNDLE_VAR } from './workflow-bundle';

export default async function globalSetup(): Promise<void> {
  if (process.env.SLUICE_SKIP_STACK === '1') return;
  // The test processes jest starts after this inherit the variable; global-teardown removes the file.
  if (!process.env[TEST_BUNDLE_VAR]) process.env[TEST_BUNDLE_VAR] = await buildTestBundle();
  if (existsSync(path.join(runDir, 'env'))) return;
  execFileSync('bash', [path.join(repoRoot, 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  writeFileSync(path.join(runDir, 'started-by-jest'), String(process.pid));
}
