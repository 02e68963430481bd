// Refresh: read the Application, resolve its revision, render, diff against the cluster and probe health,
// then write sync status, health, resources and conditions to the CR. Errors in the app's own input
// (bad spec, unreachable repo, unknown revision, bad manifests) become conditions, not activity failures.
import { ApplicationSpec } from '../domain/application/types';
import { validateApplication } from '../domain/application/validate';
import { InputError } from '../domain/errors';
import { subscribedTriggers } from '../domain/notifications';
import { applicationHealth, EMPTY_SOURCE_MESSAGE } from '../domain/health/application';
import { keyOf, subjectOf } from '../domain/resource/identity';
import { AppRef, KindRef, RefreshResult } from '../domain/operation/types';
import { isManagedResource } from '../domain/plan/plan';
import { probeHealth } from './cluster/health';
import { KubeApiError, KubeClient } from './cluster/kube-client';
import { describeClusterError, DestinationError } from './cluster/cluster-clients';
import { Engine } from './engine';
import { patchStatusWithin, readApplication } from './application-resource';
import { boundStatusResources, REFUSED_WRITE_BOUND } from '../domain/application/status-bounds';
import { specForWorkflow } from './helm-values';
import { statusPatch } from '../domain/application/status-write';
import { metrics, recordAppStatus, timed } from './metrics';
import { countRequests } from './request-count';
import { activityLog } from './log';
import { actingEngine, admitApplication, admitObjects, ProjectGrant, ProjectViolationError } from './project';

function condition(type: string, message: string) {
  return { type, message, lastTransitionTime: new Date().toISOString() };
}

/** The kinds the app's status.resources lists: where its orphans are looked for (the CLI's diff, too). */
export function previousKinds(status: Record<string, unknown> | undefined): KindRef[] {
  const resources = (status?.resources as Array<{ group?: string; version?: string; kind: string }> | undefined) ?? [];
  return resources.filter((r) => r.version).map((r) => ({ apiVersion: r.group ? `${r.group}/${r.version}` : r.version!, kind: r.kind }));
}

/** Writes the refresh's fields only when they differ from the CR's (see domain/application/status-write). */
async function writeStatus(client: KubeClient, app: AppRef, current: Record<string, unknown> | undefined, next: Record<string, unknown>): Promise<void> {
  const patch = statusPatch(current, next, new Date());
  // Refused for its size (status.operationState may be large too, written by an older worker): a shorter list.
  if (patch) {
    await patchStatusWithin(client, app, patch, async () => {
      const resources = boundStatusResources((patch.resources as Array<{ kind: string }> | undefined) ?? [], REFUSED_WRITE_BOUND);
      return Array.isArray(patch.resources) ? { ...patch, resources: resources.items } : patch;
    });
  }
}


/**
 * Errors that describe the app's input rather than a passing fault: reported, not retried. Classified by
 * type (every input error extends InputError), never by name. An unreachable repo is one too: the next
 * refresh tries again anyway. So is a 403: the app's destination is one its worker may not touch.
 */
export function isInputError(error: unknown): error is Error {
  return error instanceof InputError || (error instanceof KubeApiError && error.code === 403);
}

/** The condition's message: the app, then the error (which names its file), then the field unless it says it. */
export function describeInputError(app: AppRef, error: Error): string {
  const field = error instanceof InputError ? error.field : undefined;
  const where = field && !error.message.includes(field) ? ` (field ${field})` : '';
  return `Application ${app.namespace}/${app.name}: ${error.message}${where}`;
}

/**
 * `syncError` is the SyncError condition the app workflow holds standing (its last sync was refused by the API
 * server: domain/operation/forbidden.ts); every status write of this refresh keeps it among the conditions.
 */
export async function refreshApplication(engine: Engine, app: AppRef, revisions: string[] = [], syncError?: string): Promise<RefreshResult> {
  const started = Date.now();
  const { result, requests } = await countRequests(() => timed(metrics.reconcileDuration, {}, () => refresh(engine, app, syncError)));
  const kubeRequests = Object.values(requests).reduce((a, b) => a + b, 0);
  metrics.refreshKubeRequests.observe(kubeRequests);
  if (result.spec && revisions.length > 0) result.resolved = await resolveRevisions(engine, result.spec, revisions);
  const log = activityLog({ app, revision: result.revision });
  if (!result.exists) log.info('refreshed: the Application no longer exists');
  else if (result.invalid || result.comparisonError) log.warn({ syncStatus: result.syncStatus, problem: result.invalid ?? result.comparisonError, durationMs: Date.now() - started }, 'refreshed: cannot compare');
  else log.info({ syncStatus: result.syncStatus, health: result.health, resources: result.desiredCount, durationMs: Date.now() - started, kubeRequests: requests }, 'refreshed');
  if (result.exists) recordAppStatus({ name: app.name, namespace: app.namespace, project: result.project ?? 'default', sync_status: result.syncStatus, health_status: result.health });
  // The spec goes into workflow history: its Helm values stay in the CR, a digest stands for them.
  return result.spec ? { ...result, spec: specForWorkflow(result.spec) } : result;
}

/** The explicit revisions of manual syncs and rollbacks, each resolved to a commit or given the reason it cannot be. */
async function resolveRevisions(engine: Engine, spec: ApplicationSpec, revisions: string[]): Promise<NonNullable<RefreshResult['resolved']>> {
  const resolved: NonNullable<RefreshResult['resolved']> = {};
  for (const revision of revisions) {
    try {
      resolved[revision] = { sha: (await engine.resolve(spec, revision)).sha };
    } catch (error) {
      if (!isInputError(error)) throw error;
      resolved[revision] = { error: (error as Error).message };
    }
  }
  return resolved;
}

async function refresh(engine: Engine, app: AppRef, syncError: string | undefined): Promise<RefreshResult> {
  const cr = await readApplication(engine.client, app);
  const empty: RefreshResult = { exists: false, syncStatus: 'Unknown', health: 'Unknown', managedKinds: [] };
  if (!cr) return empty;
  const standing = syncError ? [condition('SyncError', `Application ${app.namespace}/${app.name}: ${syncError}`)] : [];
  const write = (next: Record<string, unknown> & { conditions: unknown[] }) => writeStatus(engine.client, app, cr.status, { ...next, conditions: [...next.conditions, ...standing] });
  const base = { exists: true, uid: cr.metadata.uid, generation: cr.metadata.generation, project: cr.spec?.project, subscribed: subscribedTriggers(cr.metadata.annotations), deleting: !!(cr.metadata as { deletionTimestamp?: string }).deletionTimestamp, finalizers: cr.metadata.finalizers ?? [] };
  const known = previousKinds(cr.status);
  const problems = validateApplication(cr);
  if (problems.length > 0) {
    const unsupported = problems.some((p) => p.reason === 'UnsupportedSource');
    const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    await write({
      sync: { status: 'Unknown' },
      conditions: [condition(unsupported ? 'UnsupportedSource' : 'InvalidSpecError', `Application ${app.namespace}/${app.name}: ${message}`)],
    });
    return { ...base, ...empty, exists: true, invalid: message, managedKinds: known };
  }
  const spec = cr.spec;
  // The project first: an app its project does not admit is neither rendered nor compared.
  let grant: ProjectGrant;
  try {
    grant = await admitApplication(engine, app, spec);
  } catch (error) {
    if (!(error instanceof ProjectViolationError)) throw error;
    const message = `Application ${app.namespace}/${app.name}: ${error.message}`;
    await write({ sync: { status: 'Unknown' }, conditions: [condition('InvalidSpecError', message)] });
    return { ...base, ...empty, exists: true, invalid: message, managedKinds: known };
  }
  let cluster: Engine;
  try {
    cluster = await engine.forDestination(spec.destination);
  } catch (error) {
    if (!(error instanceof DestinationError)) throw error;
    // Never deployed anywhere else by mistake: a destination that names no usable cluster is reported, naming it.
    const message = `Application ${app.namespace}/${app.name}: ${error.field}: ${error.message}`;
    await write({ sync: { status: 'Unknown' }, conditions: [condition('InvalidDestination', message)] });
    return { ...base, ...empty, exists: true, invalid: message, managedKinds: known };
  }
  const target = actingEngine(cluster, grant);
  try {
    const diff = await target.compare(app, spec, known);
    const managed = diff.state.objects.filter(isManagedResource);
    const health = await probeHealth(target.live, managed);
    const diffBySubject = new Map(diff.resources.map((r) => [r.subject, r]));
    const healthBySubject = new Map(health.resources.map((r) => [r.subject, r]));
    const resources = managed.map((obj) => {
      const key = keyOf(obj);
      const subject = subjectOf(key);
      const h = healthBySubject.get(subject);
      return {
        group: key.group, version: obj.apiVersion.split('/').pop(), kind: key.kind, namespace: key.namespace, name: key.name,
        status: diffBySubject.get(subject)?.status ?? 'Unknown',
        health: h ? { status: h.status, ...(h.message ? { message: h.message } : {}) } : undefined,
      };
    });
    // Orphans keep their group and version, so the next refresh still searches their kind.
    const orphans = diff.orphans.map((obj) => {
      const key = keyOf(obj);
      return { group: key.group, version: obj.apiVersion.split('/').pop(), kind: key.kind, namespace: key.namespace, name: key.name, status: 'OutOfSync', requiresPruning: true };
    });
    const allowEmpty = !!spec.syncPolicy?.automated?.allowEmpty;
    const { status: appHealth, message: healthMessage } = applicationHealth({ resources: health.resources, rendered: diff.state.objects.length, allowEmpty });
    const empty = diff.state.objects.length === 0 && !allowEmpty;
    // Rendered objects the project does not permit: reported, and no sync starts (nothing would be applied).
    const refused = (() => {
      try {
        admitObjects(grant, spec, diff.state.objects);
        return undefined;
      } catch (error) {
        if (!(error instanceof ProjectViolationError)) throw error;
        return `Application ${app.namespace}/${app.name}: ${error.message}`;
      }
    })();
    const conditions = refused ? [condition('InvalidSpecError', refused)] : empty ? [condition('EmptySource', `Application ${app.namespace}/${app.name}: path ${JSON.stringify(spec.source?.path ?? '.')} of ${spec.source?.repoURL} at ${diff.state.revision.sha.slice(0, 12)} (${diff.state.sourceType}): ${EMPTY_SOURCE_MESSAGE}; nothing is deployed (set spec.syncPolicy.automated.allowEmpty if that is intended)`)] : [];
    const listed = boundStatusResources([...resources, ...orphans]);
    await write({
      sync: { status: diff.status, revision: diff.state.revision.sha },
      health: { status: appHealth, message: healthMessage ?? null },
      resources: listed.items,
      // Only for a list cut short (or to clear an old count): a no-op refresh of a small app compares nothing new.
      ...(listed.items.length < listed.total ? { resourcesCount: listed.total } : cr.status?.resourcesCount !== undefined ? { resourcesCount: null } : {}),
      sourceType: diff.state.sourceType,
      conditions,
      observedGeneration: cr.metadata.generation,
    });
    const managedKinds = [...new Map([...known, ...[...managed, ...diff.orphans].map((o) => ({ apiVersion: o.apiVersion, kind: o.kind }))].map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()];
    return { ...base, spec, revision: diff.state.revision.sha, syncStatus: diff.status, health: appHealth, managedKinds, desiredCount: managed.length, ...(refused ? { invalid: refused } : {}) };
  } catch (error) {
    // Another cluster that cannot be reached or refuses us is reported on the app, naming it, and the refresh
    // ends (apps on other clusters go on); a fault of our own cluster is retried as before.
    const remote = cluster !== engine && !isInputError(error);
    if (!isInputError(error) && !remote) throw error;
    const message = remote
      ? `Application ${app.namespace}/${app.name}: cluster ${spec.destination.name ?? spec.destination.server}: ${describeClusterError(error)}`
      : describeInputError(app, error as InputError);
    await write({ sync: { status: 'Unknown' }, conditions: [condition('ComparisonError', message)] });
    return { ...base, spec, syncStatus: 'Unknown', health: 'Unknown', comparisonError: message, managedKinds: known };
  }
}
