// What a rendering tool's failure may say. Never its command line: helm's `--set name=value` and jsonnet's
// `--ext-str name=value` carry the spec's values (often passwords), and Node's message for a failed execFile
// is "Command failed: <every argument>", which would go on to status, logs, notifications and history.

export interface ToolFailure {
  stderr: string;
  /** The exit code, or a spawn error's code (ENOENT, ERR_CHILD_PROCESS_STDIO_MAXBUFFER). */
  code?: number | string | null;
  signal?: string | null;
}

const STDERR_LINES = 5;

/** The tool's own last words (the tail of stderr), else how it ended. */
export function toolFailureDetail(failure: ToolFailure): string {
  const said = failure.stderr.trim();
  if (said) return said.split('\n').slice(-STDERR_LINES).join('\n');
  if (failure.signal) return `killed by ${failure.signal}`;
  if (failure.code === 'ENOENT') return 'not found (is it installed, or its SLUICE_* path set?)';
  if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return 'its output exceeded the limit';
  if (failure.code !== undefined && failure.code !== null) return typeof failure.code === 'number' ? `exited with code ${failure.code}` : `failed (${failure.code})`;
  return 'failed without saying why';
}
