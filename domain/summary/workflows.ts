// The static summary and details of each Sluice workflow (what the Temporal UI shows at the top of its page and in
// the workflow list), the current details of the long-lived app workflow (Temporal drops static metadata at
// continue-as-new), and the summaries of the timers a reader sees waiting. Names, revisions and who asked only: the
// source URL loses any credentials, and no message, manifest or Helm value is ever written here.
import type { ApplicationSpec } from '../application/types';
import type { AppRef, Initiator, SyncOutcome, SyncProgress, TaskStatus } from '../operation/types';
import { stepWords } from './activities';
import { clampDetails, clampSummary, humanDuration, namedList, shortRevision } from './text';

export interface WorkflowMetadata {
  staticSummary: string;
  staticDetails: string;
}

/** A repository or server URL without user name, password or query (`https://token@host/...` happens). */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password && !u.search) return url;
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    // scp-like `git@host:org/repo` names a login, not a secret; anything else with `//...@` loses that part.
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** Markdown the UI renders: one bullet per field, those with no value left out. */
const bullets = (fields: Array<[string, string | undefined]>) => clampDetails(fields.filter(([, v]) => v).map(([k, v]) => `- **${k}**: ${v}`).join('\n'));

const initiator = (by: Initiator) => (by.automated ? 'the automated sync policy' : by.username);

export interface SyncDescription {
  app: AppRef;
  spec: Pick<ApplicationSpec, 'source' | 'sources' | 'destination' | 'project'>;
  revision: string;
  initiatedBy: Initiator;
  attempt: number;
  operationId: string;
  prune: boolean;
  approvalRequired: boolean;
  /** A sync limited to these resources. */
  resources?: string[];
}

/** A sync: which app, to which revision, who asked. */
export function syncWorkflowMetadata(sync: SyncDescription): WorkflowMetadata {
  const { app, spec } = sync;
  const who = sync.initiatedBy.automated ? ', automated' : ` by ${sync.initiatedBy.username}`;
  const staticSummary = clampSummary(`sync ${app.name} to ${shortRevision(sync.revision)}${who}${sync.attempt > 1 ? ` (attempt ${sync.attempt})` : ''}${sync.approvalRequired ? ', approval required' : ''}`);
  const sources = spec.sources?.length ? spec.sources : spec.source ? [spec.source] : [];
  const dest = spec.destination;
  const options = [sync.prune ? 'prune' : undefined, sync.approvalRequired ? 'approval required' : undefined, sync.resources?.length ? namedList('only ', sync.resources) : undefined].filter(Boolean);
  return {
    staticSummary,
    staticDetails: bullets([
      ['Application', `${app.namespace}/${app.name} (${app.group}), project ${spec.project || 'default'}`],
      ['Revision', `${sync.revision}${sources.length ? ` (tracking ${sources.map((s) => s.targetRevision || 'HEAD').join(', ')})` : ''}`],
      ['Initiated by', initiator(sync.initiatedBy)],
      ['Operation', `${sync.operationId}, attempt ${sync.attempt}`],
      ['Source', sources.map((s) => `${withoutCredentials(s.repoURL)}${s.path ? ` path ${s.path}` : ''}${s.chart ? ` chart ${s.chart}` : ''}`).join('; ') || undefined],
      ['Destination', [dest.name ?? (dest.server && withoutCredentials(dest.server)), dest.namespace && `namespace ${dest.namespace}`].filter(Boolean).join(', ') || undefined],
      ['Options', options.join(', ') || undefined],
    ]),
  };
}

/** "Kind/namespace/name" or "Kind/name" as a summary names it: "Kind/name". */
const kindAndName = (subject: string) => {
  const parts = subject.split('/');
  return `${parts[0]}/${parts.at(-1)}`;
};

const STATUS_ORDER: TaskStatus[] = ['Degraded', 'Failed', 'Running', 'Pending', 'Synced', 'Pruned', 'Healthy', 'Skipped'];

/** What a sync shows as its current details: where it is, its resources by status, and a pending approval. */
export function syncCurrentDetails(progress: Pick<SyncProgress, 'phase' | 'step' | 'tasks' | 'approval'>): string {
  const counts = STATUS_ORDER.map((status) => [status, progress.tasks.filter((t) => t.status === status).length] as const).filter(([, n]) => n > 0);
  const attention = progress.tasks.filter((t) => t.status === 'Degraded' || t.status === 'Failed').map((t) => kindAndName(t.subject));
  const approval = progress.approval;
  return bullets([
    ['Phase', `${progress.phase}${progress.step === 'Done' ? '' : `, ${stepWords(progress.step)}`}`],
    ['Resources', counts.map(([status, n]) => `${n} ${status}`).join(', ') || undefined],
    ['Needs attention', attention.length ? namedList('', attention) : undefined],
    ['Approval', approval && `${approval.state}: ${shortRevision(approval.revision)}${approval.decidedBy ? ` by ${approval.decidedBy}` : approval.state === 'Pending' ? `, for ${approval.approvers.join(', ') || 'a listed approver'}` : ''}`],
    ['Approve with', approval?.state === 'Pending' && approval.commands[0] ? `\`${approval.commands[0]}\`` : undefined],
  ]);
}

/** The app's long-lived workflow: which app; what it is doing is in its current details. */
export function applicationWorkflowMetadata(app: AppRef): WorkflowMetadata {
  return {
    staticSummary: clampSummary(`reconcile Application ${app.namespace}/${app.name}`),
    staticDetails: bullets([
      ['Application', `${app.namespace}/${app.name} (${app.group})`],
      ['Started by', 'the Sluice controller, when it first saw the Application'],
      ['Now', 'see Current Details, written at every refresh (continue-as-new drops static details)'],
    ]),
  };
}

export interface AppView {
  revision?: string;
  targetRevision?: string;
  syncStatus: string;
  health: string;
  comparisonFailed?: boolean;
  invalid?: boolean;
  running?: { operationId: string; revision: string; initiatedBy: Initiator };
  lastOutcome?: { outcome: SyncOutcome; revision: string };
  autoSyncBlocked?: boolean;
}

/** What the app workflow shows as its current details: status, and the sync running or last ended. */
export function applicationCurrentDetails(app: AppRef, view: AppView): string {
  const at = view.revision ? ` at ${shortRevision(view.revision)}` : '';
  const tracking = view.targetRevision ? ` (tracking ${view.targetRevision})` : '';
  const problem = view.invalid ? 'the spec is invalid (see the Application\'s conditions)' : view.comparisonFailed ? 'comparison failed (see the Application\'s conditions)' : undefined;
  return bullets([
    ['Application', `${app.namespace}/${app.name}`],
    ['Status', `${view.syncStatus}, ${view.health}${at}${tracking}`],
    ['Problem', problem],
    ['Running', view.running && `sync ${view.running.operationId} to ${shortRevision(view.running.revision)} by ${initiator(view.running.initiatedBy)}`],
    ['Last sync', view.lastOutcome && `${view.lastOutcome.outcome} at ${shortRevision(view.lastOutcome.revision)}`],
    ['Auto-sync', view.autoSyncBlocked ? 'holding back (see the app\'s status query)' : undefined],
  ]);
}

export function applicationSetWorkflowMetadata(set: { group: string; namespace: string; name: string }): WorkflowMetadata {
  return {
    staticSummary: clampSummary(`generate the Applications of ApplicationSet ${set.namespace}/${set.name}`),
    staticDetails: bullets([['ApplicationSet', `${set.namespace}/${set.name} (${set.group})`], ['Started by', 'the Sluice controller, when it first saw the ApplicationSet']]),
  };
}

export function promotionWorkflowMetadata(set: { group: string; namespace: string; name: string }, revision: string): WorkflowMetadata {
  return {
    staticSummary: clampSummary(`promote ${shortRevision(revision)} through the steps of ${set.name}`),
    staticDetails: bullets([['ApplicationSet', `${set.namespace}/${set.name} (${set.group})`], ['Revision', revision], ['Initiated by', 'the set\'s RollingSync strategy, on a new commit']]),
  };
}

export function notifyWorkflowMetadata(app: Pick<AppRef, 'namespace' | 'name'>, event: { trigger: string; revision?: string }): WorkflowMetadata {
  return {
    staticSummary: clampSummary(`notify ${event.trigger} for ${app.name}${event.revision ? ` at ${shortRevision(event.revision)}` : ''}`),
    staticDetails: bullets([['Application', `${app.namespace}/${app.name}`], ['Trigger', event.trigger], ['Revision', event.revision]]),
  };
}

/** The approval gate's timer. */
export function approvalWaitSummary(revision: string, approvers: string[], timeout?: string): string {
  return namedList(`wait for approval of ${shortRevision(revision)} by `, approvers.length ? approvers : ['a listed approver'], 'approver', timeout ? `, expires after ${timeout}` : '');
}

/** The app loop's timer: the next refresh, unless a signal, a request or a sync's end comes first. */
export function refreshWaitSummary(ms: number): string {
  return clampSummary(`next refresh in ${humanDuration(ms)}, or on a change`);
}

export function terminateGraceSummary(operationId: string, ms: number): string {
  return clampSummary(`give sync ${operationId} ${humanDuration(ms)} to stop after cancel`);
}

export function setWaitSummary(ms: number): string {
  return clampSummary(`regenerate in ${humanDuration(ms)}, or on a change`);
}

export function promotionWaitSummary(ms: number): string {
  return clampSummary(`look at the apps again in ${humanDuration(ms)}, or when they change`);
}
