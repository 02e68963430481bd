// FailOnSharedResource (argo-cd controller/sync.go): a sync fails before anything is applied when an object
// it would apply is already tracked by another app.
import { InputError } from '../errors';
import { AppIdentity, appInstanceName, owningApp, ownership } from '../resource/identity';
import { KubeObject } from '../resource/types';

/** Another app's object in this app's way: the app's input must change, so it is not retried. */
export class SharedResourceError extends InputError {}

/** The other app that tracks `live`, if any. An object stamped with this app's bare (pre-namespace) name is its own, to adopt. */
export function otherOwner(live: KubeObject | undefined, app: AppIdentity): string | undefined {
  if (!live || ownership(live, app) !== 'foreign') return undefined;
  return owningApp(live);
}

/** The error for the shared objects found, or undefined when there are none. */
export function sharedResourceError(app: AppIdentity, shared: Array<{ subject: string; owner: string }>): SharedResourceError | undefined {
  if (shared.length === 0) return undefined;
  const list = shared.map((s) => `${s.subject} is part of applications ${s.owner} and ${appInstanceName(app)}`).join('; ');
  return new SharedResourceError(`Shared resource found (FailOnSharedResource=true): ${list}`);
}
