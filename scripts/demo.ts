// The demo: `npm run demo` brings up the local stack with three clusters, installs the CRDs, starts a Sluice worker,
// pushes a Kustomize app (base + dev/staging/prod overlays, a PreSync migration Job and a PostSync smoke Job) to the
// local git server, registers the two extra clusters by Argo CD cluster Secrets, and applies two ApplicationSets, the
// common Argo CD setup: one generates dev (in-cluster) and staging (cluster-2), automated with prune and selfHeal;
// the other generates prod (cluster-3), automated but approval-gated. Every app is subscribed (Argo CD's annotations)
// to notifications delivered to a receiver on loopback that the demo runs and prints. It then keeps a status table
// current and prints the commands to try. `--script` runs the whole story unattended (approve prod with
// `sluice app approve`, push a change, heal drift, a broken hook, a revert) and exits 0 only when each step was
// observed. Ctrl-C or `npm run demo:down` stops everything it started.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer, Server } from 'node:http';
import path from 'node:path';
import { applyObjects } from '../activities/cluster/apply';
import { KubeClient } from '../activities/cluster/kube-client';
import { KubeObject } from '../domain/resource/types';
import { applicationWorkflowId } from '../domain/operation/types';
import { ensureClusters } from '../test/support/clusters';
import { installCrds } from '../test/support/projects';
import { eventually } from '../test/support/kube';
import { repoRoot, stackEnv } from '../test/support/stack';
import { startWorker, WorkerProcess } from '../test/support/worker';

const DEMO_DIR = path.join(repoRoot, '.run', 'demo');
const APPS_NAMESPACE = 'sluice-demo';
const ENVIRONMENTS = [
  { name: 'dev', replicas: 1, tag: '1.27', cluster: 'in-cluster' },
  { name: 'staging', replicas: 2, tag: '1.27', cluster: 'cluster-2' },
  { name: 'prod', replicas: 3, tag: '1.26', cluster: 'cluster-3' },
];

// Argo CD's subscription annotations; `webhook` service `demo` is the receiver below, `slack` its /slack path.
const SUBSCRIPTIONS = Object.fromEntries(
  ['on-sync-succeeded', 'on-sync-failed', 'on-deployed', 'on-health-degraded', 'on-approval-requested'].map((t) => [`notifications.argoproj.io/subscribe.${t}.webhook`, 'demo']),
);
SUBSCRIPTIONS['notifications.argoproj.io/subscribe.on-approval-requested.slack'] = '#deploys';

interface Received { at: string; path: string; trigger: string; app: string; message: string }

/** The loopback receiver notifications are delivered to: it keeps what arrives, for the table and the script. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      try {
        const body = JSON.parse(raw);
        // Slack bodies carry text only: "*trigger* ns/app ...".
        const slack = /^\*([a-z-]+)\* [^/]+\/(\S+)/.exec(body.text ?? '');
        received.push({ at: new Date().toISOString().slice(11, 19), path: req.url ?? '', trigger: body.trigger ?? slack?.[1] ?? '?', app: body.app?.name ?? slack?.[2] ?? '?', message: body.message ?? body.text ?? '' });
      } catch {
        // Not JSON: ignored.
      }
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}

function sluiceCli(...args: string[]): Promise<string> {
  const stack = stackEnv();
  return new Promise((resolve, reject) => {
    execFile(path.join(repoRoot, 'client/bin/sluice'), args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: stack.KUBECONFIG, TEMPORAL_ADDRESS: stack.TEMPORAL_ADDRESS, SLUICE_NAMESPACE: APPS_NAMESPACE, NO_COLOR: '1' } },
      (error, stdout, stderr) => (error ? reject(new Error(`sluice ${args.join(' ')}: ${stdout}${stderr}`)) : resolve(stdout.trim())));
  });
}

const job = (name: string, hook: string, fail = false) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/hook: ${hook}
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
spec:
  backoffLimit: 0
  template:
    metadata:
      labels: {job: ${name}${fail ? ', pod-container-running-failed.stage.kwok.x-k8s.io: "true"' : ''}}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox:1.36, command: ["sh", "-c", "echo ${name}"]}]
`;

function sourceFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'base/kustomization.yaml': 'resources:\n- deployment.yaml\n- service.yaml\n- config.yaml\n- migrate.yaml\n- smoke.yaml\n',
    'base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: {argocd.argoproj.io/sync-wave: "1"}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "nginx:1.25"}]\n',
    'base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations: {argocd.argoproj.io/sync-wave: "1"}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n',
    'base/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello from sluice\n',
    'base/migrate.yaml': job('migrate', 'PreSync'),
    'base/smoke.yaml': job('smoke', 'PostSync'),
  };
  for (const env of ENVIRONMENTS) {
    files[`overlays/${env.name}/kustomization.yaml`] = `resources:\n- ../../base\nreplicas:\n- name: web\n  count: ${env.replicas}\nimages:\n- name: nginx\n  newTag: "${env.tag}"\n`;
  }
  return files;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function writeAndPush(dir: string, message: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  git(dir, 'push', '-q', 'origin', 'HEAD:main');
  return git(dir, 'rev-parse', 'HEAD');
}

async function createRepo(gitUrl: string): Promise<{ url: string; dir: string }> {
  const name = `sluice-demo-${Date.now().toString(36)}`;
  const response = await fetch(`${gitUrl}/api/repos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
  if (response.status !== 201) throw new Error(`creating the demo repo: ${response.status} ${await response.text()}`);
  const url = `${gitUrl}/${name}.git`;
  const dir = path.join(DEMO_DIR, 'repo');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '--initial-branch=main');
  git(dir, 'config', 'user.email', 'demo@sluice.dev');
  git(dir, 'config', 'user.name', 'Sluice Demo');
  git(dir, 'remote', 'add', 'origin', url);
  writeAndPush(dir, 'Initial app: base, overlays, hooks', sourceFiles());
  return { url, dir };
}

/**
 * The two ApplicationSets: `web` generates dev and staging, automated; `web-prod` generates prod, automated but
 * waiting for an approver. Their template is the same, and `server` comes from each generator element.
 */
function applicationSets(repoURL: string, servers: Record<string, string>): KubeObject[] {
  const template = (approval: boolean) => ({
    metadata: { name: 'web-{{env}}', labels: { 'sluice.dev/demo': 'true' }, annotations: SUBSCRIPTIONS },
    spec: {
      project: '{{env}}',
      source: { repoURL, targetRevision: 'main', path: 'overlays/{{env}}' },
      destination: { server: '{{server}}', namespace: 'demo-{{env}}' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
        retry: { limit: 2, backoff: { duration: '5s', factor: 2, maxDuration: '1m' } },
        ...(approval ? { approval: { required: true, approvers: ['sluice-admin', 'group:platform'], timeout: '24h' } } : {}),
      },
    },
  });
  const set = (name: string, envs: string[], approval: boolean) => ({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'ApplicationSet',
    metadata: { name, namespace: APPS_NAMESPACE, labels: { 'sluice.dev/demo': 'true' } },
    spec: { generators: [{ list: { elements: envs.map((env) => ({ env, server: servers[env] })) } }], template: template(approval) },
  }) as unknown as KubeObject;
  return [set('web', ['dev', 'staging'], false), set('web-prod', ['prod'], true)];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the status is read field by field, as a script would.
type AppObject = KubeObject & { status?: any };
type DeploymentSpec = { replicas?: number; template: { spec: { containers: Array<{ image: string }> } } };

async function readApp(kube: KubeClient, env: string): Promise<AppObject | undefined> {
  return (await kube.get('sluice.dev/v1alpha1', 'Application', APPS_NAMESPACE, `web-${env}`)) as AppObject | undefined;
}

async function table(kube: KubeClient): Promise<string> {
  const rows = [['APP', 'CLUSTER', 'SYNC', 'HEALTH', 'REVISION', 'OPERATION', 'APPROVAL']];
  for (const env of ENVIRONMENTS) {
    const app = await readApp(kube, env.name);
    const s = app?.status ?? {};
    rows.push([`web-${env.name}`, env.cluster, s.sync?.status ?? '-', s.health?.status ?? '-', (s.sync?.revision ?? '-').slice(0, 8), s.operationState?.phase ?? '-', s.approval?.state ?? '-']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

function waitFor(kube: KubeClient, what: string, env: string, check: (app: AppObject) => boolean, timeoutMs = 120_000): Promise<AppObject> {
  return eventually(what, async () => {
    const app = await readApp(kube, env);
    return app && check(app) ? app : undefined;
  }, timeoutMs);
}

const synced = (revision: string) => (app: AppObject) => app.status?.operationState?.phase === 'Succeeded' && app.status?.operationState?.syncResult?.revision === revision && app.status?.health?.status === 'Healthy';

function signalRefresh(env: string): void {
  const stack = stackEnv();
  execFileSync(stack.SLUICE_TEMPORAL_CLI, ['workflow', 'signal', '--address', stack.TEMPORAL_ADDRESS, '--workflow-id', applicationWorkflowId({ namespace: APPS_NAMESPACE, name: `web-${env}` }), '--name', 'refresh'], { stdio: 'ignore' });
}

function approveCommand(app: AppObject): string {
  const a = app.status.approval;
  const workflowId = `sluice-sync/${APPS_NAMESPACE}/${app.metadata.name}/${app.status.operationState.operation.operationId}`;
  return `${stackEnv().SLUICE_TEMPORAL_CLI} workflow signal --workflow-id '${workflowId}' --name approve --input '${JSON.stringify({ revision: a.revision, diffDigest: a.diffDigest, user: 'sluice-admin' })}'`;
}

async function story(kube: KubeClient, clusters: Record<string, KubeClient>, repo: { dir: string }, received: Received[], step: (message: string) => void): Promise<void> {
  const notified = (what: string, check: (r: Received) => boolean) => eventually(`a notification: ${what}`, async () => received.find(check), 60_000);
  const head = git(repo.dir, 'rev-parse', 'HEAD');
  await waitFor(kube, 'dev and staging to sync', 'dev', synced(head));
  await waitFor(kube, 'staging to sync', 'staging', synced(head));
  step('dev and staging synced and Healthy: PreSync migrate, wave 1 web, PostSync smoke');
  const prod = await waitFor(kube, 'prod to ask for approval', 'prod', (a) => a.status?.approval?.state === 'Pending');
  await notified('prod\'s approval request on Slack', (r) => r.path === '/slack' && r.trigger === 'on-approval-requested' && r.app === 'web-prod');
  step(`prod is waiting for approval of ${prod.status.approval.revision.slice(0, 8)} (nothing applied yet) and asked for it on Slack`);
  const approved = await sluiceCli('app', 'approve', 'web-prod', '-n', APPS_NAMESPACE, '--yes', '--comment', 'demo');
  // The approver was shown the diff the digest names (the SyncDiff the worker published), not only the digest.
  const shown = `This is the diff of the pending request (${prod.status.approval.diffDigest}), as the worker published it`;
  if (!approved.includes(shown)) throw new Error(`\`sluice app approve web-prod\` did not show the pending diff:\n${approved}`);
  await waitFor(kube, 'prod to sync after approval', 'prod', synced(head));
  step(`prod approved from the CLI (\`sluice app approve web-prod\`: ${approved.split('\n').pop()}) and synced`);
  const replicas: string[] = [];
  for (const env of ENVIRONMENTS) {
    const deployment = await clusters[env.name].get('apps/v1', 'Deployment', `demo-${env.name}`, 'web');
    if ((deployment?.spec as DeploymentSpec | undefined)?.replicas !== env.replicas) throw new Error(`${env.name}: expected ${env.replicas} replicas on ${env.cluster}`);
    replicas.push(`${env.name} ${env.replicas} on ${env.cluster}`);
  }
  step(`each environment runs on its own cluster: ${replicas.join(', ')}`);
  await notified('dev deployed', (r) => r.trigger === 'on-deployed' && r.app === 'web-dev');
  await notified('prod synced', (r) => r.trigger === 'on-sync-succeeded' && r.app === 'web-prod');
  step(`the receiver got ${received.length} notifications so far, on-deployed for dev and on-sync-succeeded for prod among them`);

  const tagged = writeAndPush(repo.dir, 'dev: nginx 1.28', { 'overlays/dev/kustomization.yaml': 'resources:\n- ../../base\nreplicas:\n- name: web\n  count: 1\nimages:\n- name: nginx\n  newTag: "1.28"\n' });
  signalRefresh('dev');
  await waitFor(kube, 'dev to roll out nginx 1.28', 'dev', synced(tagged));
  const image = ((await kube.get('apps/v1', 'Deployment', 'demo-dev', 'web'))!.spec as DeploymentSpec).template.spec.containers[0].image;
  if (image !== 'nginx:1.28') throw new Error(`dev runs ${image}, expected nginx:1.28`);
  step('a push to the dev overlay rolled out nginx:1.28 in dev');

  execFileSync(stackEnv().SLUICE_KUBECTL, ['--kubeconfig', stackEnv().KUBECONFIG, '-n', 'demo-dev', 'scale', 'deployment/web', '--replicas=4'], { stdio: 'ignore' });
  await eventually('dev to heal the scale', async () => (((await kube.get('apps/v1', 'Deployment', 'demo-dev', 'web'))!.spec as DeploymentSpec).replicas === 1 ? true : undefined), 60_000);
  step('kubectl scale in dev was reverted by self-heal');

  // A hook alone does not make an app OutOfSync (as in Argo CD), so the change carries a config edit too.
  const broken = writeAndPush(repo.dir, 'a migration that fails', {
    'base/migrate.yaml': job('migrate', 'PreSync', true),
    'base/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello from a broken release\n',
  });
  signalRefresh('dev');
  const failed = await waitFor(kube, 'dev to fail on the broken hook', 'dev', (a) => a.status?.operationState?.phase === 'Failed' && a.status.operationState.syncResult?.revision === broken);
  await notified('dev\'s failed sync', (r) => r.trigger === 'on-sync-failed' && r.app === 'web-dev');
  step(`the broken PreSync hook failed dev's sync (and on-sync-failed was delivered): ${failed.status.operationState.message}`);

  git(repo.dir, 'revert', '--no-edit', 'HEAD');
  git(repo.dir, 'push', '-q', 'origin', 'HEAD:main');
  const reverted = git(repo.dir, 'rev-parse', 'HEAD');
  signalRefresh('dev');
  // The failed sync stopped at its PreSync hook, so the cluster still matches the reverted commit.
  await waitFor(kube, 'dev to be in sync with the revert', 'dev', (a) => a.status?.sync?.revision === reverted && a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy');
  const greeting = ((await kube.get('v1', 'ConfigMap', 'demo-dev', 'web-config'))!.data as Record<string, string>).greeting;
  if (greeting !== 'hello from sluice') throw new Error(`dev's config says ${JSON.stringify(greeting)}`);
  step('git revert: dev is Synced and Healthy at the reverted commit, and the broken release never reached its config');
}

async function main(): Promise<void> {
  const unattended = process.argv.includes('--script');
  const stackWasUp = fs.existsSync(path.join(repoRoot, '.run', 'stack', 'env'));
  execFileSync('bash', [path.join(__dirname, 'stack.sh'), 'up', '--clusters', '3'], { stdio: 'inherit' });
  const stack = stackEnv();
  const [staging, prod] = await ensureClusters(3);
  const clusters: Record<string, KubeClient> = { dev: KubeClient.fromFile(stack.KUBECONFIG), staging: KubeClient.fromFile(staging.kubeconfig), prod: KubeClient.fromFile(prod.kubeconfig) };
  const servers: Record<string, string> = { dev: 'https://kubernetes.default.svc', staging: staging.server, prod: prod.server };
  const kube = KubeClient.fromFile(stack.KUBECONFIG);
  fs.mkdirSync(DEMO_DIR, { recursive: true });

  // The CRDs, and the admission policy that authenticates `sluice app approve`'s SyncApprovals.
  await installCrds(kube);
  await applyObjects(kube, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: APPS_NAMESPACE } }]);
  // A re-run starts clean: earlier sets, Applications and what they deployed (on every cluster) are removed first.
  for (const name of ['web', 'web-prod']) await kube.request('DELETE', `/apis/sluice.dev/v1alpha1/namespaces/${APPS_NAMESPACE}/applicationsets/${name}`).catch(() => undefined);
  for (const env of ENVIRONMENTS) {
    await kube.request('DELETE', `/apis/sluice.dev/v1alpha1/namespaces/${APPS_NAMESPACE}/applications/web-${env.name}`).catch(() => undefined);
    await clusters[env.name].delete('v1', 'Namespace', undefined, `demo-${env.name}`, 'Background');
  }
  await eventually('the previous demo namespaces to be deleted', async () => {
    for (const env of ENVIRONMENTS) if (await clusters[env.name].get('v1', 'Namespace', undefined, `demo-${env.name}`)) return undefined;
    return true;
  }, 120_000);
  // staging and prod are registered as Argo CD registers clusters: a Secret each in the control namespace.
  await applyObjects(kube, [staging, prod].map((c) => ({ ...c.secret, metadata: { ...c.secret.metadata, namespace: APPS_NAMESPACE } }) as unknown as KubeObject));

  const receiver = await startReceiver();
  await applyObjects(kube, [{
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sluice-notifications', namespace: APPS_NAMESPACE },
    stringData: { 'webhook.demo.url': `${receiver.url}/webhook`, 'slack.url': `${receiver.url}/slack` },
  } as unknown as KubeObject]);
  const worker: WorkerProcess = await startWorker({
    SLUICE_APP_SELECTOR: 'sluice.dev/demo=true', SLUICE_NAMESPACE: APPS_NAMESPACE, SLUICE_REFRESH_INTERVAL: '30s', SLUICE_REFRESH_JITTER: '5s', SLUICE_HTTP_PORT: '0',
  });
  fs.writeFileSync(path.join(DEMO_DIR, 'worker.pid'), String(worker.pid));
  const stop = async (code: number) => {
    await worker.stop();
    receiver.server.close();
    fs.rmSync(path.join(DEMO_DIR, 'worker.pid'), { force: true });
    // The unattended run leaves a stack it found running (as under CI) and stops one it started.
    if (unattended && !stackWasUp) execFileSync('bash', [path.join(__dirname, 'stack.sh'), 'down'], { stdio: 'inherit' });
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  const repo = await createRepo(stack.SLUICE_GIT_URL);
  // One AppProject per environment, as an operator would create them (Sluice installs none): each may take the demo
  // repo only, and deploy only to its own cluster and namespace.
  const projects = ENVIRONMENTS.map((env) => ({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'AppProject', metadata: { name: env.name, namespace: APPS_NAMESPACE },
    spec: {
      description: `the demo's ${env.name} environment`, sourceRepos: [repo.url], sourceNamespaces: [APPS_NAMESPACE],
      destinations: [{ server: servers[env.name], namespace: `demo-${env.name}` }], clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    },
  }) as unknown as KubeObject);
  await eventually('the AppProject CRD to be served', async () => applyObjects(kube, projects).then(() => true, () => undefined), 30_000);
  for (const set of applicationSets(repo.url, servers)) await kube.create(set);
  console.log(`\nrepo ${repo.url} (working copy: ${repo.dir}); ApplicationSets web and web-prod in namespace ${APPS_NAMESPACE}`);
  console.log(`clusters: dev in-cluster, staging ${staging.server}, prod ${prod.server}`);
  console.log(`notifications go to the receiver at ${receiver.url} (webhook at /webhook, Slack at /slack)`);

  if (unattended) {
    let n = 0;
    try {
      await story(kube, clusters, repo, receiver.received, (message) => console.log(`[demo] step ${++n} ok: ${message}`));
      console.log(`\n${await table(kube)}\n\n[demo] all ${n} steps observed`);
      await stop(0);
    } catch (error) {
      console.error(`[demo] step ${n + 1} failed: ${(error as Error).message}\n${await table(kube)}\n--- worker log ---\n${worker.output().slice(-4000)}`);
      await stop(1);
    }
    return;
  }

  const k = `${stack.SLUICE_KUBECTL} --kubeconfig ${stack.KUBECONFIG}`;
  // The demo's worker keeps its AppProjects and cluster Secrets in APPS_NAMESPACE: the CLI reads them there too.
  const cli = `KUBECONFIG=${stack.KUBECONFIG} SLUICE_NAMESPACE=${APPS_NAMESPACE} ${path.join(repoRoot, 'client/bin/sluice')}`;
  const help = () => `
Temporal UI      ${stack.SLUICE_TEMPORAL_UI}/namespaces/default/workflows?query=SluiceKind%3D%22Application%22 (and %22ApplicationSet%22)
Try:
  push a change    cd ${repo.dir} && sed -i 's/1.27/1.28/' overlays/dev/kustomization.yaml && git commit -qam "dev: 1.28" && git push -q origin HEAD:main
  watch it         ${k} -n demo-dev get deploy,jobs -w
  drift + heal     ${k} -n demo-dev scale deploy/web --replicas=4
  approve prod     ${cli} app approve web-prod -n ${APPS_NAMESPACE}    (once prod asks; reject works the same way)
  the sets         ${cli} appset get web -n ${APPS_NAMESPACE}; ${cli} cluster list -n ${APPS_NAMESPACE}
  prod's cluster   ${stack.SLUICE_KUBECTL} --kubeconfig ${prod.kubeconfig} -n demo-prod get deploy
  follow a sync    ${cli} app sync web-dev -n ${APPS_NAMESPACE}
  history          ${cli} app history web-prod -n ${APPS_NAMESPACE}
  a broken hook    cd ${repo.dir} && sed -i 's/labels: {job: migrate}/labels: {job: migrate, pod-container-running-failed.stage.kwok.x-k8s.io: "true"}/' base/migrate.yaml && sed -i 's/hello from sluice/hello again/' base/config.yaml && git commit -qam "break" && git push -q origin HEAD:main
  roll back        cd ${repo.dir} && git revert --no-edit HEAD && git push -q origin HEAD:main
  stop everything  Ctrl-C, then npm run demo:down
`;
  for (;;) {
    const prod = await readApp(kube, 'prod');
    const approval = prod?.status?.approval?.state === 'Pending' ? `\nprod is waiting: ${cli} app approve web-prod -n ${APPS_NAMESPACE}\n  (or from the Temporal side: ${approveCommand(prod)})\n` : '';
    const latest = receiver.received.slice(-6).map((r) => `  ${r.at} ${r.path.padEnd(8)} ${r.trigger.padEnd(22)} ${r.app.padEnd(12)} ${r.message.split('\n')[0].slice(0, 70)}`).join('\n');
    const notifications = `\nnotifications received at ${receiver.url} (latest ${Math.min(6, receiver.received.length)} of ${receiver.received.length}):\n${latest || '  (none yet)'}\n`;
    process.stdout.write(`\x1b[2J\x1b[H${await table(kube)}\n${notifications}${help()}${approval}`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
