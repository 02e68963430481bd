// AppProject enforcement (domain/project/project.ts decides): an Application's project is read from the control
// namespace (through the worker's watch cache), checked before anything is rendered (project, namespace, repo,
// destination), again on the rendered objects before anything is applied (kinds, namespaces), and on what a
// prune may delete. A violation is an InputError: a condition on the app, never retried, nothing applied.
import { APPLICATION_VERSION, ApplicationSpec } from '../domain/application/types';
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER } from '../domain/cluster/clusters';
import { InputError } from '../domain/errors';
import { AppRef } from '../domain/operation/types';
import {
  applicationViolations, AppProject, AppProjectSpec, Destination, describeViolations, impersonation, ProjectViolation, resourceViolation, resourceViolations,
} from '../domain/project/project';
import { keyOf } from '../domain/resource/identity';
import { KubeObject } from '../domain/resource/types';
import { Engine } from './engine';

export const DEFAULT_PROJECT = 'default';

export class ProjectViolationError extends InputError {
  constructor(readonly violations: ProjectViolation[]) {
    super(describeViolations(violations), { field: violations[0]?.field === 'spec.project' ? 'spec.project' : undefined });
  }
}

/** The destination as a project matches it: the in-cluster name and server stand for each other. */
export function projectDestination(destination: ApplicationSpec['destination']): Destination {
  const server = destination.server?.replace(/\/+$/, '') || (destination.name === IN_CLUSTER_NAME ? IN_CLUSTER_SERVER : undefined);
  const name = destination.name || (server === IN_CLUSTER_SERVER ? IN_CLUSTER_NAME : undefined);
  return { server, name, namespace: destination.namespace ?? '' };
}

export async function readProject(engine: Engine, app: AppRef, spec: ApplicationSpec): Promise<{ name: string; project?: AppProject }> {
  const name = spec.project || DEFAULT_PROJECT;
  const obj = await engine.secrets.get(`${app.group}/${APPLICATION_VERSION}`, 'AppProject', engine.controlNamespace, name);
  return { name, project: obj ? { name, spec: ((obj as unknown as { spec?: AppProjectSpec }).spec ?? {}) } : undefined };
}

export interface ProjectGrant {
  project: AppProject;
  /** The user applies act as, when the project names a ServiceAccount for this destination. */
  actAs?: string;
}

/** Checks the Application against its project before anything is rendered; throws ProjectViolationError. */
export async function admitApplication(engine: Engine, app: AppRef, spec: ApplicationSpec): Promise<ProjectGrant> {
  const { name, project } = await readProject(engine, app, spec);
  const repoURLs = [spec.source, ...(spec.sources ?? [])].filter((s) => !!s?.repoURL).map((s) => s!.repoURL);
  const destination = projectDestination(spec.destination);
  const violations = applicationViolations({ projectName: name, project, appNamespace: app.namespace, controlNamespace: engine.controlNamespace, repoURLs, destination });
  if (violations.length > 0 || !project) throw new ProjectViolationError(violations);
  const acting = impersonation(project, destination, app.namespace);
  if (acting.violation) throw new ProjectViolationError([acting.violation]);
  return { project, actAs: acting.user };
}

/** The engine that acts for the app on its destination: `target` itself, or it impersonating the project's account. */
export function actingEngine(target: Engine, grant: ProjectGrant): Engine {
  return grant.actAs ? target.impersonating(grant.actAs) : target;
}

/** The engine a sync acts through: its destination cluster's, as the project's account when it names one. */
export async function syncEngine(control: Engine, app: AppRef, spec: ApplicationSpec): Promise<Engine> {
  return actingEngine(await control.forDestination(spec.destination), await admitApplication(control, app, spec));
}

const refOf = (obj: KubeObject) => {
  const key = keyOf(obj);
  return { group: key.group, kind: key.kind, namespace: key.namespace || undefined, name: key.name };
};

/** Refuses rendered objects (resources and hooks) the project does not permit; throws ProjectViolationError. */
export function admitObjects(grant: ProjectGrant, spec: ApplicationSpec, objects: KubeObject[]): void {
  const violations = resourceViolations(grant.project, projectDestination(spec.destination), objects.map(refOf));
  if (violations.length > 0) throw new ProjectViolationError(violations);
}

/** What a prune may delete: tracked objects the project still permits. The rest is left where it is. */
export function prunable(grant: ProjectGrant, spec: ApplicationSpec, objects: KubeObject[]): KubeObject[] {
  const destination = projectDestination(spec.destination);
  return objects.filter((obj) => !resourceViolation(grant.project, destination, refOf(obj)));
}
