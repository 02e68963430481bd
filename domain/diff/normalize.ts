// Normalisation before comparing: drop what the server owns (status, managedFields, resourceVersion, uid,
// timestamps, generation) and what ignoreDifferences names, on both sides alike.
import { ResourceIgnoreDifferences } from '../application/types';
import { keyOf } from '../resource/identity';
import { KubeObject } from '../resource/types';
import { fieldsV1Paths, getAt, jqPaths, Path, pointerPaths, removePaths, setAt } from './paths';

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function stripServerFields(obj: KubeObject): KubeObject {
  const copy = clone(obj);
  delete copy.status;
  for (const field of SERVER_METADATA) delete copy.metadata[field];
  const annotations = copy.metadata.annotations;
  if (annotations) {
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    delete annotations['deployment.kubernetes.io/revision'];
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  }
  if (copy.metadata.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  return copy;
}

/** The rules from spec.ignoreDifferences that apply to this object. */
export function matchingRules(obj: KubeObject, rules: readonly ResourceIgnoreDifferences[] | undefined): ResourceIgnoreDifferences[] {
  const key = keyOf(obj);
  return (rules ?? []).filter(
    (r) =>
      r.kind === key.kind &&
      (r.group ?? '') === key.group &&
      (r.name === undefined || r.name === key.name) &&
      (r.namespace === undefined || r.namespace === key.namespace),
  );
}

/** Paths to ignore in `target`, per the rules; managedFieldsManagers are read from the live object. */
export function ignoredPaths(target: KubeObject, live: KubeObject | undefined, rules: ResourceIgnoreDifferences[]): Path[] {
  const paths: Path[] = [];
  for (const rule of rules) {
    for (const pointer of rule.jsonPointers ?? []) paths.push(...pointerPaths(target, pointer));
    for (const expression of rule.jqPathExpressions ?? []) paths.push(...jqPaths(target, expression));
    for (const manager of rule.managedFieldsManagers ?? []) {
      const entries = (live?.metadata.managedFields ?? []) as Array<{ manager?: string; fieldsV1?: Record<string, unknown> }>;
      for (const entry of entries) if (entry.manager === manager && entry.fieldsV1) paths.push(...fieldsV1Paths(target, entry.fieldsV1));
    }
  }
  return paths;
}

/** Normalises a desired/live pair for comparison. `live` keeps its managedFields until the rules are read. */
export function normalizePair(
  desired: KubeObject,
  live: KubeObject | undefined,
  rules: readonly ResourceIgnoreDifferences[] | undefined,
): { desired: KubeObject; live: KubeObject | undefined } {
  const matched = matchingRules(desired, rules);
  const normalDesired = stripServerFields(desired);
  const normalLive = live ? stripServerFields(live) : undefined;
  if (matched.length > 0) {
    removePaths(normalDesired, ignoredPaths(normalDesired, live, matched));
    if (normalLive) removePaths(normalLive, ignoredPaths(normalLive, live, matched));
  }
  return { desired: normalDesired, live: normalLive };
}

/**
 * RespectIgnoreDifferences: the desired object with every field ignoreDifferences names taken from the live
 * object (or dropped when live has none), so the apply leaves what others set there alone. Argo CD pre-patches
 * the target the same way (controller/sync.go normalizeTargetResources). With nothing live, desired is as is.
 */
export function keepIgnoredFields(desired: KubeObject, live: KubeObject | undefined, rules: readonly ResourceIgnoreDifferences[] | undefined): KubeObject {
  const matched = matchingRules(desired, rules);
  if (!live || matched.length === 0) return desired;
  const result = clone(desired);
  const fromLive = ignoredPaths(live, live, matched);
  const taken = new Set(fromLive.map((p) => JSON.stringify(p)));
  const dropped = ignoredPaths(result, live, matched).filter((p) => !taken.has(JSON.stringify(p)));
  for (const path of fromLive) setAt(result, path, clone(getAt(live, path)));
  removePaths(result, dropped);
  return result;
}
