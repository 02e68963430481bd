// Hook, wave and delete-policy annotations, Argo CD's and Helm's, read with Argo CD's semantics
// (gitops-engine/pkg/sync/hook, syncwaves).
import { parseResourceSyncOptions, SyncOptionError, SyncOptions } from '../application/sync-options';
import { keyOf, subjectOf } from '../resource/identity';
import { InputError } from '../errors';
import { KubeObject } from '../resource/types';

export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
export type HookDeletePolicy = 'HookSucceeded' | 'HookFailed' | 'BeforeHookCreation';

export const PHASES: SyncPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

const ARGO_HOOK = 'argocd.argoproj.io/hook';
const ARGO_WAVE = 'argocd.argoproj.io/sync-wave';
const ARGO_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
const SLUICE_HOOK = 'sluice.dev/hook';
const SLUICE_WAVE = 'sluice.dev/sync-wave';
const SLUICE_DELETE_POLICY = 'sluice.dev/hook-delete-policy';
const HELM_HOOK = 'helm.sh/hook';
const HELM_WEIGHT = 'helm.sh/hook-weight';
const HELM_DELETE_POLICY = 'helm.sh/hook-delete-policy';

const HELM_HOOK_PHASES: Record<string, SyncPhase> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

const HELM_DELETE_POLICIES: Record<string, HookDeletePolicy> = {
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
  'before-hook-creation': 'BeforeHookCreation',
};

/** The field is the annotation the message starts with ("argocd.argoproj.io/sync-wave: ..."). */
export class AnnotationError extends InputError {
  constructor(message: string) {
    const annotation = message.slice(0, message.indexOf(': '));
    super(message, { field: annotation ? `metadata.annotations["${annotation}"]` : undefined });
  }
}

function annotations(obj: KubeObject): Record<string, string> {
  return obj.metadata.annotations ?? {};
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export interface HookInfo {
  /** The phases this hook runs in; empty for a Helm hook of a type Argo CD ignores (test, pre-delete, ...). */
  phases: SyncPhase[];
  deletePolicies: HookDeletePolicy[];
}

/** Whether the object is marked Skip: never applied. */
export function isSkipped(obj: KubeObject): boolean {
  const a = annotations(obj);
  return list(a[SLUICE_HOOK] ?? a[ARGO_HOOK]).includes('Skip');
}

/** Hook information, or undefined for an ordinary resource. Argo CD's annotation wins over Helm's. */
export function hookInfo(obj: KubeObject): HookInfo | undefined {
  const a = annotations(obj);
  const argo = a[SLUICE_HOOK] ?? a[ARGO_HOOK];
  let phases: SyncPhase[];
  if (argo !== undefined) {
    const values = list(argo).filter((v) => v !== 'Skip');
    if (values.length === 0) return undefined;
    for (const v of values) {
      if (!PHASES.includes(v as SyncPhase)) throw new AnnotationError(`${ARGO_HOOK}: unknown hook type ${JSON.stringify(v)} (expected ${PHASES.join(', ')} or Skip)`);
    }
    phases = values as SyncPhase[];
  } else if (a[HELM_HOOK] !== undefined) {
    const types = list(a[HELM_HOOK]);
    if (types.includes('crd-install')) return undefined;
    phases = [...new Set(types.map((t) => HELM_HOOK_PHASES[t]).filter((p): p is SyncPhase => p !== undefined))];
  } else {
    return undefined;
  }
  return { phases, deletePolicies: deletePolicies(obj) };
}

export function deletePolicies(obj: KubeObject): HookDeletePolicy[] {
  const a = annotations(obj);
  const argo = a[SLUICE_DELETE_POLICY] ?? a[ARGO_DELETE_POLICY];
  if (argo !== undefined) {
    const values = list(argo);
    for (const v of values) {
      if (!['HookSucceeded', 'HookFailed', 'BeforeHookCreation'].includes(v)) throw new AnnotationError(`${ARGO_DELETE_POLICY}: unknown policy ${JSON.stringify(v)}`);
    }
    return values as HookDeletePolicy[];
  }
  const helm = list(a[HELM_DELETE_POLICY]).map((v) => HELM_DELETE_POLICIES[v]).filter((p): p is HookDeletePolicy => p !== undefined);
  return helm.length > 0 ? helm : ['BeforeHookCreation'];
}

function parseWave(annotation: string, value: string): number {
  const wave = Number(value.trim());
  if (!Number.isInteger(wave)) throw new AnnotationError(`${annotation}: ${JSON.stringify(value)} is not an integer`);
  return wave;
}

/**
 * The sync wave: our or Argo CD's annotation, else Helm's hook-weight, else 0. As gitops-engine's
 * syncwaves.Wave(), the weight counts on any object, hook or not. Unlike it, a value that is not an
 * integer is an error rather than silently 0.
 */
export function syncWave(obj: KubeObject): number {
  const a = annotations(obj);
  if (a[SLUICE_WAVE] !== undefined) return parseWave(SLUICE_WAVE, a[SLUICE_WAVE]);
  if (a[ARGO_WAVE] !== undefined) return parseWave(ARGO_WAVE, a[ARGO_WAVE]);
  if (a[HELM_WEIGHT] !== undefined) return parseWave(HELM_WEIGHT, a[HELM_WEIGHT]);
  return 0;
}

const SLUICE_SYNC_OPTIONS = 'sluice.dev/sync-options';
const ARGO_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/**
 * The options in force for one resource: the app's, overridden by the resource's sync-options annotation.
 * A refused option names the resource and the annotation.
 */
export function resourceSyncOptions(obj: KubeObject, appOptions: SyncOptions): SyncOptions {
  const name = annotations(obj)[SLUICE_SYNC_OPTIONS] !== undefined ? SLUICE_SYNC_OPTIONS : ARGO_SYNC_OPTIONS;
  try {
    return parseResourceSyncOptions(annotations(obj)[name], appOptions);
  } catch (error) {
    if (error instanceof SyncOptionError) throw new SyncOptionError(`${subjectOf(keyOf(obj))}: annotation ${name}: ${error.message}`);
    throw error;
  }
}
