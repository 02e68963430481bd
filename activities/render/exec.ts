// Runs a rendering tool (kustomize, helm) with a timeout, and turns its failure into an error that names
// the tool, the app's path and the tool's own message.
import { execFile } from 'node:child_process';
import { InputError, InputLocation } from '../../domain/errors';

/** A renderer refused the app's source; `file` is the app's path in the repository. */
export class RenderError extends InputError {
  constructor(message: string, location: InputLocation = {}) {
    super(message, location);
  }
}

export function toolPath(tool: 'kustomize' | 'helm'): string {
  return (tool === 'kustomize' ? process.env.SLUICE_KUSTOMIZE : process.env.SLUICE_HELM) ?? tool;
}

export function run(tool: 'kustomize' | 'helm', args: string[], cwd: string, what: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(toolPath(tool), args, { cwd, timeout: 120_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) {
        const detail = (stderr || error.message).trim().split('\n').slice(-5).join('\n');
        reject(new RenderError(`${what}: ${tool} failed: ${detail}`));
      } else {
        resolve(stdout);
      }
    });
  });
}
