// The control plane and kwok behave like a cluster: Deployments become Available, Jobs complete or fail,
// and RBAC refuses the least-privilege identity.
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../../support/kube';
import { stackEnv } from '../../support/stack';

const kc = kubeConfig();
const apps = kc.makeApiClient(k8s.AppsV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
let namespace: string;

beforeAll(async () => {
  namespace = await createTestNamespace(kc, 'stack');
});
afterAll(async () => {
  await deleteNamespace(kc, namespace);
});

function job(name: string, labels: Record<string, string> = {}): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }] },
      },
    },
  };
}

function jobCondition(j: k8s.V1Job, type: string): boolean {
  return (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

test('a Deployment with 2 replicas becomes Available', async () => {
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    },
  });
  const deployment = await eventually('Deployment web to become Available', async () => {
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
    const available = (d.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
    return available && d.status?.availableReplicas === 2 ? d : undefined;
  });
  expect(deployment.status?.readyReplicas).toBe(2);
});

test('a Job completes', async () => {
  await batch.createNamespacedJob({ namespace, body: job('succeeds') });
  const done = await eventually('Job succeeds to complete', async () => {
    const j = await batch.readNamespacedJob({ name: 'succeeds', namespace });
    return jobCondition(j, 'Complete') || jobCondition(j, 'Failed') ? j : undefined;
  });
  expect(jobCondition(done, 'Complete')).toBe(true);
});

test('a Job whose pod carries the kwok failure label ends Failed', async () => {
  await batch.createNamespacedJob({
    namespace,
    body: job('fails', { 'pod-container-running-failed.stage.kwok.x-k8s.io': 'true' }),
  });
  const done = await eventually('Job fails to finish', async () => {
    const j = await batch.readNamespacedJob({ name: 'fails', namespace });
    return jobCondition(j, 'Complete') || jobCondition(j, 'Failed') ? j : undefined;
  });
  expect(jobCondition(done, 'Failed')).toBe(true);
});

test('the least-privilege identity is refused with 403', async () => {
  const restricted = kubeConfig(stackEnv().SLUICE_RESTRICTED_KUBECONFIG).makeApiClient(k8s.CoreV1Api);
  // It may read ...
  await expect(restricted.listNamespacedConfigMap({ namespace })).resolves.toBeDefined();
  // ... but not write.
  const attempt = restricted.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'nope' }, data: { a: 'b' } } });
  await expect(attempt).rejects.toMatchObject({ code: 403 });
});
