// End to end: the worker runs with deploy/rbac/worker (read everything, write only Sluice's own objects,
// impersonate ServiceAccounts) through a ServiceAccount token, as it would in a cluster (issue 13). An app whose
// project names a ServiceAccount that may deploy it syncs; an app whose project names none cannot be applied by
// the worker itself, and says "forbidden", naming the worker's account, once: a SyncError condition naming the
// account, the verb and the resource; no crash; no retry loop, under the default retry policy of an automated
// sync (a refusal is not retried whatever the policy); and the worker goes on serving the other app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyObjects } from '../../activities/cluster/apply';
import { KubeObject } from '../../domain/resource/types';
import { E2eRun } from '../support/e2e';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../support/kube';
import { deployerProject, serviceAccountKubeconfig } from '../support/service-account';
import { repoRoot } from '../support/stack';

const PORT = 18960;
const run = new E2eRun(PORT);
const { kube, application, runId } = run;
const CONTROL = run.workerEnv.SLUICE_NAMESPACE;
const IN_CLUSTER = 'https://kubernetes.default.svc';
const kubeconfigFile = path.join(os.tmpdir(), `sluice-lp-${runId}.kubeconfig`);
const bindingName = `sluice-worker-${runId}`;
const leaseRoleName = `sluice-worker-leader-election-${runId}`;
const projectName = `lp-${runId}`;
let workerNamespace: string;

beforeAll(async () => {
  workerNamespace = await createTestNamespace(kubeConfig(), 'lp-worker');
  // deploy/rbac/worker as shipped, its ServiceAccount in this run's namespace and its bindings named for the run;
  // the leader-election Role goes to the control namespace, where the worker's Lease is.
  const docs = parseAllDocuments(fs.readFileSync(path.join(repoRoot, 'deploy/rbac/worker/worker.yaml'), 'utf8')).map((d) => d.toJS() as KubeObject & Record<string, any>);
  for (const doc of docs) {
    if (doc.kind === 'ServiceAccount') doc.metadata.namespace = workerNamespace;
    if (doc.kind === 'ClusterRoleBinding') {
      doc.metadata.name = bindingName;
      doc.subjects = doc.subjects.map((s: Record<string, string>) => ({ ...s, namespace: workerNamespace }));
    }
    if (doc.kind === 'Role' || doc.kind === 'RoleBinding') {
      doc.metadata = { ...doc.metadata, name: leaseRoleName, namespace: CONTROL };
      if (doc.kind === 'RoleBinding') {
        doc.roleRef.name = leaseRoleName;
        doc.subjects = doc.subjects.map((s: Record<string, string>) => ({ ...s, namespace: workerNamespace }));
      }
    }
  }
  await applyObjects(kube, docs);
  run.workerEnv.KUBECONFIG = await serviceAccountKubeconfig(kube, { namespace: workerNamespace, name: 'sluice-worker' }, kubeconfigFile);
  await run.start();
});

afterAll(async () => {
  await run.stop();
  await kube.delete('sluice.dev/v1alpha1', 'AppProject', CONTROL, projectName).catch(() => undefined);
  await kube.delete('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, bindingName).catch(() => undefined);
  for (const kind of ['RoleBinding', 'Role']) await kube.delete('rbac.authorization.k8s.io/v1', kind, CONTROL, leaseRoleName).catch(() => undefined);
  await deleteNamespace(kubeConfig(), workerNamespace);
  fs.rmSync(kubeconfigFile, { force: true });
});

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  from: git\n`;

async function app(name: string, namespace: string, project: string, repoURL: string, dir: string): Promise<void> {
  await kube.create({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name, namespace, labels: { 'sluice.dev/test-run': runId } },
    spec: {
      project, source: { repoURL, targetRevision: 'main', path: dir }, destination: { server: IN_CLUSTER, namespace },
      // No retry block: an automated sync's default policy (5 retries) applies, and still nothing is retried.
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  } as unknown as KubeObject);
}

test('with the shipped least-privilege RBAC: a project\'s ServiceAccount deploys; the worker itself cannot, and says so once', async () => {
  // The shipped Role lets it hold its Lease: it leads, so its controllers run.
  const metrics = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  expect(metrics).toContain(`sluice_leader{lease="${CONTROL}/${run.leaseName}"} 1`);
  expect(await kube.get('coordination.k8s.io/v1', 'Lease', CONTROL, run.leaseName)).toMatchObject({ spec: { holderIdentity: run.workerEnv.POD_NAME } });
  const namespace = await run.namespace('lp-apps');
  const repo = await run.repo('lp-apps');
  repo.commit('config', { 'granted/config.yaml': configMap('granted'), 'ungranted/config.yaml': configMap('ungranted') });
  await deployerProject(kube, { name: projectName, control: CONTROL, namespace, repoURL: repo.url, sourceNamespaces: ['*'] });

  await app('granted', namespace, projectName, repo.url, 'granted');
  // 'e2e' is the tests' permissive project: it names no ServiceAccount, so the worker would apply as itself.
  await app('ungranted', namespace, 'e2e', repo.url, 'ungranted');

  const granted = await eventually('the granted app to be Synced by a successful sync', async () => {
    const status = (await application(namespace, 'granted'))?.status;
    return status?.sync?.status === 'Synced' && status?.operationState?.phase === 'Succeeded' ? status : undefined;
  }, 90_000);
  expect(granted.health.status).toBe('Healthy');
  expect(await kube.get('v1', 'ConfigMap', namespace, 'granted')).toBeDefined();

  const who = `system:serviceaccount:${workerNamespace}:sluice-worker`;
  const failed = await eventually('the ungranted app\'s sync to fail', async () => {
    const op = (await application(namespace, 'ungranted'))?.status?.operationState;
    return op?.phase === 'Failed' ? op : undefined;
  }, 90_000);
  expect(failed.message).toContain(`configmaps "ungranted" is forbidden: User "${who}" cannot patch resource "configmaps"`);
  const condition = await eventually('a SyncError condition on the ungranted app', async () =>
    ((await application(namespace, 'ungranted'))?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'SyncError'), 30_000);
  expect(condition.message).toBe(`Application ${namespace}/ungranted: sync to ${failed.syncResult.revision.slice(0, 12)} forbidden: ${who} may not patch configmaps "ungranted" in namespace ${namespace}; not retried: grant it (or change the project), then sync again`);
  expect(await kube.get('v1', 'ConfigMap', namespace, 'ungranted')).toBeUndefined();
  // Once: the app decided against a retry (an automated sync's default policy would allow 5), a later refresh
  // does not start the same failed sync again, and the worker is still up.
  const { state } = (await run.appHandle(namespace, 'ungranted').query('status')) as { state: { retry?: unknown; failedRevision?: string } };
  expect([state.retry, state.failedRevision]).toEqual([undefined, failed.syncResult.revision]);
  expect(failed.retryCount).toBe(0);
  await run.refreshNow(namespace, 'ungranted');
  expect((await application(namespace, 'ungranted'))?.status?.operationState?.startedAt).toBe(failed.startedAt);
  expect(() => process.kill(run.worker.pid, 0)).not.toThrow();
});
