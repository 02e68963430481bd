// Runs a rendering tool (kustomize, helm) with a timeout, and turns its failure into an error that names
// the tool, the app's path and the tool's own message.
import { execFile } from 'node:child_process';
import { InputError, InputLocation } from '../../domain/errors';
import { toolFailureDetail } from '../../domain/tool-failure';

/** A renderer refused the app's source; `file` is the app's path in the repository. */
export class RenderError extends InputError {
  constructor(message: string, location: InputLocation = {}) {
    super(message, location);
  }
}

export type Tool = 'kustomize' | 'helm' | 'jsonnet';

const TOOL_ENV: Record<Tool, string> = { kustomize: 'SLUICE_KUSTOMIZE', helm: 'SLUICE_HELM', jsonnet: 'SLUICE_JSONNET' };

/** The tool's binary: the path in its SLUICE_* variable (the stack's build), else the name on PATH. */
export function toolPath(tool: Tool): string {
  return process.env[TOOL_ENV[tool]] ?? tool;
}

export function run(tool: Tool, args: string[], cwd: string, what: string, env: Record<string, string> = {}, location: InputLocation = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(toolPath(tool), args, { cwd, timeout: 120_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) {
        // Not error.message: it repeats the arguments, values included (see toolFailureDetail).
        const detail = toolFailureDetail({ stderr, code: (error as { code?: number | string | null }).code, signal: error.signal });
        reject(new RenderError(`${what}: ${tool} failed: ${detail}`, location));
      } else {
        resolve(stdout);
      }
    });
  });
}
