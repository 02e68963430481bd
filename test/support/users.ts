// Other users of the stack's API server, as the tests need them: a ServiceAccount with a token of its own (a
// TokenRequest) and a kubeconfig holding that token, so the CLI, a worker or a KubeClient act as that user and
// the API server, not a flag, says who they are.
import fs from 'node:fs';
import { stringify } from 'yaml';
import { KubeClient } from '../../activities/cluster/kube-client';
import { KubeObject } from '../../domain/resource/types';
import { kubeConfig } from './kube';

export interface TestUser {
  /** The user the API server knows: system:serviceaccount:NAMESPACE:NAME. */
  username: string;
  kubeconfig: string;
  kube: KubeClient;
}

/** Writes `file`, a kubeconfig for the stack's API server with a fresh token of the existing ServiceAccount. */
export async function serviceAccountKubeconfig(admin: KubeClient, namespace: string, name: string, file: string): Promise<TestUser> {
  const token = await admin.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  const cluster = kubeConfig().getCurrentCluster()!;
  const ca = cluster.caData ?? fs.readFileSync(cluster.caFile!).toString('base64');
  fs.writeFileSync(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': name,
    clusters: [{ name: 'stack', cluster: { server: cluster.server, 'certificate-authority-data': ca } }],
    users: [{ name, user: { token: token.status.token } }],
    contexts: [{ name, context: { cluster: 'stack', user: name } }],
  }), { mode: 0o600 });
  return { username: `system:serviceaccount:${namespace}:${name}`, kubeconfig: file, kube: KubeClient.fromFile(file) };
}

/** Creates the ServiceAccount `name` in `namespace`, then its kubeconfig (see serviceAccountKubeconfig). */
export async function serviceAccountUser(admin: KubeClient, namespace: string, name: string, file: string): Promise<TestUser> {
  await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } } as KubeObject);
  return serviceAccountKubeconfig(admin, namespace, name, file);
}
