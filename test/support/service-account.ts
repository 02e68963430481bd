// Credentials as a pod has them: a ServiceAccount's token from the TokenRequest API (what the kubelet projects into
// the pod), in a kubeconfig for the stack's API server, so a worker process runs with exactly that account's RBAC.
import { KubeClient } from '../../activities/cluster/kube-client';
import { KubeObject } from '../../domain/resource/types';
import { serviceAccountKubeconfig as userKubeconfig } from './users';

/** Writes `file` (mode 0600), a kubeconfig with a fresh token of the account (test/support/users.ts), and returns it. */
export async function serviceAccountKubeconfig(kube: KubeClient, account: { namespace: string; name: string }, file: string): Promise<string> {
  return (await userKubeconfig(kube, account.namespace, account.name, file)).kubeconfig;
}

const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * What a worker with least-privilege RBAC needs to deploy to `namespace`: a ServiceAccount `deployer` there with the
 * built-in `edit` role, and an AppProject `name` in the control namespace that deploys `repoURL` to `namespace` as
 * that account (destinationServiceAccounts).
 */
export async function deployerProject(kube: KubeClient, o: { name: string; control: string; namespace: string; repoURL: string; sourceNamespaces: string[] }): Promise<void> {
  const { namespace } = o;
  await kube.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace } } as KubeObject);
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'deployer-edit', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace }],
  } as unknown as KubeObject);
  await kube.apply({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'AppProject', metadata: { name: o.name, namespace: o.control },
    spec: {
      sourceRepos: [o.repoURL], destinations: [{ server: IN_CLUSTER, namespace }], sourceNamespaces: o.sourceNamespaces,
      destinationServiceAccounts: [{ server: IN_CLUSTER, namespace, defaultServiceAccount: 'deployer' }],
    },
  } as unknown as KubeObject);
}
