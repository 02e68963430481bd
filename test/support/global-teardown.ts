import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runDir } from './stack';

export default async function globalTeardown(): Promise<void> {
  if (!existsSync(path.join(runDir, 'started-by-jest'))) return;
  execFileSync('bash', [path.join(repoRoot, 'scripts', 'stack.sh'), 'down'], { stdio: 'inherit' });
}
