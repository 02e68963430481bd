// The label that says what a Secret holds for Sluice (repository, repo-creds, cluster): Sluice's own key, and
// Argo CD's, which is read unchanged.
export const SECRET_TYPE_LABELS = ['sluice.dev/secret-type', 'argocd.argoproj.io/secret-type'] as const;
