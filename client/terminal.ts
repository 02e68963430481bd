// Paging and asking, on a terminal only: a pipe or a CI log gets the text as is and is never asked anything.
import { spawn } from 'node:child_process';

/**
 * Shows `text` through $PAGER (`less` by default, with LESS=FRX as git sets it: colour kept, no pager for a text
 * that fits the screen) when stdout is a terminal; writes it otherwise, or when the pager cannot start.
 */
export async function page(text: string, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const pager = process.env.PAGER ?? 'less';
  if (!out.isTTY || !pager.trim() || pager.trim() === 'cat') {
    out.write(`${text}\n`);
    return;
  }
  const shown = await new Promise<boolean>((resolve) => {
    const child = spawn('sh', ['-c', pager], { stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...process.env } });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
    // A pager quit before reading it all closes the pipe: that is the reader's choice, not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${text}\n`);
  });
  if (!shown) out.write(`${text}\n`);
}

/** Asks a yes/no question on the terminal; anything but y or yes is no. */
export async function confirm(question: string, input: NodeJS.ReadStream = process.stdin, out: NodeJS.WriteStream = process.stdout): Promise<boolean> {
  out.write(`${question} [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    const done = (text: string) => {
      input.pause();
      resolve(text);
    };
    input.once('data', (data) => done(String(data).trim()));
    input.once('end', () => done(''));
    input.resume();
  });
  return /^y(es)?$/i.test(answer);
}
