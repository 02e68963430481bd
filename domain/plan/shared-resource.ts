// FailOnSharedResource (argo-cd controller/sync.go): a sync fails before anything is applied when an object
// it would apply is already tracked by another app.
import { InputError } from '../errors';
import { owningApp } from '../resource/identity';
import { KubeObject } from '../resource/types';

/** Another app's object in this app's way: the app's input must change, so it is not retried. */
export class SharedResourceError extends InputError {}

/** The other app that tracks `live`, if any; `trackingName` is this app's name in tracking ids. */
export function otherOwner(live: KubeObject | undefined, trackingName: string): string | undefined {
  const owner = live ? owningApp(live) : undefined;
  return owner !== undefined && owner !== trackingName ? owner : undefined;
}

/** The error for the shared objects found, or undefined when there are none. */
export function sharedResourceError(trackingName: string, shared: Array<{ subject: string; owner: string }>): SharedResourceError | undefined {
  if (shared.length === 0) return undefined;
  const list = shared.map((s) => `${s.subject} is part of applications ${s.owner} and ${trackingName}`).join('; ');
  return new SharedResourceError(`Shared resource found (FailOnSharedResource=true): ${list}`);
}
