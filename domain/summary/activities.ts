// What each activity call says it does, as the Temporal UI shows it on the workflow's timeline ("apply wave 1:
// Deployment/web, Service/web", "PreSync hook Job/migrate", "wait for wave 1 to be Healthy (2 resources)"). Only
// names, kinds, phases, waves and revisions: never a manifest, a Helm value, a message or anything from a Secret.
import type { ApplicationSpec } from '../application/types';
import type { AppRef, SyncProgress } from '../operation/types';
import type { SyncTask } from '../plan/plan';
import { clampSummary, namedList, NamedPart, namedParts, plural, shortRevision } from './text';

/** How a resource is named in a summary: its kind and name (the namespace is the destination's, in the details). */
export const resourceName = (task: Pick<SyncTask, 'key'>): string => `${task.key.kind}/${task.key.name}`;

const waveText = (wave: number) => (wave === 0 ? '' : ` wave ${wave}`);

/** Hooks of a phase: "PreSync hook Job/migrate", "PostSync hooks Job/smoke, Job/report". */
const hookPart = (phase: string, wave: number, hooks: SyncTask[]): NamedPart => ({
  prefix: `${phase}${waveText(wave)} hook${hooks.length === 1 ? '' : 's'} `, names: hooks.map(resourceName), noun: 'hook',
});

/** One sync step (one phase and wave), or the SyncFail hooks: what is applied, pruned and run. */
export function stepSummary(tasks: SyncTask[]): string {
  if (tasks.length === 0) return 'apply nothing';
  const { phase, wave } = tasks[0];
  const of = (action: SyncTask['action']) => tasks.filter((t) => t.action === action);
  const applies = of('apply');
  const prunes = of('prune');
  const hooks = of('hook');
  const parts: NamedPart[] = [];
  if (applies.length) parts.push({ prefix: `apply wave ${wave}: `, names: applies.map(resourceName), noun: 'resource' });
  if (prunes.length) parts.push({ prefix: applies.length ? 'prune ' : `prune wave ${wave}: `, names: prunes.map(resourceName), noun: 'resource' });
  if (hooks.length) parts.push(hookPart(phase, phase === 'Sync' && parts.length ? 0 : wave, hooks));
  return namedParts(parts);
}

/** Waiting for a step's resources: hooks by name (they are what a reader waits on), a wave by its count. */
export function healthSummary(tasks: SyncTask[]): string {
  const watched = tasks.filter((t) => t.action !== 'prune');
  if (watched.length === 0) return 'wait for nothing';
  const { phase, wave } = watched[0];
  if (watched.every((t) => t.action === 'hook')) {
    const part = hookPart(phase, wave, watched);
    return namedList(`wait for ${part.prefix}`, part.names, 'hook', ' to complete');
  }
  return clampSummary(`wait for ${phase === 'Sync' ? `wave ${wave}` : phase + waveText(wave)} to be Healthy (${plural(watched.length, 'resource')})`);
}

/** Deleting the hooks whose delete policy matches how the sync ended (HookSucceeded or HookFailed). */
export function cleanupSummary(tasks: SyncTask[], outcome: 'Succeeded' | 'Failed'): string {
  const policy = outcome === 'Succeeded' ? 'HookSucceeded' : 'HookFailed';
  const doomed = tasks.filter((t) => t.action === 'hook' && (t.deletePolicies ?? []).includes(policy));
  if (doomed.length === 0) return `keep hooks: none has the ${policy} delete policy`;
  return namedList(`delete hooks (${policy}) `, doomed.map(resourceName), 'hook');
}

/** The app's refresh: the revisions it tracks, and any a manual request asked to resolve. */
export function refreshSummary(app: Pick<AppRef, 'name'>, spec?: Pick<ApplicationSpec, 'source' | 'sources'>, requested: string[] = []): string {
  const sources = spec ? (spec.sources?.length ? spec.sources : spec.source ? [spec.source] : []) : [];
  const tracked = [...new Set(sources.map((s) => shortRevision(s.targetRevision)))];
  const parts: NamedPart[] = [{ prefix: tracked.length ? `refresh ${app.name} at ` : `refresh ${app.name}`, names: tracked, noun: 'revision' }];
  if (requested.length) parts.push({ prefix: 'resolve ', names: requested.map(shortRevision), noun: 'revision' });
  return namedParts(parts);
}

/** Planning (and, with no approval to wait for, the dry-run with it). */
export function prepareSummary(app: Pick<AppRef, 'name'>, revision: string, dryRun: boolean): string {
  return clampSummary(`plan${dryRun ? ' and dry-run' : ''} ${app.name} at ${shortRevision(revision)}`);
}

/** The dry-run of everything a sync applies (its hooks too; prunes are not dry-run). */
export function dryRunSummary(tasks: SyncTask[], revision: string): string {
  return clampSummary(`dry-run ${plural(tasks.filter((t) => t.action !== 'prune').length, 'resource')} at ${shortRevision(revision)}`);
}

/** Where a sync is, in words: "wave 1", "PreSync", "awaiting approval". */
export function stepWords(step: string): string {
  const [phase, wave] = step.split('/');
  if (wave !== undefined) return phase === 'Sync' ? `wave ${wave}` : `${phase}${waveText(Number(wave))}`;
  return ({ Planning: 'planning', DryRun: 'dry-run', AwaitingApproval: 'awaiting approval', SyncFail: 'SyncFail hooks' } as Record<string, string>)[step] ?? step;
}

/** A status write of a sync: its phase and step (never its message). */
export function statusSummary(progress: Pick<SyncProgress, 'phase' | 'step'>): string {
  return clampSummary(`record status: ${progress.phase}${progress.step === 'Done' ? '' : `, ${stepWords(progress.step)}`}`);
}

export function operationEndSummary(operationId: string): string {
  return clampSummary(`record the end of sync ${operationId}`);
}

export function terminateSummary(operationId: string, why: 'terminate-op' | 'deletion'): string {
  return clampSummary(`terminate sync ${operationId}: ${why === 'deletion' ? 'the app is being deleted' : 'terminate-op'} and it did not stop when cancelled`);
}

export function carriedSyncSummary(operationId: string): string {
  return clampSummary(`look up sync ${operationId}, carried over from an earlier run`);
}

export function finalizeSummary(app: Pick<AppRef, 'name'>, prune: boolean): string {
  return clampSummary(`finalize ${app.name}: ${prune ? 'delete its resources, then release the Application' : 'release the Application'}`);
}

export function appSetSummary(set: { name: string }): string {
  return clampSummary(`generate the Applications of ${set.name}`);
}

export function promotionSnapshotSummary(set: { name: string }): string {
  return clampSummary(`read the apps of ${set.name}`);
}

export function promotionStatusSummary(phase: string): string {
  return clampSummary(`record promotion status: ${phase}`);
}

export function promotionSyncSummary(app: string, revision: string, requireApproval: boolean): string {
  return clampSummary(`sync ${app} at ${shortRevision(revision)}${requireApproval ? ', with approval' : ''}`);
}

export function withdrawSyncSummary(app: string): string {
  return clampSummary(`withdraw the sync of ${app}: a newer commit superseded this promotion`);
}

export function notificationTargetsSummary(trigger: string): string {
  return clampSummary(`find who subscribes to ${trigger}`);
}

/** A delivery names the service and the recipient (a channel, a webhook's name): never its URL or token. */
export function deliverySummary(trigger: string, target: { service: string; recipient: string }): string {
  return clampSummary(`notify ${target.service}:${target.recipient} of ${trigger}`);
}
