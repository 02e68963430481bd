// Which applies a sync may leave out (issue 11: a no-change re-sync costs a fraction of a cold one). An object
// is left out only when a server-side dry-run of this very desired object, against this very live version,
// already found nothing to change: applying it again would be a no-op on the server. Argo CD's sync applies
// such an object anyway (kubectl then prints "unchanged"); the cluster ends the same either way, so Sluice
// reports it "unchanged" without the request. Anything a plain server-side apply would not reproduce exactly is
// still applied.
import { SyncOptions } from '../application/sync-options';
import { ResourceIgnoreDifferences } from '../application/types';
import { matchingRules } from '../diff/normalize';
import { KubeObject } from '../resource/types';

export function applyIsNoop(obj: KubeObject, options: SyncOptions, rules: readonly ResourceIgnoreDifferences[] | undefined, knownInSync: boolean): boolean {
  if (!knownInSync) return false;
  // Replace=true recreates or replaces the object: not what the dry-run of an apply predicted.
  if (options.replace) return false;
  // The comparison ignored these fields, but a sync writes them (unless RespectIgnoreDifferences keeps the
  // live values): an HPA's replicas, say, are set back to git's by Argo CD's sync.
  if (matchingRules(obj, rules).length > 0 && !options.respectIgnoreDifferences) return false;
  return true;
}
