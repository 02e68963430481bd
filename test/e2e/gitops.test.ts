// End to end on the local stack: a git push is the trigger, the real worker (a child process) runs the
// workflows on the Temporal dev server, and the real API server (with kwok) runs the result.
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { stringify } from 'yaml';
import { KubeObject } from '../../domain/resource/types';
import { applicationWorkflowId, syncWorkflowId } from '../../domain/operation/types';
import { rollbackUpdate, statusQuery, syncUpdate } from '../../workflows/application';
import { approveUpdate } from '../../workflows/sync';
import { applicationManifest, wavesApp } from '../fixtures/gitops';
import { E2eRun, rejection } from '../support/e2e';
import { TestRepo } from '../support/git';
import { createTestNamespace, eventually } from '../support/kube';
import { startWorker } from '../support/worker';

const run = new E2eRun(18090);
const { env, kc, kube, runId, scratch, namespaces, repos } = run;
const { scenario, application, waitForOperation, push, appHandle, refreshed, pendingApproval, sluice } = run;
const WEBHOOK_PORT = run.httpPort;
const WEBHOOK_SECRET = run.webhookSecret;

beforeAll(() => run.start());
afterAll(() => run.stop());

const created = (obj: KubeObject | undefined) => Date.parse(obj!.metadata.creationTimestamp!);

test('waves and hooks run in order: PreSync Job, wave 1 ConfigMap, wave 2 Deployment, then PostSync after the Deployment is Available', async () => {
  const { namespace, name, repo } = await scenario('waves', wavesApp());
  const head = repo.git('rev-parse', 'HEAD');
  const app = await waitForOperation(namespace, name, 'Succeeded', head);
  expect(app.status.history.map((h: any) => h.revision)).toEqual([head]);

  const [migrate, settings, web, smoke] = await Promise.all([
    kube.get('batch/v1', 'Job', namespace, 'migrate'), kube.get('v1', 'ConfigMap', namespace, 'settings'),
    kube.get('apps/v1', 'Deployment', namespace, 'web'), kube.get('batch/v1', 'Job', namespace, 'smoke'),
  ]);
  expect(created(migrate)).toBeLessThanOrEqual(created(settings));
  expect(created(settings)).toBeLessThanOrEqual(created(web));
  const available = (web!.status as any).conditions.find((c: any) => c.type === 'Available' && c.status === 'True');
  expect(created(smoke)).toBeGreaterThanOrEqual(Date.parse(available.lastTransitionTime));
  // The PreSync Job had completed before wave 1 began.
  const migrateDone = (migrate!.status as any).conditions.find((c: any) => c.type === 'Complete');
  expect(Date.parse(migrateDone.lastTransitionTime)).toBeLessThanOrEqual(created(settings));
  // The SyncFail hook never ran.
  expect(await kube.get('batch/v1', 'Job', namespace, 'notify-failure')).toBeUndefined();
  // The whole story is in Temporal: the app workflow's status names the synced revision.
  // (The sync writes its end to the CR a moment before the app workflow has settled it.)
  const handle = run.temporal.workflow.getHandle(applicationWorkflowId({ namespace, name }));
  await eventually('the app workflow to settle the sync', async () => (((await handle.query('status')) as any).state.lastSyncedRevision === head ? true : undefined), 30_000);
});

test('a failing PreSync hook fails the sync, runs the SyncFail hook, and applies nothing of the Sync phase', async () => {
  const { namespace, name } = await scenario('presync-fails', wavesApp({ failPreSync: true }));
  const app = await waitForOperation(namespace, name, 'Failed');
  expect(app.status.operationState.message).toMatch(/Job\/.*\/migrate is Degraded/);
  const failedHook = app.status.operationState.syncResult.resources.find((r: any) => r.name === 'migrate');
  expect(failedHook.status).toBe('Degraded');
  await eventually('the SyncFail hook to complete', async () => {
    const job = await kube.get('batch/v1', 'Job', namespace, 'notify-failure');
    return (job?.status as any)?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True') ? job : undefined;
  });
  expect(await kube.get('v1', 'ConfigMap', namespace, 'settings')).toBeUndefined();
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeUndefined();
  expect(await kube.get('batch/v1', 'Job', namespace, 'smoke')).toBeUndefined();
});

test('self-heal: kubectl scale is reverted; auto-sync with prune removes a deleted file\'s object', async () => {
  const { namespace, name, repo } = await scenario('heal', wavesApp());
  await waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
  // Polling is every 2 minutes here: only the drift watch can notice this within the 30 s allowed.
  execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, 'scale', 'deployment/web', '-n', namespace, '--replicas=5']);
  await eventually('the scaled Deployment to be healed back to 2 replicas', async () => {
    const web = await kube.get('apps/v1', 'Deployment', namespace, 'web');
    return (web?.spec as any).replicas === 2 ? web : undefined;
  }, 30_000);

  const next = await push(repo, namespace, name, 'remove the config', { 'app/config.yaml': null });
  await waitForOperation(namespace, name, 'Succeeded', next);
  await eventually('the ConfigMap to be pruned', async () => ((await kube.get('v1', 'ConfigMap', namespace, 'settings')) ? undefined : true));
  const app = await application(namespace, name);
  expect(app.status.sync.status).toBeDefined();
  expect(app.status.history.map((h: any) => h.revision)).toContain(next);
});




test('manual syncs through an Update, then rollback to the previous history entry; rollback is refused while automated', async () => {
  const { namespace, name, repo } = await scenario('rollback', wavesApp({ replicas: 2 }), { automated: false });
  const first = repo.git('rev-parse', 'HEAD');
  await refreshed(namespace, name);
  const handle = appHandle(namespace, name);
  await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
  await waitForOperation(namespace, name, 'Succeeded', first);
  const second = await push(repo, namespace, name, 'three replicas', { 'app/deployment.yaml': wavesApp({ replicas: 3 })['app/deployment.yaml'] });
  await eventually('the new revision to be seen', async () => ((await application(namespace, name))?.status?.sync?.revision === second ? true : undefined));
  await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice', prune: true }] });
  await waitForOperation(namespace, name, 'Succeeded', second);
  expect(((await kube.get('apps/v1', 'Deployment', namespace, 'web'))!.spec as any).replicas).toBe(3);

  const history = (await application(namespace, name)).status.history;
  expect(history.map((h: any) => [h.id, h.revision, h.initiatedBy.username])).toEqual([[0, first, 'alice'], [1, second, 'alice']]);
  expect(await rejection(handle.executeUpdate(rollbackUpdate, { args: [{ id: 7, initiatedBy: 'alice' }] }))).toMatch(/history id 7 not found/);
  await handle.executeUpdate(rollbackUpdate, { args: [{ id: 0, initiatedBy: 'alice' }] });
  await waitForOperation(namespace, name, 'Succeeded', first);
  expect(((await kube.get('apps/v1', 'Deployment', namespace, 'web'))!.spec as any).replicas).toBe(2);

  const automated = await scenario('no-rollback', wavesApp());
  await waitForOperation(automated.namespace, automated.name, 'Succeeded');
  expect(await rejection(appHandle(automated.namespace, automated.name).executeUpdate(rollbackUpdate, { args: [{ id: 0, initiatedBy: 'alice' }] }))).toMatch(/rollback cannot be initiated when auto-sync is enabled/);
});


test('an approval-gated app waits with nothing applied, refuses a stale or unlisted decision, and applies once approved through an Update', async () => {
  const { namespace, name, repo } = await scenario('approve-update', wavesApp(), { approval: { approvers: ['alice', 'group:sre'] } });
  const app = await pendingApproval(namespace, name);
  const { revision, diffDigest } = app.status.approval;
  expect(revision).toBe(repo.git('rev-parse', 'HEAD'));
  expect(app.status.approval.commands.join('\n')).toContain('temporal workflow signal');
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeUndefined();

  const sync = run.temporal.workflow.getHandle(syncWorkflowId({ namespace, name }, app.status.operationState.operation.operationId));
  expect(await rejection(sync.executeUpdate(approveUpdate, { args: [{ approve: true, revision, diffDigest, user: 'mallory' }] }))).toMatch(/mallory is not an approver/);
  expect(await rejection(sync.executeUpdate(approveUpdate, { args: [{ approve: true, revision, diffDigest: 'sha256:stale', user: 'alice' }] }))).toMatch(/stale decision/);
  const decided = await sync.executeUpdate(approveUpdate, { args: [{ approve: true, revision, diffDigest, user: 'bob', groups: ['sre'], comment: 'ship it' }] });
  expect(decided).toMatchObject({ state: 'Approved', decidedBy: 'bob' });
  expect(await rejection(sync.executeUpdate(approveUpdate, { args: [{ approve: true, revision, diffDigest, user: 'alice' }] }))).toMatch(/already approved by bob/);

  const done = await waitForOperation(namespace, name, 'Succeeded', revision);
  expect(done.status.approval).toMatchObject({ state: 'Approved', decidedBy: 'bob', comment: 'ship it' });
  expect(done.status.history[0].approvedBy).toBe('bob');
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeDefined();
});

test('an approval through a Signal sent with `temporal workflow signal`; a signal from an unlisted approver is refused and recorded', async () => {
  const { namespace, name } = await scenario('approve-signal', wavesApp(), { approval: { approvers: ['alice'] } });
  const app = await pendingApproval(namespace, name);
  const { revision, diffDigest } = app.status.approval;
  const workflowId = syncWorkflowId({ namespace, name }, app.status.operationState.operation.operationId);
  const signal = (user: string) => execFileSync(env.SLUICE_TEMPORAL_CLI, ['workflow', 'signal', '--address', env.TEMPORAL_ADDRESS, '--workflow-id', workflowId, '--name', 'approve', '--input', JSON.stringify({ revision, diffDigest, user })], { encoding: 'utf8' });

  signal('mallory');
  const progress = await eventually('the refusal to be recorded', async () => {
    const p: any = await run.temporal.workflow.getHandle(workflowId).query('progress');
    return p.approval.refused.length > 0 ? p : undefined;
  });
  expect(progress.approval.refused[0]).toMatchObject({ user: 'mallory', reason: expect.stringMatching(/not an approver/) });
  expect(progress.approval.state).toBe('Pending');

  signal('alice');
  const done = await waitForOperation(namespace, name, 'Succeeded', revision);
  expect(done.status.approval).toMatchObject({ state: 'Approved', decidedBy: 'alice (signal)' });
  expect(done.status.approval.refused).toEqual([expect.objectContaining({ user: 'mallory' })]);
});

test('the worker is killed with SIGKILL in the middle of a wave and restarted: the sync completes and each hook Job was created exactly once', async () => {
  const files = {
    ...wavesApp(),
    // Wave 1 stays Progressing until the test provides a volume: the sync is certainly mid-wave when killed.
    'app/claim.yaml': 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  annotations:\n    argocd.argoproj.io/sync-wave: "1"\nspec:\n  storageClassName: sluice-manual\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n',
  };
  const { namespace, name, repo } = await scenario('crash', files);
  const operationId = await eventually('the sync to wait on wave 1', async () => {
    const status: any = await appHandle(namespace, name).query(statusQuery);
    if (!status.operation) return undefined;
    const progress: any = await run.temporal.workflow.getHandle(status.operation.workflowId).query('progress');
    return progress.step === 'Sync/1' && (await kube.get('v1', 'PersistentVolumeClaim', namespace, 'data')) ? status.operation.workflowId : undefined;
  });
  const migrate = await kube.get('batch/v1', 'Job', namespace, 'migrate');

  await run.restartWorker('SIGKILL');
  await kube.create({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `${namespace}-data` },
    spec: { storageClassName: 'sluice-manual', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${namespace}` }, claimRef: { namespace, name: 'data' } },
  } as KubeObject);

  const done = await waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'), 120_000);
  expect(done.status.operationState.operation.operationId).toBe(operationId.split('/').pop());
  // The PreSync Job is the very object created before the crash, and its single pod ran once.
  expect((await kube.get('batch/v1', 'Job', namespace, 'migrate'))!.metadata.uid).toBe(migrate!.metadata.uid);
  for (const job of ['migrate', 'smoke']) {
    const pods = await kube.list('v1', 'Pod', { namespace, labelSelector: `job=${job}` });
    expect(pods.map((p) => p.metadata.name)).toHaveLength(1);
  }
  await kube.delete('v1', 'PersistentVolume', undefined, `${namespace}-data`);
});

test('search attributes find the app and its syncs in Temporal; a sync costs a bounded number of history events', async () => {
  const { namespace, name } = await scenario('visibility', wavesApp());
  await waitForOperation(namespace, name, 'Succeeded');
  const syncs = await eventually('the sync to be listed by its search attributes', async () => {
    const found = [];
    for await (const wf of run.temporal.workflow.list({ query: `SluiceApplication = '${name}' AND SluiceKind = 'Sync' AND SluiceOperationPhase = 'Succeeded' AND SluiceProject = 'e2e'` })) found.push(wf);
    return found.length === 1 ? found : undefined;
  });
  // The app workflow upserts Synced/Healthy at the refresh that follows the sync.
  const apps = await eventually('the app to be listed as Synced and Healthy', async () => {
    const found = [];
    for await (const wf of run.temporal.workflow.list({ query: `SluiceApplication = '${name}' AND SluiceKind = 'Application' AND SluiceSyncStatus = 'Synced' AND SluiceHealth = 'Healthy'` })) found.push(wf);
    return found.length > 0 ? found : undefined;
  });
  expect(apps.map((a) => a.workflowId)).toEqual([applicationWorkflowId({ namespace, name })]);
  const history = await run.temporal.workflow.getHandle(syncs[0].workflowId).fetchHistory();
  const events = history.events?.length ?? 0;
  console.log(`a sync with a PreSync hook, two waves and a PostSync hook cost ${events} history events`);
  expect(events).toBeLessThan(200);
});

test('two worker replicas at once neither double-start nor double-apply', async () => {
  const second = await startWorker({ ...run.workerEnv, SLUICE_HTTP_PORT: '0', SLUICE_TEMPORAL_METRICS_ADDRESS: '' });
  try {
    const { namespace, name, repo } = await scenario('replicas', wavesApp());
    const app = await waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
    expect(app.status.history).toHaveLength(1);
    const syncs = [];
    for await (const wf of run.temporal.workflow.list({ query: `WorkflowId STARTS_WITH 'sluice-sync/${namespace}/${name}/'` })) syncs.push(wf);
    expect(syncs).toHaveLength(1);
    const pods = await kube.list('v1', 'Pod', { namespace, labelSelector: 'job=migrate' });
    expect(pods).toHaveLength(1);
  } finally {
    await second.stop();
  }
});

// Argo CD's finalizer also comes as `/background` (and `/foreground`); before, an app with one was never pruned
// and stayed Terminating.
test.each(['resources-finalizer.argocd.argoproj.io', 'resources-finalizer.argocd.argoproj.io/background'])("deleting an Application with the resources finalizer %s prunes what it deployed, then releases the CR", async (finalizer) => {
  const { namespace, name } = await scenario('finalizer', wavesApp());
  await waitForOperation(namespace, name, 'Succeeded');
  await kube.request('PATCH', `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/${name}`, { body: { metadata: { finalizers: [finalizer] } }, contentType: 'application/merge-patch+json' });
  await kube.request('DELETE', `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/${name}`);
  await eventually('the CR to be gone', async () => ((await application(namespace, name)) ? undefined : true));
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeUndefined();
  expect(await kube.get('v1', 'ConfigMap', namespace, 'settings')).toBeUndefined();
  const result = await run.temporal.workflow.getHandle(applicationWorkflowId({ namespace, name })).result();
  expect(result).toBe('finalized');
});

test('Argo CD compatibility: an app-of-apps emits an argoproj.io Application with the resources finalizer, and Sluice reconciles it', async () => {
  const namespace = await createTestNamespace(kc, 'argo');
  namespaces.push(namespace);
  const repo = await TestRepo.create('argo');
  repos.push(repo);
  const child = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: child
  namespace: ${namespace}
  labels: {sluice.dev/test-run: "${runId}"}
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source: {repoURL: "${repo.url}", targetRevision: HEAD, path: app}
  destination: {server: "https://kubernetes.default.svc", namespace: ${namespace}}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    retry: {limit: 0}
`;
  const head = repo.commit('app of apps', { ...wavesApp(), 'apps/child.yaml': child });
  await kube.create(applicationManifest({ name: 'parent', namespace, repoURL: repo.url, path: 'apps', destination: namespace, runId }) as unknown as KubeObject);
  await waitForOperation(namespace, 'parent', 'Succeeded', head);
  const reconciled = await eventually('the argoproj.io child to be synced by Sluice', async () => {
    const app: any = await kube.get('argoproj.io/v1alpha1', 'Application', namespace, 'child');
    return app?.status?.operationState?.phase === 'Succeeded' && app.status.health?.status === 'Healthy' ? app : undefined;
  }, 90_000);
  expect(reconciled.status.sync).toMatchObject({ status: 'Synced', revision: head });
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeDefined();

  // Deleting the child honours Argo CD's finalizer: its resources are pruned before the CR goes.
  await kube.request('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/applications/child`);
  await eventually('the child CR to be released', async () => ((await kube.get('argoproj.io/v1alpha1', 'Application', namespace, 'child')) ? undefined : true));
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeUndefined();
});

test('bad input becomes a condition naming the app and field, and nothing is applied: unsupported source, unknown cluster', async () => {
  const { namespace, name } = await scenario('badinput', wavesApp());
  await waitForOperation(namespace, name, 'Succeeded');
  const cr = await application(namespace, name);
  const patch = async (spec: Record<string, unknown>) => kube.request('PATCH', `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/${name}`, { body: { spec }, contentType: 'application/merge-patch+json' });
  await patch({ destination: { server: 'https://other-cluster.example:6443', namespace } });
  const unknownCluster = await eventually('the destination condition', async () => {
    const app = await application(namespace, name);
    return app?.status?.conditions?.[0]?.type === 'InvalidDestination' ? app : undefined;
  });
  expect(unknownCluster.status.conditions[0].message).toMatch(new RegExp(`^Application ${namespace}/${name}: spec.destination.server: cluster https://other-cluster.example:6443 is not registered`));
  await patch({ destination: cr.spec.destination, source: { ...cr.spec.source, plugin: { name: 'cmp' } } });
  const unsupported = await eventually('the unsupported-source condition', async () => {
    const app = await application(namespace, name);
    return app?.status?.conditions?.[0]?.type === 'UnsupportedSource' ? app : undefined;
  });
  expect(unsupported.status.conditions[0].message).toMatch(/spec\.source\.plugin: config management plugins are not supported/);
  expect(unsupported.status.sync.status).toBe('Unknown');
  expect(unsupported.status.history).toHaveLength(1);
});


test('the sluice CLI binary: create, list, get, diff (exit 1 when out of sync), sync with a live view, history, wait, approve, delete', async () => {
  const namespace = await createTestNamespace(kc, 'cli');
  namespaces.push(namespace);
  const repo = await TestRepo.create('cli');
  repos.push(repo);
  const head = repo.commit('app', wavesApp());
  const file = path.join(scratch, `${namespace}.yaml`);
  fs.writeFileSync(file, stringify(applicationManifest({ name: 'manual', namespace, repoURL: repo.url, destination: namespace, runId, automated: false })));

  expect(sluice(namespace, 'app', 'create', '-f', file)).toMatchObject({ code: 0, out: expect.stringContaining('application.sluice.dev/manual created') });
  await refreshed(namespace, 'manual');
  expect(sluice(namespace, 'app', 'list').out).toMatch(/manual\s+OutOfSync/);
  expect(JSON.parse(sluice(namespace, 'app', 'get', 'manual', '-o', 'json').out).spec.source.repoURL).toBe(repo.url);
  const diff = sluice(namespace, 'app', 'diff', 'manual');
  expect(diff.code).toBe(1);
  expect(diff.out).toContain(`+++ Deployment/${namespace}/web (desired)`);

  // The cluster says who the caller is (a SelfSubjectReview): --as may not name anyone else.
  expect(sluice(namespace, 'app', 'sync', 'manual', '--as', 'carol')).toMatchObject({ code: 2, out: expect.stringContaining('--as carol refused: the cluster says you are sluice-admin (SelfSubjectReview), and --as is only for clusters without SelfSubjectReview') });
  const sync = sluice(namespace, 'app', 'sync', 'manual');
  expect(sync.code).toBe(0);
  expect(sync.out).toMatch(/Running PreSync\/0 attempt 1/);
  expect(sync.out).toMatch(/successfully synced/);
  // Piped, the final table comes once at the end, as `argocd app sync` prints it.
  expect(sync.out).toMatch(/PHASE\s+WAVE\s+KIND\s+RESOURCE\s+STATUS[\s\S]*Sync\s+2\s+Deployment\s+\S+\/web\s+Healthy/);
  expect(sluice(namespace, 'app', 'diff', 'manual').code).toBe(0);
  expect(sluice(namespace, 'app', 'wait', 'manual', '--health', '--sync', '--timeout', '60')).toMatchObject({ code: 0 });
  expect(sluice(namespace, 'app', 'history', 'manual').out).toMatch(new RegExp(`0\\s+${head.slice(0, 8)}\\s+sluice-admin\\s+Succeeded`));
  expect(sluice(namespace, 'app', 'get', 'missing')).toMatchObject({ code: 2, out: expect.stringContaining('hint: try `sluice app list -A`') });

  // Approval with the caller's own identity (a SelfSubjectReview says the admin kubeconfig is sluice-admin).
  await kube.create(applicationManifest({ name: 'gated', namespace, repoURL: repo.url, destination: `${namespace}`, runId, approval: { approvers: ['sluice-admin'] } }) as unknown as KubeObject);
  await pendingApproval(namespace, 'gated');
  const approve = sluice(namespace, 'app', 'approve', 'gated', '--yes', '--comment', 'from the CLI');
  expect(approve).toMatchObject({ code: 0, out: expect.stringContaining('Approved by sluice-admin') });
  expect(sluice(namespace, 'app', 'delete', 'manual').code).toBe(0);
});

test('a GitHub push webhook (HMAC-signed) refreshes the matching app at once; bad signatures, bad bodies and huge bodies are refused', async () => {
  const { namespace, name, repo } = await scenario('webhook', wavesApp());
  await waitForOperation(namespace, name, 'Succeeded');
  const next = repo.commit('more replicas', { 'app/deployment.yaml': wavesApp({ replicas: 3 })['app/deployment.yaml'] });
  const url = `http://127.0.0.1:${WEBHOOK_PORT}/api/webhook`;
  const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.url.replace('.git', '').toUpperCase().replace('HTTP://', 'http://') + '.git' } });
  const sign = (b: string, secret = WEBHOOK_SECRET) => `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;
  const post = (b: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body: b, headers: { 'Content-Type': 'application/json', ...headers } });

  expect((await post(body, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(body, 'wrong') })).status).toBe(401);
  expect((await post('{not json', { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign('{not json') })).status).toBe(400);
  const huge = 'x'.repeat(2 * 1024 * 1024);
  expect((await post(huge, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(huge) }).catch(() => ({ status: 413 }))).status).toBe(413);

  const accepted = await post(body, { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(body) });
  expect(accepted.status).toBe(200);
  expect(((await accepted.json()) as { refreshed: string[] }).refreshed).toEqual([`${namespace}/${name}`]);
  // Polling is every 2 minutes: only the webhook can make this happen within 30 seconds.
  await waitForOperation(namespace, name, 'Succeeded', next, 30_000);
});

test('the worker serves Prometheus metrics that moved with the syncs above, and the Temporal SDK metrics on a second port', async () => {
  const { namespace, name } = await scenario('metrics', wavesApp());
  await waitForOperation(namespace, name, 'Succeeded');
  // sluice_app_info follows at the refresh after the sync.
  const info = new RegExp(`sluice_app_info\\{name="${name}",namespace="${namespace}",project="e2e",sync_status="Synced",health_status="Healthy"\\} 1`);
  const text = await eventually('the app to be reported Synced and Healthy', async () => {
    const scraped = await (await fetch(`http://127.0.0.1:${WEBHOOK_PORT}/metrics`)).text();
    return info.test(scraped) ? scraped : undefined;
  });
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  expect(value(new RegExp(`sluice_app_sync_total\\{name="${name}",namespace="${namespace}",phase="Succeeded"\\} (\\d+)`))).toBe(1);
  expect(value(/sluice_kube_request_total\{verb="APPLY",code="200"\} (\d+)/)).toBeGreaterThan(0);
  expect(value(/sluice_app_sync_duration_seconds_count\{phase="Succeeded"\} (\d+)/)).toBeGreaterThan(0);
  expect(value(/sluice_app_reconcile_duration_seconds_count (\d+)/)).toBeGreaterThan(0);
  expect(value(/sluice_git_request_duration_seconds_count (\d+)/)).toBeGreaterThan(0);
  expect(value(/sluice_render_duration_seconds_count\{source_type="Directory"\} (\d+)/)).toBeGreaterThan(0);
  expect(value(/sluice_approval_wait_seconds_count\{state="Approved"\} (\d+)/)).toBeGreaterThan(0);
  expect(text).toMatch(/sluice_approvals_pending \d+/);
  expect(value(/sluice_webhook_requests_total\{provider="github",result="accepted"\} (\d+)/)).toBe(1);
  expect(text).toMatch(/process_cpu_user_seconds_total/);
  const sdk = await (await fetch(`http://127.0.0.1:${WEBHOOK_PORT + 1}/metrics`)).text();
  expect(sdk).toMatch(/temporal_/);
});

test('notifications: Argo CD-style subscriptions deliver sync and deploy events to a webhook and an approval request to Slack; a dead receiver blocks nothing', async () => {
  const received: Array<{ path: string; body: any }> = [];
  const { createServer } = await import('node:http');
  const receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(raw) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const port = (receiver.address() as { port: number }).port;
  const secretName = 'sluice-notifications';
  await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace: 'default' }, stringData: {
    'slack.url': `http://127.0.0.1:${port}/slack`, 'webhook.receiver.url': `http://127.0.0.1:${port}/hook`, 'webhook.down.url': 'http://127.0.0.1:1/nothing-listens',
  } } as unknown as KubeObject);
  try {
    const subscribed = {
      'notifications.argoproj.io/subscribe.on-sync-running.webhook': 'down;receiver',
      'notifications.argoproj.io/subscribe.on-sync-succeeded.webhook': 'receiver',
      'sluice.dev/subscribe.on-deployed.webhook': 'receiver',
    };
    // Annotations go on before the first sync: the CR is created with them.
    const namespace = await createTestNamespace(kc, 'notify');
    namespaces.push(namespace);
    const repo = await TestRepo.create('notify');
    repos.push(repo);
    const head = repo.commit('app', wavesApp());
    const manifest = applicationManifest({ name: 'notified', namespace, repoURL: repo.url, destination: namespace, runId }) as any;
    manifest.metadata.annotations = subscribed;
    await kube.create(manifest);
    await waitForOperation(namespace, 'notified', 'Succeeded', head);
    const events = await eventually('the three events', async () => {
      const triggers = received.filter((r) => r.path === '/hook' && r.body.app.name === 'notified').map((r) => r.body.trigger);
      return ['on-sync-running', 'on-sync-succeeded', 'on-deployed'].every((t) => triggers.includes(t)) ? triggers : undefined;
    });
    expect(events.filter((t) => t === 'on-deployed')).toHaveLength(1);

    const gatedManifest = applicationManifest({ name: 'gated', namespace, repoURL: repo.url, destination: namespace, runId, approval: { approvers: ['alice'] } }) as any;
    gatedManifest.metadata.annotations = { 'notifications.argoproj.io/subscribe.on-approval-requested.slack': '#deploys' };
    await kube.create(gatedManifest);
    await pendingApproval(namespace, 'gated');
    // Other suites' workers read the same control namespace's Secret, so their Slack messages (appsets.test.ts
    // subscribes to slack too) may reach this receiver as well: take this app's.
    const slack = await eventually('the Slack approval request', async () => received.find((r) => r.path === '/slack' && String(r.body.text).includes(`${namespace}/gated`)), 30_000);
    expect(slack.body.channel).toBe('#deploys');
    expect(slack.body.text).toMatch(/on-approval-requested.*gated.*sluice app approve gated/s);
    expect(received.some((r) => r.path === '/hook' && JSON.stringify(r).includes('sluice-notifications'))).toBe(false);
  } finally {
    receiver.close();
    await kube.delete('v1', 'Secret', 'default', secretName);
  }
});

test('a manual sync limited to some resources applies only those (no hooks, no other objects)', async () => {
  const { namespace, name } = await scenario('subset', wavesApp(), { automated: false });
  await refreshed(namespace, name);
  await appHandle(namespace, name).executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice', resources: ['ConfigMap/settings'] }] });
  const done = await waitForOperation(namespace, name, 'Succeeded');
  expect(done.status.operationState.syncResult.resources.map((r: any) => `${r.kind}/${r.name}`)).toEqual(['ConfigMap/settings']);
  expect(await kube.get('v1', 'ConfigMap', namespace, 'settings')).toBeDefined();
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeUndefined();
  expect(await kube.get('batch/v1', 'Job', namespace, 'migrate')).toBeUndefined();
});
