// The live view of a sync: on a terminal, one frame redrawn in place (phases, waves, hooks, each resource's
// status and the attempt); elsewhere (a pipe, CI) one plain line each time something changes, and the final
// table once at the end.
import { SyncProgress } from '../domain/operation/types';
import { render } from './output';

const COLOURS: Record<string, string> = { Healthy: '32', Synced: '32', Succeeded: '32', Pruned: '36', Running: '33', Pending: '2', Degraded: '31', Failed: '31', Skipped: '2' };

/** One frame of the view: a header line and a table of tasks in plan order. */
export function renderFrame(progress: SyncProgress, options: { colour?: boolean; elapsedMs?: number } = {}): string[] {
  const paint = (status: string) => (options.colour && COLOURS[status] ? `\x1b[${COLOURS[status]}m${status}\x1b[0m` : status);
  const elapsed = options.elapsedMs === undefined ? '' : `  ${Math.round(options.elapsedMs / 1000)}s`;
  const lines = [`${paint(progress.phase)}  step ${progress.step}  attempt ${progress.attempt}  revision ${progress.revision.slice(0, 8)}${elapsed}`];
  if (progress.approval?.state === 'Pending') lines.push(`waiting for approval by ${progress.approval.approvers.join(', ')}: ${progress.approval.commands[0] ?? ''}`);
  if (progress.tasks.length > 0) {
    const table = render(null, 'table', () => [
      ['PHASE', 'WAVE', 'KIND', 'RESOURCE', 'STATUS', 'MESSAGE'],
      ...progress.tasks.map((t) => {
        const parts = t.subject.split('/');
        return [t.phase, String(t.wave), t.action === 'hook' ? `${parts[0]} (hook)` : parts[0], parts.slice(1).join('/'), t.status, t.message ?? ''];
      }),
    ]).split('\n');
    // Colour after padding, so escape codes do not upset the column widths.
    lines.push(...table.map((line, i) => (i === 0 ? line : line.replace(/\b(Pending|Running|Synced|Pruned|Healthy|Degraded|Failed|Skipped)\b/, (s) => paint(s)))));
  }
  if (progress.message && progress.phase !== 'Running') lines.push(progress.message);
  return lines;
}

/** One plain line per change, for pipes and logs. */
export function renderLine(progress: SyncProgress): string {
  return `${progress.phase} ${progress.step} attempt ${progress.attempt}: ${progress.tasks.map((t) => `${t.subject}=${t.status}`).join(' ')}`;
}

export class LiveView {
  private drawn = 0;
  private last = '';
  private readonly started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout, private readonly tty = !!out.isTTY) {}

  update(progress: SyncProgress): void {
    if (!this.tty) {
      const line = renderLine(progress);
      if (line !== this.last) this.out.write(`${line}\n`);
      // At the end, the whole table once, as `argocd app sync` prints it: readable in CI logs.
      if (line !== this.last && progress.phase !== 'Running') this.out.write(`${renderFrame(progress).join('\n')}\n`);
      this.last = line;
      return;
    }
    const frame = renderFrame(progress, { colour: !process.env.NO_COLOR, elapsedMs: Date.now() - this.started });
    const width = this.out.columns || 200;
    const text = frame.map((l) => (visibleLength(l) > width ? l.slice(0, width - 1) : l)).join('\n');
    // Move to the first line of the previous frame, clear to the end of the screen, draw the new one.
    this.out.write(`${this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[0J` : ''}${text}\n`);
    this.drawn = frame.length;
  }
}

function visibleLength(text: string): number {
   
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
