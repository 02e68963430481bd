// What the API server's authorizer refused, and what the app says about it. A 403 names who was refused, the
// verb and the resource in a fixed sentence (k8s.io/apiserver's forbidden message):
//   roles.rbac.authorization.k8s.io "web" is forbidden: User "system:serviceaccount:team:deployer" cannot patch
//   resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "team"
// A sync refused this way is not retried, whatever the retry policy: the next attempt would be refused the same
// way until someone changes RBAC or the project. (Argo CD retries every failed sync up to its retry limit, a
// refusal included; Sluice classifies the failure, and spares the API server attempts that cannot succeed.)
// The refusal stands as a SyncError condition (Argo CD's condition type) until the app's next sync ends.

/** The failure type a sync ends with when the API server refuses the identity it acts as. */
export const PERMISSION_DENIED = 'PermissionDenied';

export interface Forbidden {
  user: string;
  verb: string;
  /** The plural resource, with its subresource if any: `roles`, `deployments/scale`. */
  resource: string;
  group: string;
  /** The object's name, when the request named one. */
  name?: string;
  /** Unset for a cluster-scoped request. */
  namespace?: string;
}

const FORBIDDEN = /(?:"(?<name>[^"]*)" )?is forbidden: User "(?<user>[^"]+)" cannot (?<verb>\S+) resource "(?<resource>[^"]+)" in API group "(?<group>[^"]*)"(?: in the namespace "(?<namespace>[^"]+)")?/;

/** The refusal in an API server's 403 message, or undefined when the message is not one. */
export function parseForbidden(message: string): Forbidden | undefined {
  const m = FORBIDDEN.exec(message)?.groups;
  if (!m) return undefined;
  return { user: m.user, verb: m.verb, resource: m.resource, group: m.group, ...(m.name ? { name: m.name } : {}), ...(m.namespace ? { namespace: m.namespace } : {}) };
}

/** "USER may not VERB RESOURCE[.GROUP] "NAME" in namespace NS" (or "at cluster scope"). */
export function describeForbidden(f: Forbidden): string {
  const resource = f.group ? `${f.resource}.${f.group}` : f.resource;
  const where = f.namespace ? `in namespace ${f.namespace}` : 'at cluster scope';
  return `${f.user} may not ${f.verb} ${resource}${f.name ? ` ${JSON.stringify(f.name)}` : ''} ${where}`;
}

/** Whether a sync that failed with this failure type is worth retrying under the app's retry policy. */
export function isRetryableFailure(failure: string | undefined): boolean {
  return failure !== PERMISSION_DENIED;
}

/**
 * The SyncError condition's message for the app's last finished sync, or undefined when it stands no
 * condition: only a sync the API server refused does (other failures are told by status.operationState).
 */
export function syncErrorMessage(last: { outcome: string; revision: string; message: string; failure?: string } | undefined): string | undefined {
  if (!last || last.outcome !== 'Failed' || last.failure !== PERMISSION_DENIED) return undefined;
  const refused = parseForbidden(last.message);
  const what = refused ? describeForbidden(refused) : last.message;
  return `sync to ${last.revision.slice(0, 12)} forbidden: ${what}; not retried: grant it (or change the project), then sync again`;
}
