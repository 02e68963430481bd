// End to end: an app owns only what it created. Two Applications both named `web`, in two namespaces,
// deploy into one shared namespace with automated prune; each syncs, prunes and is deleted without
// touching the other's objects. Objects stamped the old way (a bare app name) are adopted, never pruned.
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const run = new E2eRun(18300);
const { kube, runId, application, waitForOperation, push } = run;

beforeAll(() => run.start());
afterAll(() => run.stop());

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  owner: ${value}\n`;
const appPath = (namespace: string) => `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/web`;

/** Before Sluice named the app's namespace in its identity, it stamped the bare app name. */
function legacyConfigMap(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace, labels: { 'sluice.dev/app': 'web' }, annotations: { 'sluice.dev/tracking-id': `web:/ConfigMap:${namespace}/${name}` } },
    data: { owner: 'legacy' },
  };
}

test('two apps named web in two namespaces sync, prune and are deleted without touching each other\'s objects', async () => {
  const [teamA, teamB, shared] = await Promise.all([run.namespace('team-a'), run.namespace('team-b'), run.namespace('shared')]);
  // Objects from before the upgrade: one the app still declares (adopted), one it no longer does (left alone).
  await kube.create(legacyConfigMap(shared, 'a-config'));
  await kube.create(legacyConfigMap(shared, 'legacy-leftover'));

  const repoA = await run.repo('team-a');
  const repoB = await run.repo('team-b');
  const headA = repoA.commit('initial', { 'app/a-config.yaml': configMap('a-config', 'team-a'), 'app/a-extra.yaml': configMap('a-extra', 'team-a') });
  const headB = repoB.commit('initial', { 'app/b-config.yaml': configMap('b-config', 'team-b') });
  const create = (namespace: string, repoURL: string) => {
    const manifest = applicationManifest({ name: 'web', namespace, repoURL, destination: shared, runId });
    return kube.create({ ...manifest, metadata: { ...(manifest.metadata as object), finalizers: ['resources-finalizer.argocd.argoproj.io'] } } as unknown as KubeObject);
  };
  // team-a first; then team-b's first sync, with automated prune, finds team-a's objects in the namespace.
  await create(teamA, repoA.url);
  await waitForOperation(teamA, 'web', 'Succeeded', headA);
  await create(teamB, repoB.url);
  await waitForOperation(teamB, 'web', 'Succeeded', headB);

  // Each app's prune leaves the other's objects alone.
  const names = async () => (await kube.list('v1', 'ConfigMap', { namespace: shared })).map((c) => c.metadata.name).filter((n) => n !== 'kube-root-ca.crt').sort();
  expect(await names()).toEqual(['a-config', 'a-extra', 'b-config', 'legacy-leftover']);
  const adopted = await kube.get('v1', 'ConfigMap', shared, 'a-config');
  expect(adopted!.metadata.annotations!['sluice.dev/tracking-id']).toBe(`${teamA}_web:/ConfigMap:${shared}/a-config`);
  expect(adopted!.metadata.labels!['sluice.dev/app']).toBe(`${teamA}_web`);
  expect(adopted!.data).toEqual({ owner: 'team-a' });
  const leftover = await kube.get('v1', 'ConfigMap', shared, 'legacy-leftover');
  expect(leftover!.metadata.annotations!['sluice.dev/tracking-id']).toBe(`web:/ConfigMap:${shared}/legacy-leftover`);
  for (const namespace of [teamA, teamB]) {
    // The operation's end is written before the refresh that follows it: wait for that refresh's verdict.
    const app = await eventually(`${namespace}/web to be Synced`, async () => {
      const current = await application(namespace, 'web');
      return current?.status?.sync?.status === 'Synced' ? current : undefined;
    }, 10_000);
    expect(app.status.resources.map((r: any) => r.name).sort()).toEqual(namespace === teamA ? ['a-config', 'a-extra'] : ['b-config']);
  }

  // Drift on an adopted object reaches its app through the watch (polling is every 2 minutes): self-heal reverts it.
  await kube.request('PATCH', `/api/v1/namespaces/${shared}/configmaps/a-config`, { body: { data: { owner: 'someone' } }, contentType: 'application/merge-patch+json' });
  await eventually('team-a to heal a-config', async () => (((await kube.get('v1', 'ConfigMap', shared, 'a-config'))?.data as any)?.owner === 'team-a' ? true : undefined), 30_000);

  // A prune of team-a's removed file deletes team-a's object, and only that.
  const next = await push(repoA, teamA, 'web', 'remove a-extra', { 'app/a-extra.yaml': null });
  await waitForOperation(teamA, 'web', 'Succeeded', next);
  await eventually('a-extra to be pruned', async () => ((await kube.get('v1', 'ConfigMap', shared, 'a-extra')) ? undefined : true));
  expect(await names()).toEqual(['a-config', 'b-config', 'legacy-leftover']);

  // Deleting team-b's app (resources finalizer) deletes team-b's objects only.
  await kube.request('DELETE', appPath(teamB));
  await eventually('team-b\'s app to be gone', async () => ((await application(teamB, 'web')) ? undefined : true));
  expect(await names()).toEqual(['a-config', 'legacy-leftover']);
  // team-a is still whole and in sync after a fresh compare.
  await run.refreshNow(teamA, 'web');
  const refreshed = await application(teamA, 'web');
  expect(refreshed.status.sync.status).toBe('Synced');
  expect(await names()).toEqual(['a-config', 'legacy-leftover']);

  await kube.request('DELETE', appPath(teamA));
  await eventually('team-a\'s app to be gone', async () => ((await application(teamA, 'web')) ? undefined : true));
  expect(await names()).toEqual(['legacy-leftover']);
});
