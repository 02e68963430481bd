// AppProjects: what an Application may deploy, from where, to where, and as whom. Argo CD's semantics
// (pkg/apis/application/v1alpha1/app_project_types.go and controller/sync.go's impersonation), as pure checks:
// - sourceRepos: globs over normalised URLs, '/' a separator; `!p` denies. Permitted when one pattern matches
//   and no `!` pattern matches the URL.
// - destinations: server or name, and namespace, globs without separators; `!` denies the same way.
// - kinds: namespaced kinds are allowed unless namespaceResourceWhitelist is set and misses them, or the
//   blacklist has them; cluster-scoped kinds only when clusterResourceWhitelist has them (empty denies all) and
//   the blacklist does not. Group and kind are globs; a namespaced object's namespace must be a permitted
//   destination too (an app cannot write into a namespace its project does not grant by naming it).
// - sourceNamespaces: an Application outside the control namespace may use the project only if its namespace
//   matches one of them.
// - destinationServiceAccounts: the first entry matching the destination names the ServiceAccount every apply,
//   prune and dry-run impersonates ("ns:sa", or "sa" in the destination namespace).
// Every violation names the project, the field and the value it refused.
import { normaliseRepoURL } from '../repo-url';
import { globMatches, globMatchesAllowingNegation, isDenyPattern } from './glob';

export interface GroupKindPattern {
  group?: string;
  kind?: string;
}

export interface ProjectDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

export interface DestinationServiceAccount {
  server?: string;
  namespace?: string;
  defaultServiceAccount?: string;
}

export interface AppProjectSpec {
  description?: string;
  sourceRepos?: string[];
  destinations?: ProjectDestination[];
  clusterResourceWhitelist?: GroupKindPattern[];
  clusterResourceBlacklist?: GroupKindPattern[];
  namespaceResourceWhitelist?: GroupKindPattern[];
  namespaceResourceBlacklist?: GroupKindPattern[];
  sourceNamespaces?: string[];
  destinationServiceAccounts?: DestinationServiceAccount[];
}

export interface AppProject {
  name: string;
  spec: AppProjectSpec;
}

export interface ProjectViolation {
  project: string;
  /** The AppProject field that refused, e.g. `sourceRepos` or `clusterResourceWhitelist`. */
  field: string;
  /** What was refused: a repo URL, a destination, a namespace, or a resource. */
  value: string;
  message: string;
}

export interface Destination {
  server?: string;
  name?: string;
  namespace?: string;
}

const violation = (project: string, field: string, value: string, what: string): ProjectViolation => ({
  project, field, value, message: `project ${JSON.stringify(project)}: ${what} ${JSON.stringify(value)} is not permitted by ${field}`,
});

export function isSourcePermitted(spec: AppProjectSpec, repoURL: string): boolean {
  const url = normaliseRepoURL(repoURL);
  let matched = false;
  for (const pattern of spec.sourceRepos ?? []) {
    const normalised = isDenyPattern(pattern) ? `!${normaliseRepoURL(pattern.slice(1))}` : normaliseRepoURL(pattern);
    if (globMatchesAllowingNegation(normalised, url, '/')) matched = true;
    else if (isDenyPattern(normalised)) return false;
  }
  return matched;
}

export function isDestinationPermitted(spec: AppProjectSpec, destination: Destination): boolean {
  const namespace = destination.namespace ?? '';
  let matched = false;
  let denied = false;
  for (const item of spec.destinations ?? []) {
    const nameMatched = !!destination.name && globMatchesAllowingNegation(item.name, destination.name);
    const serverMatched = !!destination.server && globMatchesAllowingNegation(item.server, destination.server);
    const namespaceMatched = globMatchesAllowingNegation(item.namespace, namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) matched = true;
    else if ((!nameMatched && isDenyPattern(item.name)) || (!serverMatched && isDenyPattern(item.server)) || (!namespaceMatched && isDenyPattern(item.namespace))) denied = true;
  }
  return matched && !denied;
}

const inList = (group: string, kind: string, list: GroupKindPattern[]) =>
  list.some((item) => globMatches(item.kind ?? '', kind) && globMatches(item.group ?? '', group));

/** Which list refuses a kind, or undefined when the project permits it. */
export function kindRefusedBy(spec: AppProjectSpec, group: string, kind: string, namespaced: boolean): string | undefined {
  if (namespaced) {
    const white = spec.namespaceResourceWhitelist;
    if (white !== undefined && !inList(group, kind, white)) return 'namespaceResourceWhitelist';
    if (inList(group, kind, spec.namespaceResourceBlacklist ?? [])) return 'namespaceResourceBlacklist';
    return undefined;
  }
  if (!inList(group, kind, spec.clusterResourceWhitelist ?? [])) return 'clusterResourceWhitelist';
  if (inList(group, kind, spec.clusterResourceBlacklist ?? [])) return 'clusterResourceBlacklist';
  return undefined;
}

/** Whether an Application in `appNamespace` may use this project (the control namespace always may). */
export function isAppNamespacePermitted(spec: AppProjectSpec, appNamespace: string, controlNamespace: string): boolean {
  if (appNamespace === controlNamespace) return true;
  return (spec.sourceNamespaces ?? []).some((pattern) => globMatches(pattern, appNamespace));
}

const describeDestination = (d: Destination) => `${d.server ?? d.name ?? ''}/${d.namespace ?? ''}`;

/**
 * What an Application's project refuses before anything is rendered: the project itself (it must exist), the
 * Application's namespace, its repositories and its destination. Empty when the app may go on.
 */
export function applicationViolations(input: {
  projectName: string;
  project: AppProject | undefined;
  appNamespace: string;
  controlNamespace: string;
  repoURLs: string[];
  destination: Destination;
}): ProjectViolation[] {
  const { projectName, project } = input;
  if (!project) {
    return [{ project: projectName, field: 'spec.project', value: projectName, message: `spec.project: AppProject ${JSON.stringify(projectName)} does not exist in namespace ${JSON.stringify(input.controlNamespace)}` }];
  }
  const out: ProjectViolation[] = [];
  if (!isAppNamespacePermitted(project.spec, input.appNamespace, input.controlNamespace)) out.push(violation(projectName, 'sourceNamespaces', input.appNamespace, 'Application namespace'));
  for (const url of input.repoURLs) if (!isSourcePermitted(project.spec, url)) out.push(violation(projectName, 'sourceRepos', url, 'repository'));
  if (!isDestinationPermitted(project.spec, input.destination)) out.push(violation(projectName, 'destinations', describeDestination(input.destination), 'destination'));
  return out;
}

export interface ResourceRef {
  group: string;
  kind: string;
  /** Set exactly on namespaced objects. */
  namespace?: string;
  name: string;
}

const describeResource = (r: ResourceRef) => `${r.group ? `${r.group}/` : ''}${r.kind}${r.namespace ? ` ${r.namespace}/` : ' '}${r.name}`;

/** Whether the project lets its apps apply, or prune, this object at this destination. */
export function resourceViolation(project: AppProject, destination: Destination, resource: ResourceRef): ProjectViolation | undefined {
  const namespaced = !!resource.namespace;
  const list = kindRefusedBy(project.spec, resource.group, resource.kind, namespaced);
  if (list) return violation(project.name, list, describeResource(resource), 'resource');
  if (namespaced && !isDestinationPermitted(project.spec, { server: destination.server, name: destination.name, namespace: resource.namespace })) {
    return violation(project.name, 'destinations', describeResource(resource), 'resource namespace of');
  }
  return undefined;
}

export function resourceViolations(project: AppProject, destination: Destination, resources: ResourceRef[]): ProjectViolation[] {
  return resources.map((r) => resourceViolation(project, destination, r)).filter((v): v is ProjectViolation => !!v);
}

/**
 * The identity applies run as: a ServiceAccount user name when the project lists destinationServiceAccounts (a
 * violation when none matches: the project asked for impersonation and named nobody for this destination), or
 * undefined for the worker's own identity when the project lists none.
 */
export function impersonation(project: AppProject, destination: Destination, appNamespace: string): { user?: string; violation?: ProjectViolation } {
  const entries = project.spec.destinationServiceAccounts ?? [];
  if (entries.length === 0) return {};
  const namespace = destination.namespace || appNamespace;
  for (const item of entries) {
    const serverMatched = globMatches(item.server, destination.server ?? '') || (!!destination.name && globMatches(item.server, destination.name));
    if (!serverMatched || !globMatches(item.namespace, destination.namespace ?? '')) continue;
    const account = (item.defaultServiceAccount ?? '').trim();
    if (!account || /\s/.test(account) || account.split(':').length > 2) {
      return { violation: violation(project.name, 'destinationServiceAccounts', account, 'defaultServiceAccount') };
    }
    return { user: `system:serviceaccount:${account.includes(':') ? account : `${namespace}:${account}`}` };
  }
  return { violation: { ...violation(project.name, 'destinationServiceAccounts', describeDestination(destination), 'destination'), message: `project ${JSON.stringify(project.name)}: no destinationServiceAccounts entry matches destination ${JSON.stringify(describeDestination(destination))}` } };
}

/** One line for a condition or a failed sync: the violations, joined. */
export function describeViolations(violations: ProjectViolation[], limit = 5): string {
  const shown = violations.slice(0, limit).map((v) => v.message);
  return violations.length > limit ? `${shown.join('; ')}; and ${violations.length - limit} more` : shown.join('; ');
}
