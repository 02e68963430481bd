// Sync options against the real API server, through the sync activities the workflow calls (prepare,
// dry-run, steps) and the finalizer activity: each option Sluice accepts visibly changes what happens.
import { InputError } from '../../../domain/errors';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../../activities';
import { ApplyRejectedError, Change } from '../../../activities/cluster/apply';
import { KindRef } from '../../../activities/cluster/prune';
import { dryRunSync, prepareSync, runSyncStep, SyncContext } from '../../../activities/sync';
import { ApplicationSpec } from '../../../domain/application/types';
import { KubeObject } from '../../../domain/resource/types';
import { deploymentYaml } from '../../fixtures/sources';
import { TestRepo } from '../../support/git';
import { ensureTestProjects } from '../../support/projects';
import { testEngine } from '../../support/engine';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../../support/kube';
import { stackEnv, useStackTools } from '../../support/stack';

const env = useStackTools();
const kc = kubeConfig();
const { engine, cleanup } = testEngine();
const namespaces: string[] = [];
let repo: TestRepo;

beforeAll(async () => {
  await ensureTestProjects(engine.client, engine.controlNamespace);
  repo = await TestRepo.create('sync-options');
});
afterAll(async () => {
  repo.cleanup();
  cleanup();
  await Promise.all(namespaces.map((ns) => deleteNamespace(kc, ns)));
});

function kubectl(...args: string[]): string {
  return execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', stackEnv().KUBECONFIG, ...args], { encoding: 'utf8' });
}

const configMap = (name: string, annotations = '', extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${annotations ? `  annotations:\n    argocd.argoproj.io/sync-options: ${annotations}\n` : ''}data:\n  a: b\n${extra}---\n`;

/** A new namespace, the app named after it (or `name`), and its spec over `dir` in the shared repo. */
async function newApp(prefix: string, dir: string, extra: Partial<ApplicationSpec> = {}, name?: string) {
  const namespace = await createTestNamespace(kc, prefix);
  namespaces.push(namespace);
  const app = { group: 'sluice.dev' as const, name: name ?? namespace, namespace };
  const spec: ApplicationSpec = { source: { repoURL: repo.url, targetRevision: 'main', path: dir }, destination: { server: 'https://kubernetes.default.svc', namespace }, ...extra };
  return { app, spec, namespace };
}

/** One sync as the sync workflow runs it: prepare, dry-run, then each step in order. */
async function sync(app: SyncContext['app'], spec: ApplicationSpec, options: { prune?: boolean; managedKinds?: KindRef[] } = {}): Promise<Change[]> {
  const ctx: SyncContext = { app, spec, revision: (await engine.resolve(spec)).sha, operationId: `op-${randomUUID().slice(0, 8)}`, prune: !!options.prune, managedKinds: options.managedKinds ?? [] };
  const prepared = await prepareSync(engine, ctx);
  await dryRunSync(engine, ctx);
  const changes: Change[] = [];
  for (const [index, step] of prepared.plan.steps.entries()) changes.push(...(await runSyncStep(engine, { ctx, tasks: step.tasks, first: index === 0 })));
  return changes;
}

const names = (kinds: string, namespace: string) => kubectl('get', kinds, '-n', namespace, '-o', 'name').split('\n').filter(Boolean).sort();

test('CreateNamespace=true creates the destination namespace before the first step', async () => {
  repo.commit('create-namespace', { 'create-namespace/config.yaml': configMap('settings') });
  const { app, spec } = await newApp('cns', 'create-namespace');
  const target = `${app.namespace}-new`;
  namespaces.push(target);
  const changes = await sync(app, { ...spec, destination: { ...spec.destination, namespace: target }, syncPolicy: { syncOptions: ['CreateNamespace=true'] } });
  expect(changes).toContainEqual({ subject: `Namespace/${target}`, action: 'created' });
  expect(names('configmaps', target)).toContain('configmap/settings');
});

test('ServerSideApply=true is what every apply does: field manager sluice, operation Apply', async () => {
  repo.commit('ssa', { 'ssa/config.yaml': configMap('settings') });
  const { app, spec, namespace } = await newApp('ssa', 'ssa', { syncPolicy: { syncOptions: ['ServerSideApply=true'] } });
  await sync(app, spec);
  const live = await engine.client.get('v1', 'ConfigMap', namespace, 'settings');
  expect(live!.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'sluice', operation: 'Apply' }));
});

test('PrunePropagationPolicy=orphan prunes a Deployment and leaves its ReplicaSet', async () => {
  repo.commit('orphan v1', { 'orphan/deployment.yaml': deploymentYaml('web', 1), 'orphan/config.yaml': configMap('settings') });
  const { app, spec, namespace } = await newApp('orphan', 'orphan', { syncPolicy: { syncOptions: ['PrunePropagationPolicy=orphan'] } });
  await sync(app, spec);
  const replicaSet = await eventually('the ReplicaSet', async () => (await engine.client.list('apps/v1', 'ReplicaSet', { namespace }))[0]);
  repo.commit('orphan v2', { 'orphan/deployment.yaml': null });
  const changes = await sync(app, spec, { prune: true, managedKinds: [{ apiVersion: 'apps/v1', kind: 'Deployment' }] });
  expect(changes).toContainEqual({ subject: `Deployment/${namespace}/web`, action: 'deleted' });
  await eventually('the Deployment to go', async () => ((await engine.client.get('apps/v1', 'Deployment', namespace, 'web')) ? undefined : true));
  // Orphaned, not deleted: the ReplicaSet stays, without its owner reference.
  const left = await eventually('the ReplicaSet to be orphaned', async () => {
    const live = await engine.client.get('apps/v1', 'ReplicaSet', namespace, replicaSet.metadata.name!);
    return live && !(live.metadata.ownerReferences as unknown[] | undefined)?.length ? live : undefined;
  });
  expect(left.metadata.uid).toBe(replicaSet.metadata.uid);
});

test('RespectIgnoreDifferences=true keeps replicas scaled by hand; without it git wins', async () => {
  repo.commit('respect', { 'respect/deployment.yaml': deploymentYaml('web', 1) });
  const ignoreDifferences = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }];
  const { app, spec, namespace } = await newApp('respect', 'respect', { ignoreDifferences, syncPolicy: { syncOptions: ['RespectIgnoreDifferences=true'] } });
  const replicas = async () => ((await engine.client.get('apps/v1', 'Deployment', namespace, 'web'))!.spec as { replicas: number }).replicas;
  await sync(app, spec);
  expect(await replicas()).toBe(1);
  kubectl('scale', 'deployment/web', '-n', namespace, '--replicas=3');
  await sync(app, spec);
  expect(await replicas()).toBe(3);
  // The same app without the option: git's replicas are applied again.
  await sync(app, { ...spec, syncPolicy: {} });
  expect(await replicas()).toBe(1);
});

test('FailOnSharedResource=true fails the sync before anything is applied, naming the object and the other app', async () => {
  repo.commit('shared', {
    'shared/first/config.yaml': configMap('shared'),
    'shared/second/config.yaml': configMap('shared') + configMap('only-second'),
  });
  const first = await newApp('shared', 'shared/first');
  await sync(first.app, first.spec);
  const second = { app: { ...first.app, name: `${first.app.name}-second` }, spec: { ...first.spec, source: { ...first.spec.source!, path: 'shared/second' }, syncPolicy: { syncOptions: ['FailOnSharedResource=true'] } } };
  const attempt = sync(second.app, second.spec);
  await expect(attempt).rejects.toThrow(`Shared resource found (FailOnSharedResource=true): ConfigMap/${first.namespace}/shared is part of applications ${first.app.namespace}_${first.app.name} and ${second.app.namespace}_${second.app.name}`);
  expect(names('configmaps', first.namespace)).not.toContain('configmap/only-second');
  // Without the option, Argo CD's default: the second app takes the object over.
  await sync(second.app, { ...second.spec, syncPolicy: {} });
  expect(names('configmaps', first.namespace)).toContain('configmap/only-second');
});

test('Delete=false keeps a resource when its app is deleted; the rest is deleted', async () => {
  repo.commit('delete', {
    'delete/config.yaml': configMap('kept', 'Delete=false') + configMap('pruned-on-sync', 'Delete=false') + configMap('deleted'),
  });
  const { app, spec, namespace } = await newApp('delete', 'delete');
  const finalizer = 'resources-finalizer.argocd.argoproj.io';
  await engine.client.apply({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name: app.name, namespace, finalizers: [finalizer] }, spec } as KubeObject);
  await sync(app, spec);
  // Delete=false guards app deletion only: removed from git, the object is still pruned (Prune=false guards that).
  repo.commit('delete v2', { 'delete/config.yaml': configMap('kept', 'Delete=false') + configMap('deleted') });
  expect(await sync(app, spec, { prune: true })).toContainEqual({ subject: `ConfigMap/${namespace}/pruned-on-sync`, action: 'deleted' });

  kubectl('delete', 'applications.sluice.dev', app.name, '-n', namespace, '--wait=false');
  await createActivities(engine).finalizeApplication({ app, managedKinds: [{ apiVersion: 'v1', kind: 'ConfigMap' }], prune: true, finalizers: [finalizer] });
  await eventually('the Application to go', async () => ((await engine.client.get('sluice.dev/v1alpha1', 'Application', namespace, app.name)) ? undefined : true));
  const left = names('configmaps', namespace);
  expect(left).toContain('configmap/kept');
  expect(left).not.toContain('configmap/deleted');
});

test('SkipDryRunOnMissingResource skips the dry-run only for a kind the cluster does not serve', async () => {
  const gadget = (options = '') => `apiVersion: test.sluice.dev/v1\nkind: Gadget\nmetadata:\n  name: g\n${options ? `  annotations:\n    argocd.argoproj.io/sync-options: ${options}\n` : ''}spec: {}\n---\n`;
  repo.commit('skip-dry-run', {
    'skip/app-level/all.yaml': gadget() + configMap('valid') + configMap('invalid', '', 'unknownTopLevel: true\n'),
    'skip/annotated/all.yaml': gadget('SkipDryRunOnMissingResource=true') + configMap('valid'),
    'skip/annotated-invalid/all.yaml': gadget('SkipDryRunOnMissingResource=true') + configMap('invalid', '', 'unknownTopLevel: true\n'),
    'skip/unannotated/all.yaml': gadget() + configMap('valid'),
  });
  const dryRun = async (dir: string, syncOptions: string[] = []) => {
    const { app, spec } = await newApp('skip', dir, { syncPolicy: { syncOptions } });
    return dryRunSync(engine, { app, spec, revision: (await engine.resolve(spec)).sha, operationId: 'op', prune: false, managedKinds: [] });
  };
  // The app-wide option still dry-runs the ConfigMaps, so the invalid one fails the sync.
  await expect(dryRun('skip/app-level', ['SkipDryRunOnMissingResource=true'])).rejects.toThrow(ApplyRejectedError);
  await expect(dryRun('skip/app-level', ['SkipDryRunOnMissingResource=true'])).rejects.toThrow(/ConfigMap\/skip-[a-z0-9-]+\/invalid: .*unknownTopLevel/);
  // On the resource alone: the unknown kind is skipped, the rest is dry-run.
  await expect(dryRun('skip/annotated')).resolves.toBeUndefined();
  await expect(dryRun('skip/annotated-invalid')).rejects.toThrow(/ConfigMap\/skip-[a-z0-9-]+\/invalid: .*unknownTopLevel/);
  // Without the option an unknown kind is refused, naming it.
  await expect(dryRun('skip/unannotated')).rejects.toThrow(/the cluster does not serve kind Gadget in test.sluice.dev\/v1/);
});

test('a refused option in a sync-options annotation fails the comparison, naming the resource, annotation and value', async () => {
  repo.commit('refused', { 'refused/config.yaml': configMap('settings', 'CreateNamespace=true') });
  const { app, spec, namespace } = await newApp('refused', 'refused');
  const comparing = engine.compare(app, spec);
  // Annotations are read with the manifests, so the error names the file, the object and the annotation.
  await expect(comparing).rejects.toBeInstanceOf(InputError);
  await expect(comparing).rejects.toMatchObject({ field: 'metadata.annotations["argocd.argoproj.io/sync-options"]' });
  await expect(comparing).rejects.toThrow(/refused\/config\.yaml:\d+: ConfigMap\/settings: argocd\.argoproj\.io\/sync-options: "CreateNamespace=true": CreateNamespace applies to the whole application/);
  expect(namespace).toBeDefined();
});
