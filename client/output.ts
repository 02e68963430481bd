import { stringify } from 'yaml';

export type Format = 'table' | 'json' | 'yaml';

export function render(value: unknown, format: Format, table: () => string[][]): string {
  if (format === 'json') return JSON.stringify(value, null, 2);
  if (format === 'yaml') return stringify(value).trimEnd();
  const rows = table();
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export const useColour = () => process.stdout.isTTY && !process.env.NO_COLOR;

/** Colours a unified diff for a terminal (by default when stdout is one): additions green, removals red. */
export function colourDiff(diff: string, colour = useColour()): string {
  if (!colour) return diff;
  return diff
    .split('\n')
    .map((line) => (line.startsWith('+') && !line.startsWith('+++') ? `\x1b[32m${line}\x1b[0m` : line.startsWith('-') && !line.startsWith('---') ? `\x1b[31m${line}\x1b[0m` : line))
    .join('\n');
}
