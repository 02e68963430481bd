// Sync planning (gitops-engine/pkg/sync/sync_tasks.go): tasks sorted by phase, wave, kind order and name,
// a Namespace moved before the objects in it and a CRD before its custom resources, prune waves reversed,
// PruneLast after everything, and SyncFail hooks kept apart for when the sync fails.
import { stableHash } from '../hash';
import { groupOf, keyOf, subjectOf } from '../resource/identity';
import { KubeObject, ResourceKey } from '../resource/types';
import { DEFAULT_SYNC_OPTIONS, SyncOptions } from '../application/sync-options';
import { HookDeletePolicy, hookInfo, isSkipped, PHASES, resourceSyncOptions, SyncPhase, syncWave } from './annotations';
import { kindRank } from './kind-order';

export type TaskAction = 'apply' | 'prune' | 'hook';

export interface SyncTask {
  key: ResourceKey;
  subject: string;
  action: TaskAction;
  phase: SyncPhase;
  wave: number;
  /** Hooks only. */
  deletePolicies?: HookDeletePolicy[];
}

export interface SyncStep {
  phase: SyncPhase;
  wave: number;
  tasks: SyncTask[];
}

export interface SyncPlan {
  steps: SyncStep[];
  /** SyncFail hooks, run only when the sync fails. */
  syncFail: SyncTask[];
  /** Objects marked Skip, and tracked objects whose pruning is disabled (Prune=false or prune off). */
  skipped: Array<{ subject: string; reason: string }>;
}

export interface PlanInput {
  /** Desired objects, already namespaced and tracked. */
  desired: KubeObject[];
  /** Live objects this app tracks that are not desired any more: prune candidates. */
  orphans?: KubeObject[];
  options?: SyncOptions;
  /** Whether deletion is allowed for this operation (automated.prune or a manual --prune). */
  prune?: boolean;
  /** Names hooks that use generateName, deterministically per operation. */
  operationId?: string;
}

const PHASE_RANK = new Map(PHASES.map((p, i) => [p, i]));

interface Entry {
  task: SyncTask;
  obj: KubeObject;
}

/** A deterministic name for a generateName hook: the same operation always names it the same. */
export function hookObjectName(generateName: string, operationId: string): string {
  const suffix = stableHash(operationId).slice(0, 8);
  return `${generateName}${suffix}`.slice(0, 63);
}

/** Names generateName hooks for this operation; planning and applying both start from this list. */
export function nameHooks(desired: KubeObject[], operationId: string): KubeObject[] {
  return desired.map((obj) =>
    obj.metadata.name || !obj.metadata.generateName || !hookInfo(obj)
      ? obj
      : { ...obj, metadata: { ...obj.metadata, name: hookObjectName(obj.metadata.generateName, operationId) } },
  );
}

/** Objects that count toward sync status and pruning: neither hooks nor marked Skip. */
export function isManagedResource(obj: KubeObject): boolean {
  return !hookInfo(obj) && !isSkipped(obj);
}

function compare(a: Entry, b: Entry): number {
  return (
    PHASE_RANK.get(a.task.phase)! - PHASE_RANK.get(b.task.phase)! ||
    a.task.wave - b.task.wave ||
    // Within a wave, prunes run first (sync_context.go), so the plan lists them first.
    Number(a.task.action !== 'prune') - Number(b.task.action !== 'prune') ||
    kindRank(a.task.key.kind) - kindRank(b.task.key.kind) ||
    (a.task.key.name < b.task.key.name ? -1 : a.task.key.name > b.task.key.name ? 1 : 0)
  );
}

/**
 * Moves each dependency (a Namespace, a CRD) before the first task that refers to it, taking that task's
 * phase and wave, as gitops-engine's adjustDeps does.
 */
function adjustDependencies(entries: Entry[], dependencyKey: (e: Entry) => string | undefined, referenceKey: (e: Entry) => string | undefined): void {
  const firstReference = new Map<string, number>();
  for (let i = 0; i < entries.length; i++) {
    const dep = dependencyKey(entries[i]);
    if (dep !== undefined) {
      const index = firstReference.get(dep);
      if (index !== undefined && index < i) {
        const moved = entries[i];
        moved.task.phase = entries[index].task.phase;
        moved.task.wave = entries[index].task.wave;
        entries.splice(i, 1);
        entries.splice(index, 0, moved);
        for (const [k, v] of firstReference) if (v >= index) firstReference.set(k, v + 1);
      }
      continue;
    }
    const ref = referenceKey(entries[i]);
    if (ref !== undefined && !firstReference.has(ref)) firstReference.set(ref, i);
  }
}

function crdKey(obj: KubeObject): string | undefined {
  if (obj.kind !== 'CustomResourceDefinition') return undefined;
  const spec = obj.spec as { group?: string; names?: { kind?: string } } | undefined;
  return `${spec?.group ?? ''}/${spec?.names?.kind ?? ''}`;
}

function taskFor(obj: KubeObject, action: TaskAction, phase: SyncPhase, wave: number, deletePolicies?: HookDeletePolicy[]): Entry {
  const key = keyOf(obj);
  return { obj, task: { key, subject: subjectOf(key), action, phase, wave, ...(deletePolicies ? { deletePolicies } : {}) } };
}

/** Reverses prune waves symmetrically, so what was created last is deleted first. */
function reversePruneWaves(entries: Entry[]): void {
  const prunes = entries.filter((e) => e.task.action === 'prune');
  const waves = [...new Set(prunes.map((e) => e.task.wave))].sort((a, b) => a - b);
  const mirrored = new Map(waves.map((w, i) => [w, waves[waves.length - 1 - i]]));
  for (const e of prunes) e.task.wave = mirrored.get(e.task.wave)!;
}

export function planSync(input: PlanInput): SyncPlan {
  const options = input.options ?? DEFAULT_SYNC_OPTIONS;
  const entries: Entry[] = [];
  const syncFail: SyncTask[] = [];
  const skipped: SyncPlan['skipped'] = [];

  for (const obj of nameHooks(input.desired, input.operationId ?? 'operation')) {
    if (isSkipped(obj)) {
      skipped.push({ subject: subjectOf(keyOf(obj)), reason: 'marked Skip' });
      continue;
    }
    const wave = syncWave(obj);
    const hook = hookInfo(obj);
    if (!hook) {
      entries.push(taskFor(obj, 'apply', 'Sync', wave));
      continue;
    }
    if (hook.phases.length === 0) skipped.push({ subject: subjectOf(keyOf(obj)), reason: 'Helm hook type that Argo CD does not run' });
    for (const phase of hook.phases) {
      const entry = taskFor(obj, 'hook', phase, wave, hook.deletePolicies);
      if (phase === 'SyncFail') syncFail.push(entry.task);
      else entries.push(entry);
    }
  }

  for (const obj of input.orphans ?? []) {
    if (hookInfo(obj)) continue; // hooks are cleaned up by their delete policy, never pruned
    const resourceOptions = resourceSyncOptions(obj, options);
    if (!input.prune || !resourceOptions.prune) {
      skipped.push({ subject: subjectOf(keyOf(obj)), reason: input.prune ? 'Prune=false' : 'pruning is not enabled' });
      continue;
    }
    entries.push(taskFor(obj, 'prune', 'Sync', syncWave(obj)));
  }

  reversePruneWaves(entries);
  const lastSyncWave = Math.max(0, ...entries.filter((e) => e.task.phase === 'Sync').map((e) => e.task.wave)) + 1;
  for (const e of entries) {
    if (e.task.action !== 'prune') continue;
    if (options.pruneLast || resourceSyncOptions(e.obj, options).pruneLast) e.task.wave = lastSyncWave;
  }

  entries.sort(compare);
  const applies = (e: Entry) => e.task.action !== 'prune';
  adjustDependencies(entries, (e) => (applies(e) && e.obj.kind === 'Namespace' && groupOf(e.obj.apiVersion) === '' ? e.obj.metadata.name : undefined), (e) => (applies(e) ? e.obj.metadata.namespace : undefined));
  adjustDependencies(entries, (e) => (applies(e) ? crdKey(e.obj) : undefined), (e) => (applies(e) ? `${groupOf(e.obj.apiVersion)}/${e.obj.kind}` : undefined));

  const steps: SyncStep[] = [];
  for (const { task } of entries) {
    const last = steps[steps.length - 1];
    if (last && last.phase === task.phase && last.wave === task.wave) last.tasks.push(task);
    else steps.push({ phase: task.phase, wave: task.wave, tasks: [task] });
  }
  return { steps, syncFail, skipped };
}

/** Counts per action, for approval requests and the CLI. */
export function summarisePlan(plan: SyncPlan): { apply: number; prune: number; hook: number; steps: number } {
  const tasks = plan.steps.flatMap((s) => s.tasks);
  return {
    apply: tasks.filter((t) => t.action === 'apply').length,
    prune: tasks.filter((t) => t.action === 'prune').length,
    hook: tasks.filter((t) => t.action === 'hook').length + plan.syncFail.length,
    steps: plan.steps.length,
  };
}
