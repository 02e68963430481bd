// The process the worker image runs, read from the Dockerfile's final stage: its working directory, its ENV and its
// command (ENTRYPOINT and CMD, exec form), so tests can check and run exactly that.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './stack';

export interface ImageProcess {
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
export function dockerfileInstructions(text: string): Array<{ keyword: string; args: string }> {
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return logical.map((line) => {
    const space = line.search(/\s/);
    return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
  });
}

export function imageProcess(file = path.join(repoRoot, 'Dockerfile')): ImageProcess {
  const instructions = dockerfileInstructions(fs.readFileSync(file, 'utf8'));
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const image: ImageProcess = { workdir: '/', env: {}, entrypoint: [], cmd: [] };
  const execForm = (keyword: string, args: string): string[] => {
    const parsed: unknown = JSON.parse(args.startsWith('[') ? args : 'null');
    if (!Array.isArray(parsed)) throw new Error(`${file}: ${keyword} must be in exec form (a JSON array): ${args}`);
    return parsed as string[];
  };
  for (const { keyword, args } of instructions.slice(lastFrom + 1)) {
    if (keyword === 'WORKDIR') image.workdir = path.posix.resolve(image.workdir, args);
    if (keyword === 'ENV') {
      for (const pair of args.split(/\s+/)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new Error(`${file}: ENV ${args}: write NAME=value pairs`);
        image.env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
    }
    if (keyword === 'ENTRYPOINT') image.entrypoint = execForm(keyword, args);
    if (keyword === 'CMD') image.cmd = execForm(keyword, args);
  }
  return image;
}
