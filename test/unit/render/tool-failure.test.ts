import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../../activities/render/exec';
import { toolFailureDetail } from '../../../domain/tool-failure';

// A stand-in for helm: a script that fails the way the test needs, without rendering anything.
function fakeTool(dir: string, script: string): string {
  const file = path.join(dir, 'fake-helm');
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

describe('a failed rendering tool never repeats its arguments (helm --set and jsonnet --ext-str carry values)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tool-failure-'));
  const saved = process.env.SLUICE_HELM;
  afterAll(() => {
    process.env.SLUICE_HELM = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const failure = async (script: string, args: string[]) => {
    process.env.SLUICE_HELM = fakeTool(dir, script);
    return run('helm', args, dir, 'helm chart app').then(() => 'no failure', (error: Error) => error.message);
  };

  test.each([
    ['exits 1 saying nothing', 'exit 1', /^helm chart app: helm failed: exited with code 1$/],
    ['is killed saying nothing', 'kill -9 $$', /^helm chart app: helm failed: killed by SIGKILL$/],
    ['says something on stderr', 'echo "Error: parse error in secret.yaml" >&2; exit 1', /^helm chart app: helm failed: Error: parse error in secret.yaml$/],
  ])('a tool that %s', async (_what, script, expected) => {
    const message = await failure(script, ['template', 'x', '.', '--set', 'password=hunter2-never-shown']);
    expect(message).toMatch(expected);
    expect(message).not.toContain('hunter2');
  });
});

test.each([
  [{ stderr: 'a\nb\nc\nd\ne\nf\ng\n' }, 'c\nd\ne\nf\ng'],
  [{ stderr: '  \n', code: 2 }, 'exited with code 2'],
  [{ stderr: '', code: null, signal: 'SIGTERM' }, 'killed by SIGTERM'],
  [{ stderr: '', code: 'ENOENT' }, 'not found (is it installed, or its SLUICE_* path set?)'],
  [{ stderr: '', code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' }, 'its output exceeded the limit'],
  [{ stderr: '', code: 'EACCES' }, 'failed (EACCES)'],
  [{ stderr: '' }, 'failed without saying why'],
])('toolFailureDetail(%j) is %j', (failure, expected) => {
  expect(toolFailureDetail(failure)).toBe(expected);
});
