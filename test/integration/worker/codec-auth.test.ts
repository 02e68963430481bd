// The codec endpoint's Kubernetes mode against the real API server: a TokenReview says who the bearer is, and a
// SubjectAccessReview whether RBAC lets them decode (or encode) payloads.sluice.dev.
import { KubeClient } from '../../../activities/cluster/kube-client';
import { KubeObject } from '../../../domain/resource/types';
import { kubernetesAuth } from '../../../worker/codec-auth';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';
import { stackEnv } from '../../support/stack';

const kube = KubeClient.fromFile(stackEnv().KUBECONFIG);
let namespace: string;
const role = () => `sluice-codec-decode-${namespace}`;

async function tokenFor(account: string): Promise<string> {
  await kube.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace } } as KubeObject);
  const review = await kube.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
  });
  return review.status.token;
}

beforeAll(async () => {
  namespace = await createTestNamespace(kubeConfig(), 'codec-auth');
  await kube.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role() }, rules: [{ apiGroups: ['sluice.dev'], resources: ['payloads'], verbs: ['decode'] }] } as unknown as KubeObject);
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: role() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role() }, subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace }],
  } as unknown as KubeObject);
});

afterAll(async () => {
  await kube.delete('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, role()).catch(() => undefined);
  await kube.delete('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, role()).catch(() => undefined);
  await deleteNamespace(kubeConfig(), namespace);
});

test('RBAC decides: the bound account may decode but not encode; another account and a forged token may not', async () => {
  const authorize = kubernetesAuth(kube);
  const viewer = await tokenFor('viewer');
  const stranger = await tokenFor('stranger');
  expect(await authorize(viewer, 'decode')).toEqual({ ok: true, user: `system:serviceaccount:${namespace}:viewer` });
  expect(await authorize(viewer, 'encode')).toEqual({ ok: false, status: 403, reason: `system:serviceaccount:${namespace}:viewer may not encode payloads (RBAC: verb encode on payloads.sluice.dev)` });
  expect(await authorize(stranger, 'decode')).toMatchObject({ ok: false, status: 403 });
  expect(await authorize(`${viewer.slice(0, -4)}AAAA`, 'decode')).toMatchObject({ ok: false, status: 401 });
  expect(await authorize(undefined, 'decode')).toMatchObject({ ok: false, status: 401 });
});
