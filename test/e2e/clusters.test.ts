// Applications on clusters registered by Argo CD cluster Secrets. The stack's API server is registered again
// under other names: with the admin's token (the app syncs there), with a read-only token (the app compares, and
// its sync is refused with permission denied: requests carry the Secret's identity, not the worker's), and at a
// port nobody listens on (a condition names the cluster, and the app is not wedged). An unknown cluster name is
// refused naming the field. Real clusters of their own come with `stack.sh --clusters` (issue 12).
import fs from 'node:fs';
import { parse } from 'yaml';
import { KubeObject } from '../../domain/resource/types';
import { syncUpdate } from '../../workflows/application';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { execFileSync } from 'node:child_process';
import { startKubeRecorder } from '../support/recording-proxy';
import { stackEnv } from '../support/stack';

const run = new E2eRun(18840);
const { kube, runId, application } = run;
const env = stackEnv();

beforeAll(() => run.start());
afterAll(async () => {
  for (const name of secrets) await kube.delete('v1', 'Secret', 'default', name).catch(() => undefined);
  await run.stop();
});

const secrets: string[] = [];
function identity(file: string): { server: string; caData: string; token: string } {
  const doc = parse(fs.readFileSync(file, 'utf8'));
  return { server: doc.clusters[0].cluster.server, caData: doc.clusters[0].cluster['certificate-authority-data'], token: doc.users[0].user.token };
}

/** An Argo CD cluster Secret in the worker's control namespace; returns the cluster's name. */
async function register(label: string, server: string, config: object): Promise<string> {
  const name = `${label}-${runId}`;
  secrets.push(`cluster-${name}`);
  await kube.create({
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: `cluster-${name}`, namespace: 'default', labels: { 'argocd.argoproj.io/secret-type': 'cluster', env: label } },
    stringData: { name, server, config: JSON.stringify(config) },
  } as unknown as KubeObject);
  return name;
}

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  where: remote\n';

async function appOn(prefix: string, cluster: string, automated: boolean | { prune?: boolean; selfHeal?: boolean } = false): Promise<{ namespace: string; name: string }> {
  const namespace = await run.namespace(prefix);
  const repo = await run.repo(prefix);
  repo.commit('initial', { 'app/config.yaml': configMap });
  const manifest = applicationManifest({ name: namespace, namespace, repoURL: repo.url, destination: namespace, runId, automated }) as { spec: { destination: object } };
  manifest.spec.destination = { name: cluster, namespace };
  await kube.create(manifest as unknown as KubeObject);
  return { namespace, name: namespace };
}

const condition = (namespace: string, name: string, type: string) => eventually(`a ${type} condition`, async () => {
  const app = await application(namespace, name);
  return app?.status?.conditions?.find((c: { type: string }) => c.type === type);
});

test('a destination named by a cluster Secret is synced with that Secret\'s credentials', async () => {
  const admin = identity(env.KUBECONFIG);
  const staging = await register('staging', admin.server, { bearerToken: admin.token, tlsClientConfig: { caData: admin.caData } });
  const { namespace, name } = await appOn('remote', staging);
  await run.refreshed(namespace, name);
  expect((await application(namespace, name)).status.sync.status).toBe('OutOfSync');
  await run.appHandle(namespace, name).executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
  await run.waitForOperation(namespace, name, 'Succeeded');
  expect(((await kube.get('v1', 'ConfigMap', namespace, 'settings'))?.data as Record<string, string>).where).toBe('remote');

  // The same API server with the read-only identity: the app compares, and its sync is refused by that server.
  const restricted = identity(env.SLUICE_RESTRICTED_KUBECONFIG);
  const viewer = await register('viewer', restricted.server, { bearerToken: restricted.token, tlsClientConfig: { caData: restricted.caData } });
  const readOnly = await appOn('viewer', viewer);
  await run.refreshed(readOnly.namespace, readOnly.name);
  await run.appHandle(readOnly.namespace, readOnly.name).executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
  const failed = await run.waitForOperation(readOnly.namespace, readOnly.name, 'Failed');
  expect(failed.status.operationState.message).toMatch(/permission denied|forbidden/i);
  expect(await kube.get('v1', 'ConfigMap', readOnly.namespace, 'settings')).toBeUndefined();
});

test('an unreachable cluster and an unknown one: each app gets a condition naming it, requests are answered, and apps on other clusters sync', async () => {
  const admin = identity(env.KUBECONFIG);
  const dead = await register('dead', 'https://127.0.0.1:1', { bearerToken: admin.token, tlsClientConfig: { caData: admin.caData } });
  const down = await appOn('dead', dead);
  const unreachable = await condition(down.namespace, down.name, 'ComparisonError');
  expect(unreachable.message).toContain(`Application ${down.namespace}/${down.name}: cluster ${dead}: `);
  expect(unreachable.message).toMatch(/ECONNREFUSED|fetch failed/);
  const refused = await run.appHandle(down.namespace, down.name).executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] }).then(() => 'accepted', (e: Error) => (e.cause as Error | undefined)?.message ?? e.message);
  expect(refused).toMatch(/could not compare/);
  // Meanwhile an app on a cluster that answers syncs as usual: one dead cluster holds up no other.
  const alive = await appOn('alive', 'in-cluster', true);
  await run.waitForOperation(alive.namespace, alive.name, 'Succeeded');
  expect(((await kube.get('v1', 'ConfigMap', alive.namespace, 'settings'))?.data as Record<string, string>).where).toBe('remote');

  // `sluice cluster list` probes each with its own credentials: the dead one fails, naming why; in-cluster answers.
  const listed = run.sluice('default', 'cluster', 'list', '-o', 'json');
  expect(listed.code).toBe(0);
  const rows = JSON.parse(listed.out) as Array<{ name: string; server: string; status: string; version: string; message: string }>;
  expect(rows.find((r) => r.name === dead)).toMatchObject({ server: 'https://127.0.0.1:1', status: 'Failed', message: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
  expect(rows.find((r) => r.name === 'in-cluster')).toMatchObject({ server: 'https://kubernetes.default.svc', status: 'Successful', version: expect.stringMatching(/^v1\./) });
  expect(listed.out).not.toContain(admin.token);

  const nowhere = await appOn('nowhere', `nowhere-${runId}`);
  const invalid = await condition(nowhere.namespace, nowhere.name, 'InvalidDestination');
  expect(invalid.message).toBe(`Application ${nowhere.namespace}/${nowhere.name}: spec.destination.name: cluster nowhere-${runId} is not registered (no cluster Secret has that name)`);
});

test('drift on a registered cluster is seen by a watch on that cluster, and self-heal puts it back in seconds', async () => {
  // A TLS proxy in front of the API server stands in for another cluster: its own URL and CA, and every request
  // to it is recorded. Polling is every 2 minutes here, so only a watch there can heal within 30 s.
  const proxy = await startKubeRecorder(env.KUBECONFIG);
  try {
    const other = identity(proxy.kubeconfig);
    const cluster = await register('watched', other.server, { bearerToken: other.token, tlsClientConfig: { caData: other.caData } });
    const { namespace, name } = await appOn('watched', cluster, { prune: true, selfHeal: true });
    await run.waitForOperation(namespace, name, 'Succeeded');
    await eventually('a watch of ConfigMaps on that cluster', async () => (proxy.requests.some((r) => r.path.includes('watch=true') && r.path.includes('/configmaps')) ? true : undefined));
    await eventually('Synced and Healthy', async () => {
      const app = await application(namespace, name);
      return app?.status?.sync?.status === 'Synced' && app?.status?.health?.status === 'Healthy' ? true : undefined;
    });
    execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, 'patch', 'configmap', 'settings', '-n', namespace, '--type', 'merge', '-p', '{"data":{"where":"drifted"}}']);
    const edited = Date.now();
    await eventually('the edit to be healed', async () => (((await kube.get('v1', 'ConfigMap', namespace, 'settings'))?.data as Record<string, string>).where === 'remote' ? true : undefined), 30_000);
    // Healed by a self-heal sync that started after the edit (not by one already under way).
    const healed = await run.waitForOperation(namespace, name, 'Succeeded');
    expect(Date.parse(healed.status.operationState.startedAt)).toBeGreaterThanOrEqual(edited);
    expect(healed.status.operationState.operation.initiatedBy).toMatchObject({ automated: true });
  } finally {
    await proxy.close();
  }
});
