// Argo CD's sync options ("Key=value" strings), parsed once into a typed object.
import { InputError } from '../errors';

export type PropagationPolicy = 'foreground' | 'background' | 'orphan';

export interface SyncOptions {
  createNamespace: boolean;
  pruneLast: boolean;
  serverSideApply: boolean;
  replace: boolean;
  applyOutOfSyncOnly: boolean;
  prunePropagationPolicy: PropagationPolicy;
  validate: boolean;
  respectIgnoreDifferences: boolean;
  failOnSharedResource: boolean;
  prune: boolean;
  delete: boolean;
  skipDryRunOnMissingResource: boolean;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  createNamespace: false,
  pruneLast: false,
  serverSideApply: true, // Sluice always applies server-side; the option is accepted for compatibility.
  replace: false,
  applyOutOfSyncOnly: false,
  prunePropagationPolicy: 'foreground',
  validate: true,
  respectIgnoreDifferences: false,
  failOnSharedResource: false,
  prune: true,
  delete: true,
  skipDryRunOnMissingResource: false,
};

type BooleanKey = Exclude<keyof SyncOptions, 'prunePropagationPolicy'>;

const BOOLEAN_OPTIONS: Record<string, BooleanKey> = {
  CreateNamespace: 'createNamespace',
  PruneLast: 'pruneLast',
  ServerSideApply: 'serverSideApply',
  Replace: 'replace',
  ApplyOutOfSyncOnly: 'applyOutOfSyncOnly',
  Validate: 'validate',
  RespectIgnoreDifferences: 'respectIgnoreDifferences',
  FailOnSharedResource: 'failOnSharedResource',
  Prune: 'prune',
  Delete: 'delete',
  SkipDryRunOnMissingResource: 'skipDryRunOnMissingResource',
};

const PROPAGATION_POLICIES: PropagationPolicy[] = ['foreground', 'background', 'orphan'];

export class SyncOptionError extends InputError {}

/** Parses options such as ["CreateNamespace=true", "PrunePropagationPolicy=background"] over `base`. */
export function parseSyncOptions(options: readonly string[] | undefined, base: SyncOptions = DEFAULT_SYNC_OPTIONS): SyncOptions {
  const result: SyncOptions = { ...base };
  for (const option of options ?? []) {
    const eq = option.indexOf('=');
    const key = eq < 0 ? option.trim() : option.slice(0, eq).trim();
    const value = eq < 0 ? '' : option.slice(eq + 1).trim();
    if (key === 'PrunePropagationPolicy') {
      if (!PROPAGATION_POLICIES.includes(value as PropagationPolicy)) {
        throw new SyncOptionError(`${option}: PrunePropagationPolicy must be one of ${PROPAGATION_POLICIES.join(', ')}`);
      }
      result.prunePropagationPolicy = value as PropagationPolicy;
      continue;
    }
    const field = BOOLEAN_OPTIONS[key];
    if (!field) throw new SyncOptionError(`${option}: unknown sync option ${JSON.stringify(key)}`);
    if (value !== 'true' && value !== 'false') throw new SyncOptionError(`${option}: the value must be true or false`);
    result[field] = value === 'true';
  }
  return result;
}

/** Per-resource options from the `argocd.argoproj.io/sync-options` or `sluice.dev/sync-options` annotation. */
export function parseResourceSyncOptions(annotation: string | undefined, base: SyncOptions): SyncOptions {
  if (!annotation) return base;
  return parseSyncOptions(annotation.split(',').map((s) => s.trim()).filter(Boolean), base);
}
