// One git repository per app on the stack's git server, quickly enough for a thousand: every app's commit is
// written by ONE `git fast-import` (a branch each), then each repository is created over the server's API and
// gets its branch pushed as main, a few at a time.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stackEnv } from '../test/support/stack';

const exec = promisify(execFile);
const PARALLEL = 8;

/** Creates `count` repositories (named `<prefix>-<i>`: make the prefix unique to the run) holding `files(i)` each (path → content); returns their clone URLs, in order. */
export async function repoPerApp(scratch: string, prefix: string, count: number, files: (i: number) => Record<string, string>): Promise<string[]> {
  const workdir = path.join(scratch, `${prefix}-repos`);
  fs.mkdirSync(workdir, { recursive: true });
  execFileSync('git', ['init', '--quiet', '--bare', workdir]);
  const stream: string[] = [];
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  for (let i = 0; i < count; i++) {
    const message = `app ${i}`;
    stream.push(`commit refs/heads/app-${i}`, `committer Sluice Bench <bench@sluice.dev> ${when}`, `data ${Buffer.byteLength(message)}`, message);
    for (const [file, text] of Object.entries(files(i))) stream.push(`M 100644 inline ${file}`, `data ${Buffer.byteLength(text)}`, text);
    stream.push('');
  }
  execFileSync('git', ['-C', workdir, 'fast-import', '--quiet'], { input: stream.join('\n'), maxBuffer: 64 << 20 });

  const base = stackEnv().SLUICE_GIT_URL;
  const urls: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const name = `${prefix}-${i}`;
      const response = await fetch(`${base}/api/repos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
      if (response.status !== 201) throw new Error(`creating repo ${name}: ${response.status} ${await response.text()}`);
      urls[i] = `${base}/${name}.git`;
      await exec('git', ['-C', workdir, 'push', '--quiet', urls[i], `refs/heads/app-${i}:refs/heads/main`]);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return urls;
}
