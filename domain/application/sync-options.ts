// Argo CD's sync options ("Key=value" strings), parsed once into a typed object. Each option is accepted
// only where Argo CD reads it (the app's spec.syncPolicy.syncOptions, a resource's sync-options
// annotation, or both) and only with values Sluice acts on; anything else is refused, never ignored.
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
  serverSideApply: true, // Sluice always applies server-side.
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

/** Where an option is written: the Application's spec, or a resource's sync-options annotation. */
export type SyncOptionScope = 'application' | 'resource';

interface OptionRule {
  field: keyof SyncOptions;
  scopes: SyncOptionScope[];
  values: string[];
  /** Why a known Argo CD value that Sluice does not act on is refused. */
  refusals?: Record<string, string>;
}

const BOTH: SyncOptionScope[] = ['application', 'resource'];
const APP: SyncOptionScope[] = ['application'];
const BOOLEAN = ['true', 'false'];

/** Every option Sluice accepts, where, and with which values (Argo CD: gitops-engine/pkg/sync/common/types.go). */
export const SYNC_OPTION_RULES: Readonly<Record<string, OptionRule>> = {
  CreateNamespace: { field: 'createNamespace', scopes: APP, values: BOOLEAN },
  PruneLast: { field: 'pruneLast', scopes: BOTH, values: BOOLEAN },
  ServerSideApply: { field: 'serverSideApply', scopes: BOTH, values: ['true'], refusals: { false: 'Sluice always applies server-side; client-side apply is not available' } },
  Replace: { field: 'replace', scopes: BOTH, values: BOOLEAN },
  ApplyOutOfSyncOnly: { field: 'applyOutOfSyncOnly', scopes: APP, values: BOOLEAN },
  PrunePropagationPolicy: { field: 'prunePropagationPolicy', scopes: APP, values: ['foreground', 'background', 'orphan'] },
  Validate: { field: 'validate', scopes: BOTH, values: BOOLEAN },
  RespectIgnoreDifferences: { field: 'respectIgnoreDifferences', scopes: BOTH, values: BOOLEAN },
  FailOnSharedResource: { field: 'failOnSharedResource', scopes: APP, values: BOOLEAN },
  Prune: { field: 'prune', scopes: BOTH, values: BOOLEAN, refusals: { confirm: 'pruning with confirmation is not supported; use Prune=false' } },
  Delete: { field: 'delete', scopes: BOTH, values: BOOLEAN, refusals: { confirm: 'deletion with confirmation is not supported; use Delete=false' } },
  SkipDryRunOnMissingResource: { field: 'skipDryRunOnMissingResource', scopes: BOTH, values: BOOLEAN },
};

export class SyncOptionError extends InputError {}

function refuse(option: string, reason: string): never {
  throw new SyncOptionError(`${JSON.stringify(option)}: ${reason}`);
}

/**
 * Parses options such as ["CreateNamespace=true", "PrunePropagationPolicy=background"] over `base`.
 * Throws SyncOptionError naming the option and why it is refused.
 */
export function parseSyncOptions(options: readonly string[] | undefined, base: SyncOptions = DEFAULT_SYNC_OPTIONS, scope: SyncOptionScope = 'application'): SyncOptions {
  const result: Record<string, unknown> = { ...base };
  for (const option of options ?? []) {
    const eq = option.indexOf('=');
    const key = eq < 0 ? option.trim() : option.slice(0, eq).trim();
    const value = eq < 0 ? '' : option.slice(eq + 1).trim();
    const rule = SYNC_OPTION_RULES[key];
    if (!rule) refuse(option, `unknown sync option ${JSON.stringify(key)} (known: ${Object.keys(SYNC_OPTION_RULES).join(', ')})`);
    if (!rule.scopes.includes(scope)) {
      refuse(option, `${key} applies to the whole application: set it in spec.syncPolicy.syncOptions, not on a resource`);
    }
    if (!rule.values.includes(value)) {
      refuse(option, rule.refusals?.[value] ?? (rule.values === BOOLEAN ? `${key} must be true or false` : `${key} must be one of ${rule.values.join(', ')}`));
    }
    result[rule.field] = rule.field === 'prunePropagationPolicy' ? value : value === 'true';
  }
  return result as unknown as SyncOptions;
}

/** Per-resource options from a `sync-options` annotation value ("Prune=false,Validate=false") over the app's. */
export function parseResourceSyncOptions(annotation: string | undefined, base: SyncOptions): SyncOptions {
  if (!annotation) return base;
  return parseSyncOptions(annotation.split(',').map((s) => s.trim()).filter(Boolean), base, 'resource');
}
