// The Application CRDs install on the real API server, and Argo CD manifests are accepted unchanged
// (argoproj.io group) or with only their apiVersion changed (sluice.dev group).
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { applyObjects } from '../../../activities/cluster/apply';
import { KubeClient } from '../../../activities/cluster/kube-client';
import { validateApplication } from '../../../domain/application/validate';
import { KubeObject } from '../../../domain/resource/types';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';
import { stackEnv } from '../../support/stack';

const client = KubeClient.fromFile(stackEnv().KUBECONFIG);
const kc = kubeConfig();
let namespace: string;

// Argo CD's own guestbook example, as users write it, with the resources finalizer app-of-apps charts emit.
const argoApp = (ns: string) => parse(`
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: ${ns}
  finalizers:
  - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
    directory: {recurse: true}
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
    retry:
      limit: 5
      backoff: {duration: 5s, factor: 2, maxDuration: 3m}
  ignoreDifferences:
  - group: apps
    kind: Deployment
    jsonPointers: [/spec/replicas]
`) as KubeObject;

beforeAll(async () => {
  const crds = fs.readdirSync(path.join(__dirname, '../../../deploy/crds')).filter((file) => file !== 'kustomization.yaml').flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(__dirname, '../../../deploy/crds', file), 'utf8')).map((d) => d.toJS() as KubeObject),
  );
  await applyObjects(client, crds);
  namespace = await createTestNamespace(kc, 'crds');
});
afterAll(async () => {
  await deleteNamespace(kc, namespace);
});

test('an Argo CD Application is accepted as is (compatibility mode) and with its apiVersion changed', async () => {
  const original = argoApp(namespace);
  expect(validateApplication(original)).toEqual([]);
  const stored = await client.create(original);
  expect(stored.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
  expect((stored.spec as any).syncPolicy.retry.backoff.maxDuration).toBe('3m');

  const converted = { ...argoApp(namespace), apiVersion: 'sluice.dev/v1alpha1' };
  expect(validateApplication(converted)).toEqual([]);
  const ours = await client.create(converted);
  expect(ours.spec).toEqual(stored.spec);
});

test('the status subresource takes Argo CD-shaped status, and the schema keeps Sluice extensions', async () => {
  const app = { ...argoApp(namespace), apiVersion: 'sluice.dev/v1alpha1', metadata: { name: 'gated', namespace } } as KubeObject;
  (app.spec as any).syncPolicy.approval = { required: true, approvers: ['alice'], timeout: '1h' };
  const created = await client.create(app);
  expect((created.spec as any).syncPolicy.approval).toEqual({ required: true, approvers: ['alice'], timeout: '1h' });
  const status = { sync: { status: 'OutOfSync', revision: 'abc' }, health: { status: 'Healthy' }, approval: { state: 'Pending', revision: 'abc', diffDigest: 'sha256:1' } };
  const updated = await client.request<KubeObject>('PUT', `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/gated/status`, { body: { ...created, status } });
  expect(updated.status).toMatchObject(status);
});
