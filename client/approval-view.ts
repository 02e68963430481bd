// What `sluice app approve|reject` shows before it asks: the revision with its commit, the plan step by step and
// the redacted diff, and whether that diff is the one the pending request's digest names. Pure.
import { ApprovalRequest } from '../domain/operation/types';
import { stepLines } from '../domain/plan/steps-summary';
import { colourDiff } from './output';

/**
 * The diff to show: the worker's published SyncDiff (`source` names it), or the one the CLI computed
 * (activities/sync.ts previewSync); or why neither could be had.
 */
export type ShownDiff = { resources: Array<{ subject: string; status: string; diff: string }>; digest: string; source?: string } | { error: string };

export interface ApprovalPreviewInput {
  verb: 'Approving' | 'Rejecting';
  name: string;
  approval: Pick<ApprovalRequest, 'revision' | 'diffDigest' | 'approvers' | 'summary'> & Partial<ApprovalRequest>;
  user: string;
  shown: ShownDiff;
  colour?: boolean;
}

const label = (name: string, value: string) => `${name.padEnd(11)}${value}`;

/** `matches` says whether the diff shown is the pending one; undefined when none could be computed. */
export function approvalPreview(input: ApprovalPreviewInput): { text: string; matches?: boolean } {
  const { approval, shown } = input;
  const lines = [`${input.verb} ${input.name} at ${approval.revision} as ${input.user}`];
  const commit = approval.summary?.commit;
  if (commit) {
    const [subject, ...body] = commit.message.split('\n');
    lines.push(label('Commit:', `${commit.sha.slice(0, 12)} by ${commit.author} at ${commit.date}`), label('Message:', subject), ...body.map((l) => `${' '.repeat(11)}${l}`.trimEnd()));
  }
  lines.push(label('Approvers:', approval.approvers.join(', ') || '(none listed)'));
  const s = approval.summary;
  if (s) lines.push(label('Changes:', `${s.outOfSync} out of sync; ${s.apply} to apply, ${s.prune} to prune, ${s.hook} hooks, in ${s.steps} steps`));
  const plan = stepLines(s?.plan ?? []);
  if (plan.length) lines.push('Plan:', ...plan.map((l) => `  ${l}`));
  lines.push(label('Digest:', approval.diffDigest));
  if ('error' in shown) {
    lines.push('', `The diff cannot be shown: ${shown.error}`, `What you decide is bound to ${approval.diffDigest}, whatever it holds.`);
    return { text: lines.join('\n') };
  }
  const changed = shown.resources.filter((r) => r.status === 'OutOfSync');
  lines.push('', ...(changed.length ? changed.map((r) => (input.colour ? colourDiff(r.diff, true) : r.diff).trimEnd()) : ['(no resource differs from its live state)']), '');
  const matches = shown.digest === approval.diffDigest;
  lines.push(matches
    ? `This is the diff of the pending request (${shown.digest})${shown.source ? `, as ${shown.source}` : ''}.`
    : `WARNING: this diff (${shown.digest}) is not the pending request's (${approval.diffDigest}): the cluster or the app changed since the sync was planned. What you decide is bound to the pending one; reject it and sync again to see a fresh plan.`);
  return { text: lines.join('\n'), matches };
}
