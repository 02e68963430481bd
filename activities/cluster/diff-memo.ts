// Dry-run only what changed (issue 11): per object, the digest of the desired object (and the diff rules)
// and the live resourceVersion at the last comparison that found it in sync. While both are the same, that
// comparison stands and the server-side dry-run is skipped; any edit to the live object (a kubectl scale,
// a controller's write) changes its resourceVersion, and any change in Git changes the digest.
import { createHash } from 'node:crypto';
import { ResourceIgnoreDifferences } from '../../domain/application/types';
import { ResourceDiff } from '../../domain/diff/compare';
import { keyOf, keyString } from '../../domain/resource/identity';
import { KubeObject } from '../../domain/resource/types';

interface Entry {
  digest: string;
  resourceVersion: string;
  result: ResourceDiff;
}

/** Bounds memory: past this many objects the memo starts over (each object then costs one dry-run again). */
const MAX_ENTRIES = 50_000;

export class DiffMemo {
  private readonly entries = new Map<string, Entry>();

  static digest(desired: KubeObject, rules: readonly ResourceIgnoreDifferences[] | undefined): string {
    return createHash('sha256').update(JSON.stringify([desired, rules ?? []])).digest('hex');
  }

  /** Whether any in-sync comparison is recorded for this object (cheap: no digest, no live read). */
  knows(desired: KubeObject): boolean {
    return this.entries.has(keyString(keyOf(desired)));
  }

  /** The in-sync result recorded for this desired object and this very live version, if any. */
  lookup(desired: KubeObject, digest: string, live: KubeObject): ResourceDiff | undefined {
    const entry = this.entries.get(keyString(keyOf(desired)));
    const version = live.metadata.resourceVersion;
    return entry && version && entry.digest === digest && entry.resourceVersion === version ? entry.result : undefined;
  }

  /** Records a comparison; only an in-sync one is kept (an out-of-sync object is dry-run every time). */
  record(desired: KubeObject, digest: string, live: KubeObject, result: ResourceDiff): void {
    const key = keyString(keyOf(desired));
    const version = live.metadata.resourceVersion;
    if (result.status !== 'Synced' || !version) {
      this.entries.delete(key);
      return;
    }
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { digest, resourceVersion: version, result });
  }
}
