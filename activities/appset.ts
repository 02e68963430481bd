// One reconcile of an ApplicationSet: read it, load what its generators read (registered clusters, git trees at
// the resolved revisions), generate and render its Applications, plan against the Applications in its namespace
// (domain/appset/plan.ts), make the changes, and write the set's status. Nothing is applied unless every
// Application rendered: a set that cannot be generated in full keeps its Applications as they were.
import { AppGroup } from '../domain/operation/types';
import { InputError } from '../domain/errors';
import { statusPatch } from '../domain/application/status-write';
import { GeneratorCluster, GeneratorInputs, ApplicationSet, Params } from '../domain/appset/types';
import { generateParams, validateApplicationSetSpec } from '../domain/appset/generators';
import { renderApplication, renderNestedValue } from '../domain/appset/template';
import { AppObject, APPSET_FIELD_MANAGER, controllingSet, mergePatch, metadataMapPatch, ownerReference, planApplications, SetPlan } from '../domain/appset/plan';
import { setStatus } from '../domain/appset/status';
import { assignSteps } from '../domain/appset/rollout';
import { promotionTarget } from '../domain/appset/promotion';
import { RESOURCE_FINALIZERS } from '../domain/operation/types';
import { repoCredentials } from './cluster/credentials';
import { KubeApiError, KubeClient } from './cluster/kube-client';
import { Engine } from './engine';
import { normaliseRepoURL } from './git/repository';

export interface SetRef {
  group: AppGroup;
  namespace: string;
  name: string;
}

export interface SetReconcileResult {
  /** False when the set is gone: its workflow ends (its Applications go with it, by their ownerReference). */
  found: boolean;
  applications: string[];
  /** The git generators' repositories, for webhooks; and the commit each was read at. */
  revisions: Record<string, string>;
  /** Other sets whose Applications this set also generates: told so they report the conflict too. */
  conflictsWith: string[];
  /** RollingSync: the commit to promote, when one of the stepped apps is not yet Synced and Healthy there. */
  promotionTarget?: string;
  /** The shortest requeueAfterSeconds of its git generators, if any set one. */
  requeueAfterSeconds?: number;
  error?: string;
}

/** The path of the set's namespace's `applicationsets` or `applications` collection, or of one of them (`name`). */
function resourcePath(ref: SetRef, plural: 'applicationsets' | 'applications', name?: string, sub = ''): string {
  return `/apis/${ref.group}/v1alpha1/namespaces/${encodeURIComponent(ref.namespace)}/${plural}${name ? `/${encodeURIComponent(name)}${sub}` : ''}`;
}
export const setPath = (ref: SetRef, sub = '') => resourcePath(ref, 'applicationsets', ref.name, sub);
const appPath = (ref: SetRef, name?: string) => resourcePath(ref, 'applications', name);

/** The Applications in the set's namespace that the set controls (its ownerReference, by uid). */
export async function ownedApplications(client: KubeClient, ref: SetRef, set: ApplicationSet): Promise<AppObject[]> {
  const all = (await client.request<{ items: AppObject[] }>('GET', appPath(ref))).items;
  return all.map((a) => ({ ...a, apiVersion: set.apiVersion, kind: 'Application' as const })).filter((a) => controllingSet(a)?.uid === set.metadata.uid);
}

/** A git tree or file the evaluation asked for that is not loaded yet; the loader fetches it and evaluation reruns. */
class NotLoaded extends Error {
  constructor(readonly url: string, readonly revision: string, readonly file?: string) {
    super(`not loaded: ${url}@${revision}${file ? `:${file}` : ''}`);
  }
}

/** Git trees read through the repo cache (no checkout), one per (repo, revision) per reconcile. */
class GitSnapshots {
  private readonly trees = new Map<string, { sha: string; dirs: string[]; files: string[] }>();
  private readonly texts = new Map<string, string>();
  constructor(private readonly engine: Engine) {}

  private key = (url: string, revision: string) => `${normaliseRepoURL(url)}@${revision}`;

  revisions(): Record<string, string> {
    return Object.fromEntries([...this.trees].map(([key, t]) => [key, t.sha]));
  }

  inputs(clusters: GeneratorCluster[]): GeneratorInputs {
    const tree = (url: string, revision: string) => {
      const found = this.trees.get(this.key(url, revision));
      if (!found) throw new NotLoaded(url, revision);
      return found;
    };
    return {
      clusters,
      gitDirectories: (url, revision) => tree(url, revision).dirs,
      gitFiles: (url, revision) => tree(url, revision).files,
      readGitFile: (url, revision, file) => {
        const text = this.texts.get(`${this.key(url, revision)}:${file}`);
        if (text === undefined) throw new NotLoaded(url, revision, file);
        return text;
      },
    };
  }

  async load(missing: NotLoaded): Promise<void> {
    const key = this.key(missing.url, missing.revision);
    const credentials = () => repoCredentials(this.engine.secrets, missing.url, this.engine.controlNamespace);
    if (!this.trees.has(key)) {
      const resolved = await this.engine.repos.resolve(missing.url, missing.revision === 'HEAD' ? undefined : missing.revision, await credentials());
      const reader = await this.engine.repos.at(missing.url, resolved.sha, credentials);
      const dirs: string[] = [];
      const files: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        const { entries } = await reader.tree(dir);
        for (const entry of entries) {
          const full = dir ? `${dir}/${entry.path}` : entry.path;
          if (entry.type === 'tree') {
            dirs.push(full);
            await walk(full);
          } else if (entry.type === 'blob') files.push(full);
        }
      };
      await walk('');
      this.trees.set(key, { sha: resolved.sha, dirs, files });
    }
    if (missing.file !== undefined) {
      const { sha } = this.trees.get(key)!;
      const reader = await this.engine.repos.at(missing.url, sha, credentials);
      this.texts.set(`${key}:${missing.file}`, await reader.text(missing.file));
    }
  }
}

/** Generates and renders every Application of the set, loading git trees and files as the generators ask. */
async function generate(engine: Engine, set: ApplicationSet, owner: ReturnType<typeof ownerReference>): Promise<{ desired: AppObject[]; revisions: Record<string, string> }> {
  validateApplicationSetSpec(set.spec);
  const registry = await engine.clusters.registry();
  const clusters: GeneratorCluster[] = registry.clusters.map((c) => ({ name: c.name, server: c.server, labels: c.labels, annotations: c.annotations ?? {}, project: c.project, secret: c.secret }));
  const snapshots = new GitSnapshots(engine);
  const goTemplate = set.spec.goTemplate === true;
  const nested = (value: unknown, params: Params) => renderNestedValue(value, params, set.spec);
  for (let attempt = 0; ; attempt++) {
    try {
      const generated = generateParams(set.spec.generators, snapshots.inputs(clusters), { goTemplate, renderNested: nested });
      const desired = generated.map(({ params, template }) => {
        const rendered = renderApplication(set.spec, params, template);
        return {
          apiVersion: set.apiVersion, kind: 'Application' as const,
          metadata: { ...rendered.metadata, namespace: set.metadata.namespace, ownerReferences: [owner] },
          spec: rendered.spec as unknown as Record<string, unknown>,
        };
      });
      return { desired: rollingSync(set, desired), revisions: snapshots.revisions() };
    } catch (error) {
      // Each pass loads one more tree or file; a set reads few, so the bound only stops a runaway.
      if (!(error instanceof NotLoaded) || attempt > 10_000) throw error;
      await snapshots.load(error);
    }
  }
}

/**
 * A RollingSync set syncs its apps itself, step by step (workflows/promotion.ts), so their own automated sync is
 * off, as Argo CD turns it off. The apps of a step with `approval` carry it as their approval policy (approvers,
 * timeout), which the gate of the syncs the promotion asks for uses.
 */
function rollingSync(set: ApplicationSet, desired: AppObject[]): AppObject[] {
  const steps = set.spec.strategy?.type === 'RollingSync' ? set.spec.strategy.rollingSync?.steps ?? [] : [];
  if (!steps.length) return desired;
  const assigned = assignSteps(steps, desired.map((a) => ({ name: a.metadata.name, labels: a.metadata.labels ?? {} }))).steps;
  return desired.map((app) => {
    const step = assigned.findIndex((names) => names.includes(app.metadata.name));
    const syncPolicy = { ...((app.spec.syncPolicy ?? {}) as Record<string, unknown>) };
    delete syncPolicy.automated;
    const approval = step >= 0 ? steps[step].approval : undefined;
    if (approval) syncPolicy.approval = { ...(syncPolicy.approval as object | undefined), ...approval };
    return { ...app, spec: { ...app.spec, syncPolicy } };
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Applies the plan; returns one message per write that failed (naming the Application). */
async function execute(client: KubeClient, ref: SetRef, plan: SetPlan, existing: Map<string, AppObject>): Promise<{ errors: string[]; conflicts: SetPlan['conflicts'] }> {
  const errors: string[] = [];
  const conflicts: SetPlan['conflicts'] = [];
  const query = { fieldManager: APPSET_FIELD_MANAGER };
  for (const app of plan.create) {
    try {
      await client.request('POST', appPath(ref), { query, body: app });
    } catch (error) {
      // Created by someone else since the list: theirs, so a conflict rather than an overwrite.
      if (error instanceof KubeApiError && error.code === 409) conflicts.push({ application: app.metadata.name, message: `Application ${app.metadata.name} was created by someone else meanwhile; it is left as it is` });
      else errors.push(`Application ${app.metadata.name}: create: ${describe(error)}`);
    }
  }
  for (const app of plan.update) {
    const current = existing.get(app.metadata.name)!;
    const patch = {
      metadata: {
        resourceVersion: (current.metadata as { resourceVersion?: string }).resourceVersion,
        labels: metadataMapPatch(current, app, 'labels'),
        annotations: metadataMapPatch(current, app, 'annotations'),
        finalizers: [...new Set([...(current.metadata.finalizers ?? []), ...(app.metadata.finalizers ?? [])])],
      },
      spec: mergePatch(current.spec, app.spec),
    };
    try {
      await client.request('PATCH', appPath(ref, app.metadata.name), { query, body: patch, contentType: 'application/merge-patch+json' });
    } catch (error) {
      errors.push(`Application ${app.metadata.name}: update: ${describe(error)}`);
    }
  }
  for (const name of plan.delete) {
    try {
      if (plan.stripFinalizers.includes(name)) {
        const finalizers = (existing.get(name)!.metadata.finalizers ?? []).filter((f) => !RESOURCE_FINALIZERS.includes(f));
        await client.request('PATCH', appPath(ref, name), { body: { metadata: { finalizers } }, contentType: 'application/merge-patch+json' });
      }
      await client.request('DELETE', appPath(ref, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.code === 404)) errors.push(`Application ${name}: delete: ${describe(error)}`);
    }
  }
  return { errors, conflicts };
}

export async function reconcileApplicationSet(engine: Engine, ref: SetRef): Promise<SetReconcileResult> {
  const client = engine.client;
  let set: ApplicationSet;
  try {
    set = await client.request<ApplicationSet>('GET', setPath(ref));
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return { found: false, applications: [], revisions: {}, conflictsWith: [] };
    throw error;
  }
  if ((set.metadata as { deletionTimestamp?: string }).deletionTimestamp) return { found: false, applications: [], revisions: {}, conflictsWith: [] };
  const identity = { apiVersion: set.apiVersion, name: set.metadata.name, namespace: ref.namespace, uid: set.metadata.uid! };
  const owner = ownerReference(identity);
  const listApps = async () => (await client.request<{ items: AppObject[] }>('GET', appPath(ref))).items.map((a) => ({ ...a, apiVersion: set.apiVersion, kind: 'Application' as const }));

  let generationError: string | undefined;
  let plan: SetPlan | undefined;
  let revisions: Record<string, string> = {};
  let applyErrors: string[] = [];
  let existing = await listApps();
  try {
    const generated = await generate(engine, set, owner);
    revisions = generated.revisions;
    plan = planApplications(identity, generated.desired, existing, { policy: set.spec.syncPolicy?.applicationsSync, preserveResourcesOnDeletion: set.spec.syncPolicy?.preserveResourcesOnDeletion });
    const done = await execute(client, ref, plan, new Map(existing.map((a) => [a.metadata.name, a])));
    applyErrors = done.errors;
    plan.conflicts.push(...done.conflicts);
    if (plan.create.length || plan.update.length || plan.delete.length) existing = await listApps();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    generationError = error.message;
  }
  // Conflicts other sets found on this set's Applications, from their status: both sides report a shared name.
  const sets = (await client.request<{ items: ApplicationSet[] }>('GET', resourcePath(ref, 'applicationsets'))).items;
  const owned = existing.filter((a) => controllingSet(a)?.uid === identity.uid);
  const ownedNames = new Set(owned.map((a) => a.metadata.name));
  const reportedByOthers = sets
    .filter((s) => s.metadata.name !== set.metadata.name)
    .flatMap((s) => ((s.status?.conflicts ?? []) as SetPlan['conflicts']).filter((c) => ownedNames.has(c.application) && c.ownedBy === set.metadata.name)
      .map((c) => ({ application: c.application, ownedBy: set.metadata.name, message: `ApplicationSet ${s.metadata.name} generates ${c.application} too; it stays with ${set.metadata.name}` })));
  const next = setStatus({ generationError, plan, applyErrors, owned, reportedByOthers });
  const patch = statusPatch(set.status, next as unknown as Record<string, unknown>, new Date());
  if (patch) await client.request('PATCH', setPath(ref, '/status'), { body: { status: patch }, contentType: 'application/merge-patch+json' });
  const requeues = set.spec.generators.flatMap(function requeue(g): number[] {
    return [g.git?.requeueAfterSeconds, ...(g.matrix?.generators ?? []).flatMap(requeue), ...(g.merge?.generators ?? []).flatMap(requeue)].filter((n): n is number => typeof n === 'number' && n > 0);
  });
  const steps = set.spec.strategy?.type === 'RollingSync' ? set.spec.strategy.rollingSync?.steps ?? [] : [];
  const stepped = steps.length ? new Set(assignSteps(steps, owned.map((a) => ({ name: a.metadata.name, labels: a.metadata.labels ?? {} }))).steps.flat()) : new Set<string>();
  const promotion = steps.length ? promotionTarget(owned.filter((a) => stepped.has(a.metadata.name)).map((a) => {
    const st = (a.status ?? {}) as { sync?: { status?: string; revision?: string }; health?: { status?: string } };
    return { name: a.metadata.name, revision: st.sync?.revision, syncStatus: st.sync?.status, health: st.health?.status };
  })) : undefined;
  return {
    found: true,
    ...(promotion ? { promotionTarget: promotion } : {}),
    applications: [...ownedNames].sort(),
    revisions,
    conflictsWith: [...new Set((plan?.conflicts ?? []).map((c) => c.ownedBy).filter((n): n is string => !!n))],
    ...(requeues.length ? { requeueAfterSeconds: Math.min(...requeues) } : {}),
    ...(generationError ? { error: generationError } : {}),
  };
}
