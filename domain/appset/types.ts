// The ApplicationSet resource, with Argo CD's field names (applicationset_types.go). sluice.dev/v1alpha1, and
// argoproj.io/v1alpha1 in compatibility mode. Generators produce parameter sets; the template turns each set into an
// Application. Fields Argo CD has and Sluice does not serve (scmProvider, pullRequest, clusterDecisionResource,
// plugin) are refused by validation with the field named, never silently ignored.
import { ApplicationSpec } from '../application/types';

export const APPLICATION_SET_KIND = 'ApplicationSet';

/** metav1.LabelSelector. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

export interface ApplicationSetTemplateMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/** Before rendering every string may hold `{{...}}`; after rendering it is an Application's metadata and spec. */
export interface ApplicationSetTemplate {
  metadata: ApplicationSetTemplateMeta;
  spec: ApplicationSpec;
}

export interface ListGenerator {
  elements?: Array<Record<string, unknown>>;
  /** A YAML or JSON list of elements, itself templated in a matrix; Argo CD's elementsYaml. */
  elementsYaml?: string;
  template?: Partial<ApplicationSetTemplate>;
}

export interface ClusterGenerator {
  selector?: LabelSelectorSpec;
  values?: Record<string, string>;
  template?: Partial<ApplicationSetTemplate>;
}

export interface GitPathItem {
  path: string;
  exclude?: boolean;
}

export interface GitGenerator {
  repoURL: string;
  revision?: string;
  directories?: GitPathItem[];
  files?: GitPathItem[];
  pathParamPrefix?: string;
  values?: Record<string, string>;
  requeueAfterSeconds?: number;
  template?: Partial<ApplicationSetTemplate>;
}

/** A child of matrix or merge: the same generators, one level down (Argo CD's ApplicationSetNestedGenerator). */
export interface ApplicationSetGenerator {
  list?: ListGenerator;
  clusters?: ClusterGenerator;
  git?: GitGenerator;
  matrix?: MatrixGenerator;
  merge?: MergeGenerator;
  /** Post-filter on the generated parameters (flattened keys), as Argo CD's generator-level selector. */
  selector?: LabelSelectorSpec;
}

export interface MatrixGenerator {
  generators: ApplicationSetGenerator[];
  template?: Partial<ApplicationSetTemplate>;
}

export interface MergeGenerator {
  generators: ApplicationSetGenerator[];
  mergeKeys: string[];
  template?: Partial<ApplicationSetTemplate>;
}

export type ApplicationsSyncPolicy = 'create-only' | 'create-update' | 'create-delete' | 'sync';

export interface ApplicationSetSyncPolicy {
  preserveResourcesOnDeletion?: boolean;
  applicationsSync?: ApplicationsSyncPolicy;
}

export interface ApplicationMatchExpression {
  key: string;
  operator: 'In' | 'NotIn';
  values: string[];
}

export interface RollingSyncStep {
  matchExpressions: ApplicationMatchExpression[];
  /** How many of the step's apps sync at once: a count or a percentage ("50%"). */
  maxUpdate?: number | string;
  /** Sluice's extension: the step waits for a named approver, as an Application's syncPolicy.approval. */
  approval?: { approvers?: string[]; timeout?: string };
}

export interface ApplicationSetStrategy {
  type?: 'AllAtOnce' | 'RollingSync';
  rollingSync?: { steps: RollingSyncStep[] };
}

export interface ApplicationSetSpec {
  goTemplate?: boolean;
  /** e.g. ["missingkey=error"]. */
  goTemplateOptions?: string[];
  generators: ApplicationSetGenerator[];
  template: ApplicationSetTemplate;
  /** A template, rendered with the same parameters, whose YAML is merged onto the rendered Application. */
  templatePatch?: string;
  syncPolicy?: ApplicationSetSyncPolicy;
  strategy?: ApplicationSetStrategy;
}

export interface ApplicationSet {
  apiVersion: string;
  kind: typeof APPLICATION_SET_KIND;
  metadata: { name: string; namespace?: string; uid?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: ApplicationSetSpec;
  status?: Record<string, unknown>;
}

/**
 * One generated parameter set. With the default template the keys are flattened (`metadata.labels.env`,
 * `path.basename`); with goTemplate they are nested objects (`.metadata.labels.env`, `.path.basename`).
 */
export type Params = Record<string, unknown>;

/** A registered cluster as the clusters generator sees it (credentials are not part of it). */
export interface GeneratorCluster {
  name: string;
  server: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The Secret's `data.project`, when the cluster is scoped to a project. */
  project?: string;
  /**
   * `namespace/name` of the cluster Secret; undefined for the built-in in-cluster entry, which Argo CD leaves out
   * when the generator has a non-empty selector (it has no Secret, so no labels to match).
   */
  secret?: string;
}

/**
 * What generators read from the outside world, loaded by an activity before the pure evaluation. Git lookups are
 * by (repoURL, revision); an activity resolves them from one checkout per commit.
 */
export interface GeneratorInputs {
  clusters: GeneratorCluster[];
  /** Every directory path in the tree at that revision, relative to the repo root, '/'-separated, no leading './'. */
  gitDirectories(repoURL: string, revision: string): string[];
  /** Every file path in the tree at that revision. */
  gitFiles(repoURL: string, revision: string): string[];
  /** The content of one file at that revision. */
  readGitFile(repoURL: string, revision: string, path: string): string;
}
