// Who the CLI acts as. The API server says so (a SelfSubjectReview), not the caller: `--as` is only for clusters
// that cannot answer one (the review API is not served), and then only on the Temporal path, which is
// privileged anyway (whoever can call Temporal can act as anyone). Where the cluster answers, `--as` may only
// repeat what it says.

export interface CallerIdentity {
  user: string;
  groups: string[];
}

/** What the cluster answered to a SelfSubjectReview. */
export type SelfReview = { identity: CallerIdentity } | { unavailable: true };

export type IdentityDecision = CallerIdentity | { refused: string; hint?: string };

export function callerIdentity(review: SelfReview, as?: string): IdentityDecision {
  if ('identity' in review) {
    const { identity } = review;
    if (as === undefined || as === identity.user) return identity;
    return {
      refused: `--as ${as} refused: the cluster says you are ${identity.user} (SelfSubjectReview), and --as is only for clusters without SelfSubjectReview`,
      hint: `drop --as to act as ${identity.user}, or use a kubeconfig (--context, KUBECONFIG) whose credentials are ${as}'s`,
    };
  }
  if (as !== undefined) return { user: as, groups: [] };
  return { refused: 'cannot tell who you are: this cluster serves no SelfSubjectReview API', hint: 'pass --as <user> (clusters without SelfSubjectReview only; it acts through Temporal directly)' };
}
