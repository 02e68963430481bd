// The messages between the Application workflow, its sync child workflows and their activities. Only
// identities, digests and small summaries travel here: rendered manifests and Secret data never enter
// workflow history.
import { ApplicationSpec } from '../application/types';
import { HealthStatus } from '../health/types';
import { SyncPhase } from '../plan/annotations';
import { SyncPlan } from '../plan/plan';
import { StepSummary } from '../plan/steps-summary';
import { SyncStatus } from '../diff/compare';

export type AppGroup = 'sluice.dev' | 'argoproj.io';

export interface AppRef {
  group: AppGroup;
  namespace: string;
  name: string;
}

export type OperationPhase = 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';
export type SyncOutcome = 'Succeeded' | 'Failed' | 'Terminated' | 'Rejected' | 'ApprovalExpired' | 'Superseded';

export interface KindRef {
  apiVersion: string;
  kind: string;
}

export interface RefreshResult {
  exists: boolean;
  /** The CR's uid: a CR deleted and created again under the same name is a new app. */
  uid?: string;
  /** Problems with the spec (invalid or unsupported); nothing is rendered or synced while there are any. */
  invalid?: string;
  spec?: ApplicationSpec;
  generation?: number;
  revision?: string;
  syncStatus: SyncStatus;
  health: HealthStatus;
  /** Set when the source could not be compared (unreachable repo, unknown revision, render failure). */
  comparisonError?: string;
  project?: string;
  /** How many resources (not hooks) git declares now: 0 with prune would delete everything (allowEmpty). */
  desiredCount?: number;
  /** Kinds of the resources the app manages now, remembered so later prunes can find orphans. */
  managedKinds: KindRef[];
  deleting?: boolean;
  finalizers?: string[];
  /** Explicit revisions asked for by manual syncs and rollbacks, resolved against the repo by this refresh. */
  resolved?: Record<string, { sha?: string; error?: string }>;
  /** The notification triggers the app subscribes to (its annotations); absent from older workers' results. */
  subscribed?: string[];
}

export interface Initiator {
  username: string;
  automated: boolean;
}

export interface SyncRequest {
  app: AppRef;
  spec: ApplicationSpec;
  revision: string;
  prune: boolean;
  /** Limit the sync to these subjects ("Kind/name" or "Kind/namespace/name"). */
  resources?: string[];
  operationId: string;
  initiatedBy: Initiator;
  attempt: number;
  managedKinds: KindRef[];
  /** Whether to wait for approval: the spec requires it, or the request asked for it. */
  approvalRequired: boolean;
  /** Off only on test servers that have no custom search attributes registered. */
  searchAttributes?: boolean;
  /** Notifications on (default) or off. */
  notifications?: boolean;
  /** Tests only: a fault injected into the sync workflow's own code. */
  testFault?: TestFault;
}

/** 'throw' raises an error in the sync workflow's code; 'ignore-cancel' makes it never end, even when cancelled. */
export type TestFault = 'throw' | 'ignore-cancel';

export interface PreparedSync {
  revision: string;
  digest: string;
  /** sha256 over the redacted per-resource diffs: what an approver sees and approves. */
  diffDigest: string;
  plan: SyncPlan;
  summary: SyncSummary;
  /** Asked for with the plan (a sync with no approval to wait for): whether the dry-run passed, and if not, why. */
  dryRun?: { passed: true } | { passed: false; message: string; failure?: string };
  /** With separation of duties: who wrote the commits being synced, as the users who may not approve them. */
  authors?: CommitIdentity[];
}

/**
 * What an approver is asked about, besides the diff: counts, and (from workers since the CLI shows them) the plan
 * step by step and the commit being deployed. Kept in `status.approval.summary`, which the CRD leaves open.
 */
export interface SyncSummary {
  apply: number;
  prune: number;
  hook: number;
  steps: number;
  outOfSync: number;
  plan?: StepSummary[];
  commit?: CommitSummary;
}

/** The commit a sync deploys: its author ("Name <email>"), author date and message (at most 2,000 characters). */
export interface CommitSummary {
  sha: string;
  author: string;
  date: string;
  message: string;
}

/** A commit's author and the Kubernetes user that person is (the email, or the app's authorIdentities entry). */
export interface CommitIdentity {
  commit: string;
  email: string;
  user: string;
}

export interface ApprovalDecision {
  approve: boolean;
  revision: string;
  diffDigest: string;
  /** Who decides: set by the caller from their identity. */
  user: string;
  groups?: string[];
  comment?: string;
}

export type ApprovalState = 'Pending' | 'Approved' | 'Rejected' | 'Expired' | 'Superseded' | 'Terminated';

export interface ApprovalRequest {
  state: ApprovalState;
  revision: string;
  diffDigest: string;
  requestedAt: string;
  approvers: string[];
  summary: PreparedSync['summary'];
  commands: string[];
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  refused: Array<{ user: string; reason: string; at: string }>;
  /** Separation of duties: these commits' authors may not approve (absent when the app does not ask for it). */
  authors?: CommitIdentity[];
}

export type TaskStatus = 'Pending' | 'Running' | 'Synced' | 'Pruned' | 'Healthy' | 'Degraded' | 'Failed' | 'Skipped';

export interface TaskProgress {
  subject: string;
  /** The API group ('' for the core group); absent in syncs planned before it was recorded. */
  group?: string;
  action: 'apply' | 'prune' | 'hook';
  phase: SyncPhase;
  wave: number;
  status: TaskStatus;
  message?: string;
}

export interface SyncProgress {
  operationId: string;
  revision: string;
  attempt: number;
  phase: OperationPhase;
  /** Where the sync is: "Planning", "AwaitingApproval", "PreSync/0", "Sync/1", "SyncFail", "Done". */
  step: string;
  message?: string;
  tasks: TaskProgress[];
  approval?: ApprovalRequest;
  startedAt: string;
  finishedAt?: string;
}

export interface SyncResult {
  outcome: SyncOutcome;
  revision: string;
  message: string;
  failedResource?: string;
  /** The type of the failure that ended it (e.g. PermissionDenied), when it failed with one. */
  failure?: string;
  progress: SyncProgress;
}

/** The memo on each sync workflow (key `sluice`): set at start, completed with the outcome at the end. */
export interface SyncMemo {
  revision: string;
  initiatedBy: string;
  automated: boolean;
  attempt: number;
  outcome?: SyncOutcome;
  message?: string;
  approvedBy?: string;
}

/** The memo of a sync: what the parent sets at start, and with `end` what the sync sets when it finishes. */
export function syncMemo(revision: string, initiatedBy: Initiator, attempt: number, end?: Pick<SyncMemo, 'outcome' | 'message' | 'approvedBy'>): SyncMemo {
  return { revision, initiatedBy: initiatedBy.username, automated: !!initiatedBy.automated, attempt, ...end };
}

/** The workflow ids: readable in the Temporal UI, derived from the app's identity. */
export function applicationWorkflowId(app: Pick<AppRef, 'namespace' | 'name'>): string {
  return `sluice-app/${app.namespace}/${app.name}`;
}

export function syncWorkflowId(app: Pick<AppRef, 'namespace' | 'name'>, operationId: string): string {
  return `sluice-sync/${app.namespace}/${app.name}/${operationId}`;
}

export const TASK_QUEUE = 'sluice';

/**
 * Finalizers that make deleting an Application prune what it deployed first (ours and Argo CD's), each also with
 * Argo CD's `/foreground` and `/background` suffixes (the bare name is foreground).
 */
export const RESOURCE_FINALIZERS = ['sluice.dev/resources-finalizer', 'resources-finalizer.argocd.argoproj.io'].flatMap((name) => [name, `${name}/foreground`, `${name}/background`]);

/** How a finalizer's prune deletes: in the background only when every resources finalizer present asks for it. */
export function finalizerPropagation(finalizers: string[]): 'foreground' | 'background' {
  const ours = finalizers.filter((f) => RESOURCE_FINALIZERS.includes(f));
  return ours.length > 0 && ours.every((f) => f.endsWith('/background')) ? 'background' : 'foreground';
}
