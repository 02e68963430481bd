// The Application resource: Argo CD's field names, plus Sluice's extensions beside them.
export const SLUICE_GROUP = 'sluice.dev';
export const ARGOCD_GROUP = 'argoproj.io';
export const APPLICATION_VERSION = 'v1alpha1';

export interface ApplicationSource {
  repoURL: string;
  targetRevision?: string;
  path?: string;
  chart?: string;
  directory?: DirectorySource;
  kustomize?: KustomizeSource;
  helm?: HelmSource;
  plugin?: Record<string, unknown>;
  /** Sluice extension: force a source type instead of detecting it. */
  sourceType?: SourceType;
}

export type SourceType = 'Directory' | 'Kustomize' | 'Helm';

export interface DirectorySource {
  recurse?: boolean;
  include?: string;
  exclude?: string;
  jsonnet?: JsonnetSource;
}

/** Argo CD's directory.jsonnet: how `*.jsonnet` files in a plain directory are evaluated. */
export interface JsonnetSource {
  extVars?: JsonnetVar[];
  tlas?: JsonnetVar[];
  /** Library search paths, relative to the repository root. */
  libs?: string[];
}

/** A value is a string unless `code` is set, when it is Jsonnet code. */
export interface JsonnetVar {
  name: string;
  value: string;
  code?: boolean;
}

export interface KustomizeSource {
  namePrefix?: string;
  nameSuffix?: string;
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  namespace?: string;
  patches?: KustomizePatch[];
}

export interface KustomizePatch {
  path?: string;
  patch?: string;
  target?: Record<string, string>;
  options?: Record<string, boolean>;
}

export interface HelmSource {
  releaseName?: string;
  valueFiles?: string[];
  values?: string;
  valuesObject?: Record<string, unknown>;
  parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
  namespace?: string;
  skipCrds?: boolean;
  /**
   * Sluice's own, never in a CR: in the spec a workflow holds, the digest of the values above, which stay in the
   * Application (domain/application/helm-values.ts). Activities put them back before rendering.
   */
  valuesDigest?: string;
}

export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

export interface RetryStrategy {
  limit?: number;
  backoff?: { duration?: string; factor?: number; maxDuration?: string };
  refresh?: boolean;
}

export interface ApprovalPolicy {
  required?: boolean;
  /** Users or groups allowed to decide; `group:name` names a group. */
  approvers?: string[];
  /** How long a request stays open, as a duration ("1h", "30m"). */
  timeout?: string;
  /** Separation of duties: nobody approves a sync of commits they authored (matched by domain/operation/approval.ts). */
  separationOfDuties?: boolean;
  /** Commit author email → the Kubernetes user name that person approves as, where the two differ. */
  authorIdentities?: Record<string, string>;
}

export interface SyncPolicy {
  automated?: { prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean };
  syncOptions?: string[];
  retry?: RetryStrategy;
  approval?: ApprovalPolicy;
  /**
   * Sluice's own: how long each sync step may wait for its resources to turn Healthy before the sync fails naming
   * the one still waiting (a duration, default 15m; a Job hook's activeDeadlineSeconds takes precedence).
   */
  stepTimeout?: string;
}

export interface ResourceIgnoreDifferences {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

export interface ApplicationSpec {
  project?: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  ignoreDifferences?: ResourceIgnoreDifferences[];
  revisionHistoryLimit?: number;
}

export interface ApplicationMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  generation?: number;
  resourceVersion?: string;
  uid?: string;
}

export interface Application {
  apiVersion: string;
  kind: 'Application';
  metadata: ApplicationMetadata;
  spec: ApplicationSpec;
  status?: Record<string, unknown>;
}
