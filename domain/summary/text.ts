// Bounds for the text Sluice writes into Temporal's user metadata (the summaries and details the Temporal UI shows
// on its timeline). Temporal refuses a command whose summary payload is over 400 bytes (`limit.userMetadataSummarySize`)
// and fails the workflow task, again and again; the payload holds the JSON-encoded string plus its metadata, and with
// payload encryption on, the codec's envelope (about 110 bytes). So a summary is one line of at most
// SUMMARY_MAX_BYTES once JSON-encoded, and details at most DETAILS_MAX_BYTES (the server's limit is 20,000).

export const SUMMARY_MAX_BYTES = 200;
export const DETAILS_MAX_BYTES = 2_000;
/** How many names a list shows before "and N more". */
export const MAX_NAMES = 5;

/** UTF-8 bytes of `text` as a JSON string (quotes and escapes included): what the payload's data holds. */
export function jsonBytes(text: string): number {
  let bytes = 2;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') bytes += 2;
    else if (cp < 0x20) bytes += 6;
    else bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Cuts `text` on a code-point boundary so that it fits `maxBytes`, marking the cut with an ellipsis. */
function cut(text: string, maxBytes: number): string {
  if (jsonBytes(text) <= maxBytes) return text;
  const chars = [...text];
  while (chars.length && jsonBytes(`${chars.join('')}…`) > maxBytes) chars.pop();
  return `${chars.join('')}…`;
}

/** Control characters and runs of white space become one space. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();

/** One line, bounded for a summary. */
export function clampSummary(text: string, maxBytes = SUMMARY_MAX_BYTES): string {
  return cut(oneLine(text), maxBytes);
}

/** Lines kept, other control characters dropped, bounded for details. */
export function clampDetails(text: string, maxBytes = DETAILS_MAX_BYTES): string {
  return cut(text.replace(/[\u0000-\u0009\u000b-\u001f\u007f]+/g, ' ').trim(), maxBytes);
}

export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** One part of a summary that names things: `prefix` followed by the names (or, when they do not fit, their count). */
export interface NamedPart {
  prefix: string;
  names: string[];
  /** What is counted when the names do not fit: "resource" gives "3 resources". */
  noun: string;
}

const listed = (names: string[], shown: number) => {
  const rest = names.length - shown;
  return `${names.slice(0, shown).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
};

/**
 * The parts joined by "; ", each listing at most MAX_NAMES names and "and N more", as many as fit in a summary;
 * when not even one name each fits, the counts alone ("prune 12 resources"). Always within SUMMARY_MAX_BYTES.
 */
export function namedParts(parts: NamedPart[], suffix = ''): string {
  const join = (render: (p: NamedPart) => string) => oneLine(`${parts.map((p) => (p.names.length ? `${p.prefix}${render(p)}` : p.prefix)).join('; ')}${suffix}`);
  for (let shown = Math.min(MAX_NAMES, Math.max(0, ...parts.map((p) => p.names.length))); shown > 0; shown--) {
    const text = join((p) => listed(p.names, shown));
    if (jsonBytes(text) <= SUMMARY_MAX_BYTES) return text;
  }
  return clampSummary(join((p) => plural(p.names.length, p.noun)));
}

/** `prefix` then the names, bounded as namedParts bounds them. */
export function namedList(prefix: string, names: string[], noun = 'resource', suffix = ''): string {
  return namedParts([{ prefix, names, noun }], suffix);
}

/** A commit for display: the first 12 characters of a sha, a ref name as it is. */
export function shortRevision(revision: string | undefined): string {
  if (!revision) return 'HEAD';
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 12) : revision;
}

/** A duration for a reader, to its two largest units: "45s", "3m 12s", "2h", "1d 4h". */
export function humanDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const units: Array<[number, string]> = [[Math.floor(total / 86_400), 'd'], [Math.floor((total % 86_400) / 3_600), 'h'], [Math.floor((total % 3_600) / 60), 'm'], [total % 60, 's']];
  const first = units.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  return units.slice(first, first + 2).filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join(' ');
}
