// A set over registered clusters, end to end on the stack's extra clusters: a matrix of the clusters generator
// and a list makes the cross product, each app deployed on its own cluster; relabelling a cluster Secret so the
// selector no longer matches drops that cluster's apps at once (the worker watches cluster Secrets), not at the
// set's next interval.
import { KubeObject } from '../../domain/resource/types';
import { KubeClient } from '../../activities/cluster/kube-client';
import { ensureClusters, StackCluster } from '../support/clusters';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const run = new E2eRun(18860);
const { kube, runId } = run;
/** Only this run's cluster Secrets carry it, so the set's selector never meets another run's. */
const CLUSTER_RUN_LABEL = 'e2e.sluice.dev/cluster-run';

const clusterSecrets: string[] = [];
const remoteNamespaces: Array<{ client: KubeClient; namespace: string }> = [];
const setNamespaces: string[] = [];

const applications = async (namespace: string) => (await kube.list('sluice.dev/v1alpha1', 'Application', { namespace })) as any[];

beforeAll(() => run.start());
afterAll(async () => {
  // While the worker runs: the set, then its apps (their finalizers need the worker, and the cluster Secrets).
  for (const namespace of setNamespaces) {
    await kube.delete('sluice.dev/v1alpha1', 'ApplicationSet', namespace, 'fleet', 'Background').catch(() => undefined);
    for (const app of await applications(namespace)) await kube.delete('sluice.dev/v1alpha1', 'Application', namespace, app.metadata.name, 'Background').catch(() => undefined);
    await eventually(`the apps of ${namespace} deleted`, async () => ((await applications(namespace)).length === 0 ? true : undefined), 60_000).catch((error: unknown) => console.warn(String(error)));
  }
  await run.stop();
  for (const name of clusterSecrets) await kube.delete('v1', 'Secret', 'default', name).catch(() => undefined);
  for (const { client, namespace } of remoteNamespaces) await client.delete('v1', 'Namespace', undefined, namespace, 'Background').catch(() => undefined);
});

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: main, image: registry.local/${name}:1}]}
`;

/** An Argo CD cluster Secret in the control namespace for one of the stack's extra clusters. */
async function registerCluster(name: string, cluster: StackCluster, env: string): Promise<string> {
  const secretName = `cluster-${name}`;
  await kube.create({
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: secretName, namespace: 'default', labels: { 'argocd.argoproj.io/secret-type': 'cluster', [CLUSTER_RUN_LABEL]: runId, env } },
    stringData: { name, server: cluster.server, config: JSON.stringify({ bearerToken: cluster.token, tlsClientConfig: { caData: cluster.caData } }) },
  } as unknown as KubeObject);
  clusterSecrets.push(secretName);
  return secretName;
}

test('a matrix of clusters × list makes the cross product, each app on its cluster; relabelling a cluster Secret drops its apps promptly', async () => {
  const namespace = await run.namespace('appset-clusters');
  setNamespaces.push(namespace);
  const repo = await run.repo('appset-clusters');
  repo.commit('initial', { 'apps/alpha/app.yaml': deployment('alpha'), 'apps/beta/app.yaml': deployment('beta') });
  const [cluster2, cluster3] = await ensureClusters(3);
  const staging = `staging-${runId}`;
  const prod = `prod-${runId}`;
  await registerCluster(staging, cluster2, 'staging');
  const prodSecret = await registerCluster(prod, cluster3, 'prod');
  const clients: Record<string, KubeClient> = { [staging]: KubeClient.fromFile(cluster2.kubeconfig), [prod]: KubeClient.fromFile(cluster3.kubeconfig) };
  const target = `appset-clusters-${runId}`;
  for (const client of Object.values(clients)) remoteNamespaces.push({ client, namespace: target });

  await kube.create({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'ApplicationSet',
    metadata: { name: 'fleet', namespace, labels: { 'sluice.dev/test-run': runId } },
    spec: {
      generators: [{ matrix: { generators: [
        { clusters: { selector: { matchLabels: { [CLUSTER_RUN_LABEL]: runId }, matchExpressions: [{ key: 'env', operator: 'In', values: ['staging', 'prod'] }] } } },
        { list: { elements: [{ app: 'alpha' }, { app: 'beta' }] } },
      ] } }],
      template: {
        metadata: { name: '{{name}}-{{app}}', labels: { 'sluice.dev/test-run': runId } },
        spec: {
          project: 'default',
          source: { repoURL: repo.url, targetRevision: 'main', path: 'apps/{{app}}' },
          destination: { server: '{{server}}', namespace: target },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'], retry: { limit: 0 } },
        },
      },
    },
  } as unknown as KubeObject);

  const appNames = async () => (await applications(namespace)).map((a) => a.metadata.name).sort();
  const crossProduct = [`${prod}-alpha`, `${prod}-beta`, `${staging}-alpha`, `${staging}-beta`];
  await eventually('the four apps of the cross product', async () => ((await appNames()).join() === crossProduct.join() ? true : undefined), 120_000);
  // Each cluster runs its own two Deployments: the destination is the cluster's server.
  const deployed = async (cluster: string, name: string) => (await clients[cluster].get('apps/v1', 'Deployment', target, name)) !== undefined;
  await eventually('alpha and beta deployed on both clusters', async () => {
    for (const cluster of [staging, prod]) for (const name of ['alpha', 'beta']) if (!(await deployed(cluster, name))) return undefined;
    return true;
  }, 120_000);
  expect(await kube.get('apps/v1', 'Deployment', target, 'alpha')).toBeUndefined();
  // The set settles first (its apps' state changes refresh it too), so only the Secret can explain what follows.
  await eventually('the four apps Synced and Healthy on the set', async () => {
    const resources = ((await kube.get('sluice.dev/v1alpha1', 'ApplicationSet', namespace, 'fleet')) as any)?.status?.resources ?? [];
    return resources.length === 4 && resources.every((r: any) => r.status === 'Synced' && r.health?.status === 'Healthy') ? true : undefined;
  }, 120_000);
  await new Promise((resolve) => setTimeout(resolve, 5000));

  // prod leaves the selector: nothing but the Secret changes, and the set drops prod's two apps well within its 2m interval.
  const secret = (await kube.get('v1', 'Secret', 'default', prodSecret)) as any;
  secret.metadata.labels.env = 'retired';
  await kube.replace(secret);
  const relabelled = Date.now();
  await eventually('prod\'s apps dropped', async () => ((await appNames()).join() === [`${staging}-alpha`, `${staging}-beta`].join() ? true : undefined), 30_000);
  const droppedMs = Date.now() - relabelled;
  console.log(`prod's apps dropped ${droppedMs} ms after the relabel`);
  // Their resources go with them (the default finalizer), on prod's cluster only.
  await eventually('prod\'s Deployments pruned', async () => (!(await deployed(prod, 'alpha')) && !(await deployed(prod, 'beta')) ? true : undefined), 60_000);
  expect(await deployed(staging, 'alpha')).toBe(true);
  expect(await deployed(staging, 'beta')).toBe(true);
}, 300_000);
