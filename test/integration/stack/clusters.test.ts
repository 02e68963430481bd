// The stack's extra clusters (stack.sh clusters N) are Kubernetes APIs of their own: objects made in one are not
// in another, each has a Ready kwok node and working controllers, and the cluster Secret stack.sh writes reaches
// its cluster with a ServiceAccount token only that cluster accepts.
import * as k8s from '@kubernetes/client-node';
import { clusterFromSecret, kubeConfigOptions } from '../../../domain/cluster/clusters';
import { KubeObject } from '../../../domain/resource/types';
import { ensureClusters, StackCluster } from '../../support/clusters';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../../support/kube';

const main = kubeConfig();
let two: StackCluster;
let three: StackCluster;
const created: Array<{ kc: k8s.KubeConfig; namespace: string }> = [];

beforeAll(async () => {
  [two, three] = await ensureClusters(3);
}, 240_000);
afterAll(async () => {
  for (const { kc, namespace } of created) await deleteNamespace(kc, namespace);
});

const core = (kc: k8s.KubeConfig) => kc.makeApiClient(k8s.CoreV1Api);

async function namespaceIn(kc: k8s.KubeConfig, prefix: string): Promise<string> {
  const namespace = await createTestNamespace(kc, prefix);
  created.push({ kc, namespace });
  return namespace;
}

/** A client built from a cluster Secret's data, the way the worker builds one. */
function clientFor(cluster: ReturnType<typeof clusterFromSecret>): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions(kubeConfigOptions(cluster));
  return kc;
}

test('ensureClusters(3) names cluster-2 and cluster-3, each at its own server', () => {
  expect([two.name, three.name]).toEqual(['cluster-2', 'cluster-3']);
  const servers = [main.getCurrentCluster()?.server, two.server, three.server];
  expect(new Set(servers).size).toBe(3);
  expect(two.secret.metadata).toEqual({ name: 'cluster-cluster-2', labels: { 'sluice.dev/secret-type': 'cluster' } });
});

test('a namespace created in cluster-2 is absent from the main cluster and from cluster-3', async () => {
  const namespace = await namespaceIn(kubeConfig(two.kubeconfig), 'only-in-2');
  expect((await core(kubeConfig(two.kubeconfig)).readNamespace({ name: namespace })).metadata?.name).toBe(namespace);
  await expect(core(main).readNamespace({ name: namespace })).rejects.toMatchObject({ code: 404 });
  await expect(core(kubeConfig(three.kubeconfig)).readNamespace({ name: namespace })).rejects.toMatchObject({ code: 404 });
});

test('each cluster has a Ready kwok node of its own', async () => {
  const nodes = await Promise.all([main, kubeConfig(two.kubeconfig), kubeConfig(three.kubeconfig)].map((kc) => core(kc).readNode({ name: 'kwok-node-0' })));
  for (const node of nodes) expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  expect(new Set(nodes.map((n) => n.metadata?.uid)).size).toBe(3);
});

test('a Deployment in cluster-3 becomes Available: its controller-manager, scheduler and kwok work', async () => {
  const kc = kubeConfig(three.kubeconfig);
  const namespace = await namespaceIn(kc, 'deploy-in-3');
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    },
  });
  const deployment = await eventually('Deployment web in cluster-3 to become Available', async () => {
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
    const available = (d.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
    return available && d.status?.availableReplicas === 2 ? d : undefined;
  });
  expect(deployment.status?.readyReplicas).toBe(2);
  const pods = await core(kc).listNamespacedPod({ namespace });
  expect(pods.items.map((p) => p.spec?.nodeName)).toEqual(['kwok-node-0', 'kwok-node-0']);
});

test('the cluster Secret, stored and read back, reaches cluster-2 as its ServiceAccount; cluster-3 refuses that token', async () => {
  const control = await namespaceIn(main, 'cluster-secret');
  await core(main).createNamespacedSecret({ namespace: control, body: two.secret as k8s.V1Secret });
  const stored = await core(main).readNamespacedSecret({ namespace: control, name: 'cluster-cluster-2' });
  const cluster = clusterFromSecret(stored as unknown as KubeObject);
  expect(cluster).toMatchObject({ name: 'cluster-2', server: two.server, labels: { 'sluice.dev/secret-type': 'cluster' } });

  const kc = clientFor(cluster);
  const review = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  expect(review.status?.userInfo?.username).toBe('system:serviceaccount:kube-system:sluice-manager');
  // cluster-admin there: it writes, and what it wrote is in cluster-2 only.
  const namespace = await namespaceIn(kc, 'by-secret');
  expect((await core(kubeConfig(two.kubeconfig)).readNamespace({ name: namespace })).metadata?.name).toBe(namespace);
  await expect(core(kubeConfig(three.kubeconfig)).readNamespace({ name: namespace })).rejects.toMatchObject({ code: 404 });

  // Each cluster signs its ServiceAccount tokens with its own key.
  const elsewhere = clientFor({ ...cluster, server: three.server });
  await expect(core(elsewhere).listNamespace()).rejects.toMatchObject({ code: 401 });
});
