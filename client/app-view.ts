// `sluice app get NAME`: an Application as `argocd app get` shows it (source, destination, sync policy, status,
// conditions, the last operation, the pending approval), then one row per resource, from status.resources and the
// last sync's result. Pure: the CR in, lines out.
import { ApprovalRequest } from '../domain/operation/types';
import { stepLines } from '../domain/plan/steps-summary';
import { render } from './output';

interface Source { repoURL?: string; targetRevision?: string; path?: string; chart?: string; helm?: { valueFiles?: string[] }; kustomize?: { namePrefix?: string } }
interface ResourceStatus { group?: string; version?: string; kind: string; namespace?: string; name: string; status?: string; health?: { status?: string; message?: string }; requiresPruning?: boolean }
interface SyncResultEntry { group?: string; kind: string; namespace?: string; name: string; status?: string; message?: string; hookPhase?: string; syncPhase?: string; syncWave?: number }

export interface AppView {
  metadata: { name?: string; namespace?: string };
  spec?: {
    project?: string;
    source?: Source;
    sources?: Source[];
    destination?: { server?: string; name?: string; namespace?: string };
    syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean }; syncOptions?: string[]; approval?: { required?: boolean; approvers?: string[]; timeout?: string; separationOfDuties?: boolean } };
  };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    conditions?: Array<{ type: string; message?: string; lastTransitionTime?: string }>;
    operationState?: {
      phase?: string; message?: string; startedAt?: string; finishedAt?: string | null; retryCount?: number;
      operation?: { sync?: { revision?: string; prune?: boolean }; initiatedBy?: { username?: string; automated?: boolean }; operationId?: string };
      syncResult?: { revision?: string; resources?: SyncResultEntry[]; resourcesCount?: number };
    };
    approval?: Partial<ApprovalRequest>;
    resources?: ResourceStatus[];
    resourcesCount?: number;
  };
}

const field = (label: string, value: string | undefined) => `${label.padEnd(20)}${value ?? ''}`;
const short = (sha?: string) => (sha ?? '').slice(0, 7);

function sourceLines(source: Source): string[] {
  const lines = [field('- Repo:', source.repoURL), field('  Target:', source.targetRevision || 'HEAD')];
  if (source.path) lines.push(field('  Path:', source.path));
  if (source.chart) lines.push(field('  Chart:', source.chart));
  if (source.helm?.valueFiles?.length) lines.push(field('  Helm Values:', source.helm.valueFiles.join(',')));
  if (source.kustomize?.namePrefix) lines.push(field('  Name Prefix:', source.kustomize.namePrefix));
  return lines;
}

/** "Automated (Prune, SelfHeal)" or "Manual", as argocd names a policy. */
export function syncPolicyText(policy: NonNullable<AppView['spec']>['syncPolicy']): string {
  const automated = policy?.automated;
  if (!automated) return 'Manual';
  const flags = [automated.prune && 'Prune', automated.selfHeal && 'SelfHeal', automated.allowEmpty && 'AllowEmpty'].filter(Boolean);
  return `Automated${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

function approvalPolicyText(approval: NonNullable<NonNullable<AppView['spec']>['syncPolicy']>['approval']): string | undefined {
  if (!approval?.required && !approval?.approvers?.length) return undefined;
  const parts = [`required, by ${approval.approvers?.length ? approval.approvers.join(', ') : 'nobody listed'}`];
  if (approval.timeout) parts.push(`expires after ${approval.timeout}`);
  if (approval.separationOfDuties) parts.push('separation of duties');
  return parts.join('; ');
}

function summaryLines(app: AppView): string[] {
  const spec = app.spec ?? {};
  const status = app.status ?? {};
  const target = spec.source?.targetRevision || 'HEAD';
  const sync = status.sync?.status ?? 'Unknown';
  const against = sync === 'Synced' ? ` to ${target}` : sync === 'OutOfSync' ? ` from ${target}` : '';
  const health = status.health?.status ?? 'Unknown';
  const sources = spec.sources?.length ? spec.sources : spec.source ? [spec.source] : [];
  const lines = [
    field('Name:', `${app.metadata.namespace}/${app.metadata.name}`),
    field('Project:', spec.project || 'default'),
    field('Server:', spec.destination?.server || spec.destination?.name),
    field('Namespace:', spec.destination?.namespace),
    sources.length > 1 ? 'Sources:' : 'Source:',
    ...sources.flatMap(sourceLines),
    field('Sync Policy:', syncPolicyText(spec.syncPolicy)),
  ];
  if (spec.syncPolicy?.syncOptions?.length) lines.push(field('Sync Options:', spec.syncPolicy.syncOptions.join(', ')));
  const approval = approvalPolicyText(spec.syncPolicy?.approval);
  if (approval) lines.push(field('Approval Policy:', approval));
  lines.push(field('Sync Status:', `${sync}${against}${status.sync?.revision ? ` (${short(status.sync.revision)})` : ''}`));
  lines.push(field('Health Status:', `${health}${status.health?.message ? ` (${status.health.message})` : ''}`));
  return lines;
}

function conditionLines(app: AppView): string[] {
  const conditions = app.status?.conditions ?? [];
  if (!conditions.length) return [];
  return render(null, 'table', () => [['CONDITION', 'MESSAGE', 'LAST TRANSITION'], ...conditions.map((c) => [c.type, c.message ?? '', c.lastTransitionTime ?? ''])]).split('\n');
}

function duration(startedAt?: string, finishedAt?: string | null): string | undefined {
  if (!startedAt || !finishedAt) return undefined;
  const seconds = Math.max(0, Math.round((Date.parse(finishedAt) - Date.parse(startedAt)) / 1000));
  return `${seconds}s`;
}

function operationLines(app: AppView): string[] {
  const op = app.status?.operationState;
  if (!op) return [];
  const by = op.operation?.initiatedBy;
  const lines = [
    field('Operation:', 'Sync'),
    field('Sync Revision:', op.syncResult?.revision ?? op.operation?.sync?.revision),
    field('Phase:', op.phase),
    field('Start:', op.startedAt),
    field('Finished:', op.finishedAt ?? '(running)'),
  ];
  const took = duration(op.startedAt, op.finishedAt);
  if (took) lines.push(field('Duration:', took));
  if (op.message) lines.push(field('Message:', op.message));
  if (by?.username) lines.push(field('Initiated By:', by.username));
  if (op.retryCount) lines.push(field('Retries:', String(op.retryCount)));
  if (op.operation?.operationId) lines.push(field('Operation Id:', op.operation.operationId));
  return lines;
}

/** A commit as one line: "0123abcd Alice <alice@example.com> 2026-01-01T00:00:00.000Z: subject". */
export function commitLine(commit: NonNullable<ApprovalRequest['summary']['commit']>): string {
  return `${commit.sha.slice(0, 8)} ${commit.author} ${commit.date}: ${commit.message.split('\n')[0]}`;
}

/** What a pending approval asks about: revision, commit, digest, approvers, plan and who may not approve. */
export function approvalLines(approval: Partial<ApprovalRequest>): string[] {
  if (approval.state !== 'Pending') {
    const decided = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
    return [field('Approval:', `${approval.state ?? 'Unknown'}${decided}${approval.decidedAt ? ` at ${approval.decidedAt}` : ''}${approval.comment ? `: ${approval.comment}` : ''}`)];
  }
  const summary = approval.summary;
  const lines = [field('Approval:', `Pending since ${approval.requestedAt ?? '?'}`), field('  Revision:', approval.revision)];
  if (summary?.commit) {
    lines.push(field('  Commit:', commitLine(summary.commit)));
  }
  lines.push(field('  Diff:', approval.diffDigest), field('  Approvers:', (approval.approvers ?? []).join(', ') || '(none listed)'));
  if (summary) lines.push(field('  Changes:', `${summary.outOfSync} out of sync; ${summary.apply} to apply, ${summary.prune} to prune, ${summary.hook} hooks, in ${summary.steps} steps`));
  for (const author of approval.authors ?? []) lines.push(field('  Not by:', `${author.user} (authored ${author.commit.slice(0, 12)} as ${author.email})`));
  for (const refusal of approval.refused ?? []) lines.push(field('  Refused:', `${refusal.user}: ${refusal.reason}`));
  if (approval.commands?.[0]) lines.push(field('  Decide with:', approval.commands[0]));
  return lines;
}

/** The plan of a pending approval, one line per step ("Sync/2: Deployment/web"); none from older workers. */
export function planLines(approval: Partial<ApprovalRequest>): string[] {
  return stepLines(approval.summary?.plan ?? []);
}

const keyOf = (r: { group?: string; kind: string; namespace?: string; name: string }, withGroup = true) => `${withGroup ? (r.group ?? '') : ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

export const RESOURCE_HEADER = ['GROUP', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HEALTH', 'HOOK', 'MESSAGE'];
export const WIDE_HEADER = [...RESOURCE_HEADER, 'PHASE', 'WAVE', 'REVISION'];

/**
 * One row per resource, as argocd's resource table: the last sync's resources first, in its order (hooks with
 * their phase in HOOK and their own status; others with the app's current sync and health), then the app's
 * other resources, sorted. `wide` adds the sync phase, wave and revision of the last sync.
 */
export function resourceRows(app: AppView, wide = false): string[][] {
  const resources = app.status?.resources ?? [];
  const byKey = new Map(resources.map((r) => [keyOf(r), r]));
  const byKind = new Map(resources.map((r) => [keyOf(r, false), r]));
  const seen = new Set<ResourceStatus>();
  const result = app.status?.operationState?.syncResult;
  const rows: string[][] = [];
  for (const entry of result?.resources ?? []) {
    const hook = entry.hookPhase !== undefined;
    const current = hook ? undefined : (entry.group !== undefined ? byKey.get(keyOf(entry)) : byKind.get(keyOf(entry, false)));
    if (current) seen.add(current);
    const group = entry.group ?? current?.group ?? '';
    const status = hook ? entry.hookPhase! : current?.status ?? entry.status ?? '';
    const health = hook ? '' : current?.health?.status ?? '';
    const message = entry.message || current?.health?.message || '';
    const row = [group, entry.kind, entry.namespace ?? '', entry.name, status, health, hook ? entry.syncPhase ?? '' : '', message];
    rows.push(wide ? [...row, entry.syncPhase ?? '', entry.syncWave === undefined ? '' : String(entry.syncWave), short(result?.revision)] : row);
  }
  const rest = resources.filter((r) => !seen.has(r)).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  for (const r of rest) {
    const message = r.requiresPruning ? 'requires pruning' : r.health?.message ?? '';
    const row = [r.group ?? '', r.kind, r.namespace ?? '', r.name, r.status ?? '', r.health?.status ?? '', '', message];
    rows.push(wide ? [...row, '', '', ''] : row);
  }
  return rows;
}

/** The whole detail view; `ui` is the Temporal UI link of the app's workflow, when known. */
export function describeApp(app: AppView, options: { wide?: boolean; ui?: string } = {}): string {
  const sections: string[][] = [summaryLines(app)];
  if (options.ui) sections[0].splice(4, 0, field('Temporal UI:', options.ui));
  const conditions = conditionLines(app);
  if (conditions.length) sections.push(conditions);
  const operation = operationLines(app);
  if (operation.length) sections.push(operation);
  const approval = app.status?.approval;
  if (approval) {
    const plan = approval.state === 'Pending' ? planLines(approval) : [];
    sections.push([...approvalLines(approval), ...(plan.length ? ['  Plan:', ...plan.map((l) => `    ${l}`)] : [])]);
  }
  const rows = resourceRows(app, options.wide);
  if (rows.length) {
    const table = render(null, 'table', () => [options.wide ? WIDE_HEADER : RESOURCE_HEADER, ...rows]).split('\n');
    const total = app.status?.resourcesCount;
    if (total && total > (app.status?.resources?.length ?? 0)) table.push(`(${total - (app.status?.resources?.length ?? 0)} more resources not listed in status.resources)`);
    sections.push(table);
  }
  return sections.map((s) => s.join('\n')).join('\n\n');
}
