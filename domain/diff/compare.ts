// Comparing a desired object (as the server would store it, from a dry-run apply) with the live one.
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { ResourceIgnoreDifferences } from '../application/types';
import { keyOf, subjectOf } from '../resource/identity';
import { KubeObject } from '../resource/types';
import { normalizePair } from './normalize';
import { changedPaths } from './paths';
import { redactSecretPair } from './redact';

export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

export interface ResourceDiff {
  subject: string;
  status: SyncStatus;
  /** Dotted paths that differ, e.g. "spec.replicas". Secret values are masked before this is computed. */
  changedPaths: string[];
  /** A unified diff of the normalised YAML, live → desired. Empty when in sync. */
  diff: string;
}

function toYaml(obj: KubeObject | undefined): string {
  return obj ? stringify(obj, { sortMapEntries: true, lineWidth: 0 }) : '';
}

export function compareResource(
  desired: KubeObject,
  live: KubeObject | undefined,
  rules?: readonly ResourceIgnoreDifferences[],
): ResourceDiff {
  const subject = subjectOf(keyOf(desired));
  const pair = normalizePair(desired, live, rules);
  redactSecretPair(pair.desired, pair.live);
  if (!pair.live) {
    return { subject, status: 'OutOfSync', changedPaths: ['(missing)'], diff: createTwoFilesPatch(`${subject} (live)`, `${subject} (desired)`, '', toYaml(pair.desired)) };
  }
  const paths = changedPaths(pair.live, pair.desired);
  if (paths.length === 0) return { subject, status: 'Synced', changedPaths: [], diff: '' };
  return {
    subject,
    status: 'OutOfSync',
    changedPaths: paths,
    diff: createTwoFilesPatch(`${subject} (live)`, `${subject} (desired)`, toYaml(pair.live), toYaml(pair.desired)),
  };
}

/** A diff for an object that will be deleted (pruned): live → nothing. */
export function pruneDiff(live: KubeObject): ResourceDiff {
  const subject = subjectOf(keyOf(live));
  const pair = normalizePair(live, undefined, []);
  redactSecretPair(pair.desired, undefined);
  return { subject, status: 'OutOfSync', changedPaths: ['(extra)'], diff: createTwoFilesPatch(`${subject} (live)`, `${subject} (desired)`, toYaml(pair.desired), '') };
}
