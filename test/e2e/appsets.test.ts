// ApplicationSets end to end, through the worker: generated Applications are created, owned by the set, synced by
// their own workflows, updated when the template or a generator changes, and deleted (with their resources, or
// not, per syncPolicy) when no longer generated. Two sets generating one name both report the conflict, and
// neither takes the other's Application.
import { KubeObject } from '../../domain/resource/types';
import { KubeClient } from '../../activities/cluster/kube-client';
import { ensureClusters, StackCluster } from '../support/clusters';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const run = new E2eRun(18850);
const { kube, runId } = run;

beforeAll(() => run.start());
afterAll(() => run.stop());

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: main, image: registry.local/${name}:1}]}
`;

function applicationSet(name: string, namespace: string, spec: Record<string, unknown>, group = 'sluice.dev'): KubeObject {
  return { apiVersion: `${group}/v1alpha1`, kind: 'ApplicationSet', metadata: { name, namespace, labels: { 'sluice.dev/test-run': runId } }, spec } as unknown as KubeObject;
}

/** The template the tests share: labelled for this run's worker, automated, into `<ns>-{{suffix}}`. */
function template(repoURL: string, namespace: string, name: string, path: string, suffix: string, automated = true) {
  return {
    metadata: { name, labels: { 'sluice.dev/test-run': runId } },
    spec: {
      project: 'e2e',
      source: { repoURL, targetRevision: 'main', path },
      destination: { server: 'https://kubernetes.default.svc', namespace: `${namespace}-${suffix}` },
      syncPolicy: { ...(automated ? { automated: { prune: true, selfHeal: true } } : {}), syncOptions: ['CreateNamespace=true'], retry: { limit: 0 } },
    },
  };
}

const set = (namespace: string, name: string, group = 'sluice.dev') => kube.get(`${group}/v1alpha1`, 'ApplicationSet', namespace, name) as Promise<any>;
const apps = async (namespace: string) => (await kube.list('sluice.dev/v1alpha1', 'Application', { namespace })) as any[];
const condition = (s: any, type: string) => s?.status?.conditions?.find((c: { type: string }) => c.type === type);

async function setStatus(namespace: string, name: string, test: (s: any) => boolean, what: string, group = 'sluice.dev'): Promise<any> {
  return eventually(what, async () => {
    const s = await set(namespace, name, group);
    return s && test(s) ? s : undefined;
  }, 120_000);
}

const refreshSet = (namespace: string, name: string) => run.temporal.workflow.getHandle(`sluice-appset/${namespace}/${name}`).signal('refresh');

test('a list set creates its Applications, owned by the set; they sync; a template change updates them; a removed element deletes its app and resources', async () => {
  const namespace = await run.namespace('appset-list');
  const repo = await run.repo('appset-list');
  repo.commit('initial', { 'manifests/dev/app.yaml': deployment('monitor', 1), 'manifests/staging/app.yaml': deployment('monitor', 2) });
  run.namespaces.push(`${namespace}-dev`, `${namespace}-staging`);
  const spec = {
    generators: [{ list: { elements: [{ env: 'dev' }, { env: 'staging' }] } }],
    template: template(repo.url, namespace, 'gitops-monitor-{{env}}', 'manifests/{{env}}', '{{env}}'),
  };
  await kube.create(applicationSet('envs', namespace, spec));
  const ready = await setStatus(namespace, 'envs', (s) => s.status?.resources?.length === 2 && s.status.resources.every((r: any) => r.status === 'Synced' && r.health.status === 'Healthy'), 'both apps Synced and Healthy on the set');
  expect(condition(ready, 'ResourcesUpToDate')).toMatchObject({ status: 'True' });
  expect(condition(ready, 'ErrorOccurred')).toMatchObject({ status: 'False' });
  const generated = await apps(namespace);
  expect(generated.map((a) => a.metadata.name).sort()).toEqual(['gitops-monitor-dev', 'gitops-monitor-staging']);
  for (const app of generated) expect(app.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ApplicationSet', name: 'envs', uid: ready.metadata.uid, controller: true })]);
  expect(((await kube.get('apps/v1', 'Deployment', `${namespace}-staging`, 'monitor')) as any).spec.replicas).toBe(2);
  const listed = run.sluice(namespace, 'appset', 'list');
  expect(listed.out).toMatch(new RegExp(`${namespace}\\s+envs\\s+2\\s+2\\s+2\\s+UpToDate`));
  const got = run.sluice(namespace, 'appset', 'get', 'envs');
  expect(got.out).toMatch(/gitops-monitor-dev\s+https:\/\/kubernetes\.default\.svc\s+\S+-dev\s+Synced\s+Healthy/);
  expect(got.out).toMatch(/gitops-monitor-staging\s+https:\/\/kubernetes\.default\.svc\s+\S+-staging\s+Synced\s+Healthy/);

  // A template change reaches the generated apps: a label is added to each.
  const current = await set(namespace, 'envs');
  current.spec.template.metadata.labels.tier = 'web';
  await kube.apply({ ...current, metadata: { name: 'envs', namespace, labels: current.metadata.labels } });
  await eventually('the new label on both apps', async () => ((await apps(namespace)).every((a) => a.metadata.labels?.tier === 'web') ? true : undefined));

  // staging is no longer generated: its app is deleted, and with it (the default finalizer) its Deployment.
  const latest = await set(namespace, 'envs');
  latest.spec.generators = [{ list: { elements: [{ env: 'dev' }] } }];
  await kube.apply({ ...latest, metadata: { name: 'envs', namespace, labels: latest.metadata.labels } });
  await eventually('the staging app gone', async () => ((await apps(namespace)).map((a) => a.metadata.name).join() === 'gitops-monitor-dev' ? true : undefined));
  await eventually('the staging Deployment pruned', async () => ((await kube.get('apps/v1', 'Deployment', `${namespace}-staging`, 'monitor')) ? undefined : true));
  expect(await kube.get('apps/v1', 'Deployment', `${namespace}-dev`, 'monitor')).toBeDefined();
});

test('a git directories set follows the repo: a new directory is a new app, a removed one deletes its app but keeps its resources (preserveResourcesOnDeletion)', async () => {
  const namespace = await run.namespace('appset-dirs');
  const repo = await run.repo('appset-dirs');
  repo.commit('initial', { 'apps/alpha/app.yaml': deployment('alpha', 1), 'apps/beta/app.yaml': deployment('beta', 1), 'apps/skip/app.yaml': deployment('skip', 1) });
  run.namespaces.push(`${namespace}-alpha`, `${namespace}-beta`, `${namespace}-gamma`);
  await kube.create(applicationSet('dirs', namespace, {
    generators: [{ git: { repoURL: repo.url, revision: 'main', directories: [{ path: 'apps/*' }, { path: 'apps/skip', exclude: true }] } }],
    template: template(repo.url, namespace, '{{path.basename}}', '{{path}}', '{{path.basename}}'),
    syncPolicy: { preserveResourcesOnDeletion: true },
  }));
  await setStatus(namespace, 'dirs', (s) => s.status?.resources?.length === 2 && s.status.resources.every((r: any) => r.health.status === 'Healthy'), 'alpha and beta Healthy');
  expect((await apps(namespace)).map((a) => a.metadata.name).sort()).toEqual(['alpha', 'beta']);

  // A push adds gamma and removes beta; the webhook names the repo, and the set regenerates.
  repo.commit('gamma in, beta out', { 'apps/gamma/app.yaml': deployment('gamma', 1), 'apps/beta/app.yaml': null });
  const hook = await fetch(`http://127.0.0.1:${run.httpPort}/api/webhook`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sluice-Token': run.webhookSecret },
    body: JSON.stringify({ repoURL: repo.url, revision: 'main' }),
  });
  expect(await hook.json()).toMatchObject({ applicationSets: [`${namespace}/dirs`] });
  await setStatus(namespace, 'dirs', (s) => s.status?.resources?.map((r: any) => `${r.name}:${r.health.status}`).join() === 'alpha:Healthy,gamma:Healthy', 'alpha and gamma Healthy, beta gone');
  // beta's app is gone, its Deployment kept.
  expect(await kube.get('apps/v1', 'Deployment', `${namespace}-beta`, 'beta')).toBeDefined();
});

test('two sets generating one name: the first keeps it, both report the conflict, and neither overwrites the other', async () => {
  const namespace = await run.namespace('appset-conflict');
  const repo = await run.repo('appset-conflict');
  repo.commit('initial', { 'one/app.yaml': deployment('one', 1), 'two/app.yaml': deployment('two', 1) });
  run.namespaces.push(`${namespace}-x`);
  await kube.create(applicationSet('first', namespace, { generators: [{ list: { elements: [{ n: 'one' }] } }], template: template(repo.url, namespace, 'shared', '{{n}}', 'x', false) }));
  await setStatus(namespace, 'first', (s) => s.status?.resources?.length === 1, 'the first set owns shared');
  await kube.create(applicationSet('second', namespace, { generators: [{ list: { elements: [{ n: 'two' }] } }], template: template(repo.url, namespace, 'shared', '{{n}}', 'x', false) }));
  const second = await setStatus(namespace, 'second', (s) => condition(s, 'ErrorOccurred')?.status === 'True', 'the conflict on the second set');
  expect(condition(second, 'ErrorOccurred').message).toContain('Application shared is generated by ApplicationSet first too');
  const first = await setStatus(namespace, 'first', (s) => condition(s, 'ErrorOccurred')?.status === 'True', 'the conflict on the first set too');
  expect(condition(first, 'ErrorOccurred').message).toContain('ApplicationSet second generates shared too');
  const shared = (await apps(namespace)).find((a) => a.metadata.name === 'shared');
  expect(shared.spec.source.path).toBe('one');
  expect(shared.metadata.ownerReferences.map((o: any) => o.name)).toEqual(['first']);

  // The second set drops the name: both conflicts clear.
  const s2 = await set(namespace, 'second');
  s2.spec.template.metadata.name = 'other';
  await kube.apply({ ...s2, metadata: { name: 'second', namespace, labels: s2.metadata.labels } });
  await setStatus(namespace, 'second', (s) => condition(s, 'ErrorOccurred')?.status === 'False', 'the second set clean');
  await refreshSet(namespace, 'first');
  await setStatus(namespace, 'first', (s) => condition(s, 'ErrorOccurred')?.status === 'False', 'the first set clean');
});

test('a template error is a condition on the set naming the field, and nothing is applied', async () => {
  const namespace = await run.namespace('appset-bad');
  await kube.create(applicationSet('bad', namespace, {
    goTemplate: true, goTemplateOptions: ['missingkey=error'],
    generators: [{ list: { elements: [{ env: 'dev' }] } }],
    template: template('http://nowhere.invalid/repo.git', namespace, 'app-{{.envv}}', 'x', 'x'),
  }));
  const bad = await setStatus(namespace, 'bad', (s) => condition(s, 'ParametersGenerated')?.status === 'False' || condition(s, 'ErrorOccurred')?.status === 'True', 'the error on the set');
  expect(condition(bad, 'ErrorOccurred').message).toMatch(/spec\.template\.metadata\.name.*envv/);
  expect(await apps(namespace)).toEqual([]);
});

/** An Argo CD cluster Secret for one of the stack's extra clusters, under a name of this run. */
async function registerCluster(name: string, cluster: StackCluster): Promise<void> {
  await kube.create({
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: `cluster-${name}`, namespace: 'default', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
    stringData: { name, server: cluster.server, config: JSON.stringify({ bearerToken: cluster.token, tlsClientConfig: { caData: cluster.caData } }) },
  } as unknown as KubeObject);
  clusterSecrets.push(`cluster-${name}`);
}
const clusterSecrets: string[] = [];
const remoteNamespaces: Array<{ client: KubeClient; namespace: string }> = [];
afterAll(async () => {
  for (const name of clusterSecrets) await kube.delete('v1', 'Secret', 'default', name).catch(() => undefined);
  for (const { client, namespace } of remoteNamespaces) await client.delete('v1', 'Namespace', undefined, namespace, 'Background').catch(() => undefined);
});

// The two sets, as written for sluice.dev/v1alpha1, and unchanged (argoproj.io) in compatibility mode.
test.each(['sluice.dev', 'argoproj.io'])('the common setup (%s): dev and staging automatic, prod synced by hand; a push reaches both, a bad push reverted heals both', async (group) => {
  const variant = group.split('.')[0];
  const namespace = await run.namespace(`appset-envs-${variant}`);
  const repo = await run.repo(`appset-envs-${variant}`);
  repo.commit('initial', { 'manifests/dev/app.yaml': deployment('monitor', 1), 'manifests/staging/app.yaml': deployment('monitor', 2), 'manifests/prod/app.yaml': deployment('monitor', 3) });
  // Three clusters: dev is in-cluster, staging and prod are the stack's extra clusters, each its own API server.
  const [staging, prod] = await ensureClusters(3);
  await registerCluster(`staging-${variant}-${runId}`, staging);
  await registerCluster(`prod-${variant}-${runId}`, prod);
  const clients: Record<string, KubeClient> = { dev: kube, staging: KubeClient.fromFile(staging.kubeconfig), prod: KubeClient.fromFile(prod.kubeconfig) };
  const stagingServer = staging.server;
  const prodServer = prod.server;
  // The same namespace on every cluster, as in the issue (with this run's id, so runs never meet).
  const target = (_env: string) => `gitops-monitor-${variant}-${runId}`;
  run.namespaces.push(target('dev'));
  remoteNamespaces.push({ client: clients.staging, namespace: target('staging') }, { client: clients.prod, namespace: target('prod') });
  const setTemplate = (automated: boolean) => ({
    metadata: {
      name: 'gitops-monitor-{{env}}', labels: { 'sluice.dev/test-run': runId },
      annotations: {
        'notifications.argoproj.io/subscribe.on-deployed.slack': 'deploys',
        'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'deploys',
        'notifications.argoproj.io/subscribe.on-degraded.slack': 'deploys',
      },
    },
    spec: {
      project: 'default',
      source: { repoURL: repo.url, targetRevision: 'main', path: 'manifests/{{env}}' },
      destination: { server: '{{server}}', namespace: '{{namespace}}' },
      syncPolicy: { ...(automated ? { automated: { prune: true, selfHeal: true } } : {}), syncOptions: ['CreateNamespace=true'], retry: { limit: 0 } },
    },
  });
  await kube.create(applicationSet('auto', namespace, {
    generators: [{ list: { elements: [
      { env: 'dev', server: 'https://kubernetes.default.svc', namespace: target('dev') },
      { env: 'staging', server: stagingServer, namespace: target('staging') },
    ] } }],
    template: setTemplate(true),
  }, group));
  await kube.create(applicationSet('manual', namespace, {
    generators: [{ list: { elements: [{ env: 'prod', server: prodServer, namespace: target('prod') }] } }],
    template: setTemplate(false),
  }, group));

  const argoApp = (name: string) => kube.get(`${group}/v1alpha1`, 'Application', namespace, name) as Promise<any>;
  const replicas = async (env: string) => ((await clients[env].get('apps/v1', 'Deployment', target(env), 'monitor')) as any)?.spec?.replicas;
  await eventually('dev and staging deployed with 1 and 2 replicas', async () => ((await replicas('dev')) === 1 && (await replicas('staging')) === 2 ? true : undefined), 120_000);
  await eventually('prod compared and OutOfSync', async () => ((await argoApp('gitops-monitor-prod'))?.status?.sync?.status === 'OutOfSync' ? true : undefined));
  expect(await replicas('prod')).toBeUndefined();
  // Each environment is on its own cluster: the main cluster has only dev's Deployment.
  expect(await kube.get('apps/v1', 'Deployment', target('dev'), 'monitor')).toBeDefined();
  expect(await clients.staging.get('apps/v1', 'Deployment', target('dev'), 'monitor').then((d) => (d as any)?.spec?.replicas)).toBe(2);
  expect((await argoApp('gitops-monitor-dev')).metadata.annotations['notifications.argoproj.io/subscribe.on-degraded.slack']).toBe('deploys');

  // A person syncs prod.
  const synced = run.sluice(namespace, 'app', 'sync', 'gitops-monitor-prod');
  expect(synced.code).toBe(0);
  expect(await replicas('prod')).toBe(3);

  // A push reaches dev and staging (the webhook names the repo), not prod.
  const push = async (message: string, files: Record<string, string>) => {
    const sha = repo.commit(message, files);
    await fetch(`http://127.0.0.1:${run.httpPort}/api/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sluice-Token': run.webhookSecret }, body: JSON.stringify({ repoURL: repo.url, revision: 'main' }) });
    return sha;
  };
  const atRevision = (sha: string) => eventually(`dev and staging Synced and Healthy at ${sha.slice(0, 8)}`, async () => {
    const apps = [await argoApp('gitops-monitor-dev'), await argoApp('gitops-monitor-staging')];
    return apps.every((a) => a?.status?.sync?.revision === sha && a.status.sync.status === 'Synced' && a.status.health?.status === 'Healthy') ? true : undefined;
  }, 120_000);
  const good = await push('dev 2, staging 3', { 'manifests/dev/app.yaml': deployment('monitor', 2), 'manifests/staging/app.yaml': deployment('monitor', 3) });
  await atRevision(good);
  expect([await replicas('dev'), await replicas('staging'), await replicas('prod')]).toEqual([2, 3, 3]);

  // A bad push (a replica count the API server refuses) fails both syncs; `git revert` heals both.
  const broken = (replicaCount: string) => deployment('monitor', 1).replace('replicas: 1', `replicas: ${replicaCount}`);
  const bad = await push('bad replicas', { 'manifests/dev/app.yaml': broken('two'), 'manifests/staging/app.yaml': broken('three') });
  // Both apps go OutOfSync at the bad revision, and their automated syncs fail naming the object and field.
  await eventually('both syncs of the bad push failed', async () => {
    const apps = [await argoApp('gitops-monitor-dev'), await argoApp('gitops-monitor-staging')];
    return apps.every((a) => a?.status?.sync?.revision === bad && a.status.sync.status === 'OutOfSync' && a.status.operationState?.phase === 'Failed'
      && a.status.operationState.syncResult?.revision === bad && /Deployment.*monitor.*\.spec\.replicas/.test(a.status.operationState.message)) ? true : undefined;
  }, 120_000);
  expect([await replicas('dev'), await replicas('staging')]).toEqual([2, 3]);
  repo.git('revert', '--no-edit', 'HEAD');
  repo.git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  const reverted = repo.git('rev-parse', 'HEAD');
  await push('announce the revert', {});
  await atRevision(repo.git('rev-parse', 'HEAD'));
  expect(reverted).not.toBe(bad);
  expect([await replicas('dev'), await replicas('staging')]).toEqual([2, 3]);
}, 420_000);
