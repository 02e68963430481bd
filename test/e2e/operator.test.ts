// Operator experience end to end: what the worker logs during a sync, the CLI's remaining verbs and its live
// view on a real terminal (a pty from util-linux `script`), a real Prometheus scraping the worker with
// Sluice's alert rules loaded, and Temporal reached over TLS with an API key.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest, wavesApp } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { repoRoot } from '../support/stack';
import { startTemporalTlsProxy } from '../support/temporal-proxy';
import { serviceAccountUser, TestUser } from '../support/users';

 

const run = new E2eRun(18092, { LOG_LEVEL: 'debug' });
const { kube, runId, scratch } = run;
const { scenario, waitForOperation, refreshed, pendingApproval, sluice, sluiceAsync } = run;

beforeAll(() => run.start());
afterAll(() => run.stop());

/** A user (a ServiceAccount with its own token) who may read the Applications of `namespace`; ready once `app` reads. */
async function applicationReader(namespace: string, name: string, app: string): Promise<TestUser> {
  const user = await serviceAccountUser(kube, namespace, name, path.join(scratch, `${namespace}-${name}.kubeconfig`));
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `${name}-apps`, namespace },
    rules: [{ apiGroups: ['sluice.dev', 'argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'watch'] }],
  } as unknown as KubeObject);
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${name}-apps`, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-apps` }, subjects: [{ kind: 'ServiceAccount', name, namespace }],
  } as unknown as KubeObject);
  await eventually(`${user.username} to read ${namespace}/${app}`, () => user.kube.get('sluice.dev/v1alpha1', 'Application', namespace, app).catch(() => undefined));
  return user;
}

function logLines(): any[] {
  return run.worker.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

test('every log line of a sync names the app, namespace and sync id (and revision, phase and wave where they apply); no secret is ever logged', async () => {
  const credentials = { username: 'deployer', password: `pw-${runId}-never-logged` };
  const namespace = await run.namespace('logs');
  const repo = await run.repo('logs', credentials);
  const secretValue = `token-${runId}-never-logged`;
  const head = repo.commit('app', { ...wavesApp(), 'app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\nstringData:\n  token: ${secretValue}\n` });
  const repoSecret = `repo-${repo.name}`;
  await kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: repoSecret, namespace: 'default', labels: { 'argocd.argoproj.io/secret-type': 'repository' } }, stringData: { url: repo.url, ...credentials } } as unknown as KubeObject);
  try {
    await kube.create(applicationManifest({ name: 'logged', namespace, repoURL: repo.url, destination: namespace, runId }) as unknown as KubeObject);
    const app = await waitForOperation(namespace, 'logged', 'Succeeded', head);
    const syncId = app.status.operationState.operation.operationId;

    const lines = await eventually('the sync\'s log lines up to hook cleanup', async () => {
      const all = logLines();
      return all.some((l) => l.syncId === syncId && l.msg === 'sync succeeded') ? all : undefined;
    });
    const ours = lines.filter((l) => l.syncId === syncId);
    expect(ours.length).toBeGreaterThan(10);
    for (const line of ours) expect(line).toMatchObject({ app: 'logged', namespace });
    // Sluice's own lines carry the revision; the SDK's (sdk: true) get app and sync id from the workflow id.
    for (const line of ours.filter((l) => !l.sdk)) expect(line.revision).toBe(head);
    expect(ours.filter((l) => l.msg === 'sync step applied').map((l) => `${l.phase}/${l.wave}`)).toEqual(['PreSync/0', 'Sync/0', 'Sync/1', 'Sync/2', 'PostSync/0']);
    expect(ours.filter((l) => l.msg === 'sync step healthy').map((l) => `${l.phase}/${l.wave}`)).toEqual(['PreSync/0', 'Sync/0', 'Sync/1', 'Sync/2', 'PostSync/0']);
    // Debug lines name each object applied, the Secret included, but never its value.
    expect(ours.some((l) => l.level === 20 && l.subject === `Secret/${namespace}/api`)).toBe(true);
    expect(lines.some((l) => l.msg === 'sync started' && l.sdk && l.syncId === syncId && l.revision === head)).toBe(true);
    expect(lines.some((l) => l.msg === 'refreshed' && l.app === 'logged' && l.namespace === namespace && l.revision === head && l.syncStatus)).toBe(true);
    const text = run.worker.output();
    for (const secret of [credentials.password, secretValue, Buffer.from(secretValue).toString('base64'), run.webhookSecret]) expect(text).not.toContain(secret);
  } finally {
    await kube.delete('v1', 'Secret', 'default', repoSecret);
  }
});

test('the CLI binary: reject with a comment, terminate-op of a sync waiting for approval, refresh, rollback to the previous revision', async () => {
  const namespace = await run.namespace('cli-ops');
  const repo = await run.repo('cli-ops');
  const first = repo.commit('one replica', wavesApp({ replicas: 1 }));
  const create = (name: string, extra: Partial<Parameters<typeof applicationManifest>[0]>) => {
    const file = path.join(scratch, `${namespace}-${name}.yaml`);
    fs.writeFileSync(file, stringify(applicationManifest({ name, namespace, repoURL: repo.url, destination: namespace, runId, ...extra })));
    expect(sluice(namespace, 'app', 'create', '-f', file).code).toBe(0);
  };

  create('gated', { approval: { approvers: ['sluice-admin'] } });
  await pendingApproval(namespace, 'gated');
  const rejected = sluice(namespace, 'app', 'reject', 'gated', '--yes', '--comment', 'not on a Friday');
  expect(rejected).toMatchObject({ code: 0, out: expect.stringContaining('Rejected by sluice-admin') });
  const afterReject = await waitForOperation(namespace, 'gated', 'Failed');
  expect(afterReject.status.operationState.message).toBe('rejected by sluice-admin: not on a Friday');
  expect(afterReject.status.approval).toMatchObject({ state: 'Rejected', comment: 'not on a Friday' });
  expect(await kube.get('apps/v1', 'Deployment', namespace, 'web')).toBeUndefined();
  expect(sluice(namespace, 'app', 'reject', 'gated', '--yes')).toMatchObject({ code: 2, out: expect.stringContaining('has no pending approval (the last request is Rejected)') });

  create('held', { approval: { approvers: ['sluice-admin'] } });
  await pendingApproval(namespace, 'held');
  expect(sluice(namespace, 'app', 'terminate-op', 'held')).toMatchObject({ code: 0, out: expect.stringMatching(/terminated sluice-sync\/.*\/held\//) });
  const terminated = await waitForOperation(namespace, 'held', 'Failed');
  expect(terminated.status.operationState.message).toBe('terminated while waiting for approval; nothing was applied');
  expect(terminated.status.approval.state).toBe('Terminated');
  await eventually('the app workflow to book the terminated sync', async () => ((await run.appHandle(namespace, 'held').query('status')) as any).operation ? undefined : true);
  expect(sluice(namespace, 'app', 'terminate-op', 'held')).toMatchObject({ code: 2, out: expect.stringContaining('no operation is in progress') });

  create('manual', { automated: false });
  await refreshed(namespace, 'manual');
  // carol syncs and rolls back as herself: her own credentials (a ServiceAccount's token), no --as.
  const carol = await applicationReader(namespace, 'carol', 'manual');
  const asCarol = (...args: string[]) => sluiceAsync({ KUBECONFIG: carol.kubeconfig }, ...args, '-n', namespace);
  expect(await asCarol('app', 'sync', 'manual')).toMatchObject({ code: 0 });
  const second = repo.commit('three replicas', { 'app/deployment.yaml': wavesApp({ replicas: 3 })['app/deployment.yaml'] });
  // Polling is every 2 minutes here: `sluice app refresh` is what makes the new commit seen.
  expect(sluice(namespace, 'app', 'refresh', 'manual')).toMatchObject({ code: 0, out: expect.stringContaining('refresh of manual requested') });
  await eventually('the new revision to be seen', async () => ((await run.application(namespace, 'manual'))?.status?.sync?.revision === second ? true : undefined));
  expect(await asCarol('app', 'sync', 'manual')).toMatchObject({ code: 0 });
  expect((await kube.get('apps/v1', 'Deployment', namespace, 'web'))!.spec).toMatchObject({ replicas: 3 });
  const rollback = await asCarol('app', 'rollback', 'manual');
  expect(rollback).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`rollback of manual to history 0 started: operation \\S+ at ${first.slice(0, 8)}, workflow sluice-sync/`)) });
  expect((await kube.get('apps/v1', 'Deployment', namespace, 'web'))!.spec).toMatchObject({ replicas: 1 });
  const history = sluice(namespace, 'app', 'history', 'manual', '-o', 'json');
  expect(JSON.parse(history.out).history.map((h: any) => h.revision)).toEqual([first, second, first]);
  expect(sluice(namespace, 'app', 'rollback', 'manual', '7')).toMatchObject({ code: 2, out: expect.stringContaining('rollback refused') });

  // History lists every sync, not only the deployed ones: the rejected and terminated ones too.
  const ops = (app: string) => JSON.parse(sluice(namespace, 'app', 'history', app, '-o', 'json').out).operations;
  expect(ops('manual').map((o: any) => [o.id, o.revision, o.initiatedBy, o.result])).toEqual([[0, first, carol.username, 'Succeeded'], [1, second, carol.username, 'Succeeded'], [2, first, carol.username, 'Succeeded']]);
  expect(ops('gated')).toEqual([expect.not.objectContaining({ id: expect.anything() })]);
  expect(ops('gated')).toEqual([expect.objectContaining({ revision: first, initiatedBy: 'automated sync policy', result: 'Rejected', message: 'rejected by sluice-admin: not on a Friday' })]);
  expect(ops('held')).toEqual([expect.objectContaining({ result: 'Terminated', message: 'terminated while waiting for approval; nothing was applied' })]);
  expect(sluice(namespace, 'app', 'history', 'gated').out).toMatch(new RegExp(`-\\s+${first.slice(0, 8)}\\s+automated sync policy\\s+Rejected\\s+\\d+s\\s+-\\s+\\S+Z\\s+http://127.0.0.1:8233/namespaces/default/workflows/sluice-sync%2F`));
});

test('on a terminal, `sluice app sync` redraws one live frame in place (phases, waves, hooks, statuses, attempt) and ends on the final state', async () => {
  const { namespace, name } = await scenario('tty', wavesApp(), { automated: false });
  await refreshed(namespace, name);
  const cli = path.join(repoRoot, 'client/bin/sluice');
  const command = `${cli} app sync ${name} -n ${namespace}`;
  // `script` gives the CLI a real pty; its output is what a terminal would have been sent.
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile('script', ['-q', '-e', '-c', command, '/dev/null'], {
      encoding: 'utf8', env: { ...process.env, KUBECONFIG: run.env.KUBECONFIG, TEMPORAL_ADDRESS: run.env.TEMPORAL_ADDRESS, TERM: 'xterm', COLUMNS: '160', LINES: '50' },
    }, (error, stdout) => resolve({ code: error ? Number(error.code ?? -1) : 0, out: stdout }));
  });
  expect(code).toBe(0);
   
  const redraws = out.match(/\x1b\[\d+F\x1b\[0J/g) ?? [];
  expect(redraws.length).toBeGreaterThan(2);
   
  const plain = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
  const finalFrame = plain.slice(plain.lastIndexOf('Succeeded  step Done'));
  expect(finalFrame).toMatch(/attempt 1/);
  expect(finalFrame).toMatch(/PreSync\s+0\s+Job \(hook\)\s+\S+\/migrate\s+Healthy/);
  expect(finalFrame).toMatch(/Sync\s+1\s+ConfigMap\s+\S+\/settings\s+Healthy/);
  expect(finalFrame).toMatch(/Sync\s+2\s+Deployment\s+\S+\/web\s+Healthy/);
  expect(finalFrame).toMatch(/PostSync\s+0\s+Job \(hook\)\s+\S+\/smoke\s+Healthy/);
  expect(plain).toMatch(/Running\s+step (PreSync\/0|Sync\/1|Sync\/2)/);
  // Colour on a terminal; plain lines (no escapes) when piped, as the other CLI tests see it.
  expect(out).toMatch(/\x1b\[32mHealthy\x1b\[0m/);
});

test('a real Prometheus scrapes the worker: Sluice series are queryable, the alert rules load, a failed sync fires SluiceSyncFailing, and every dashboard query evaluates', async () => {
  const [{ namespace, name }, failing] = await Promise.all([scenario('prom', wavesApp()), scenario('prom-fail', wavesApp({ failPreSync: true }))]);
  await waitForOperation(namespace, name, 'Succeeded');
  await waitForOperation(failing.namespace, failing.name, 'Failed');
  const dir = fs.mkdtempSync(path.join(scratch, 'prometheus-'));
  const rule = parse(fs.readFileSync(path.join(repoRoot, 'deploy/monitoring/prometheus-rule.yaml'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'sluice.rules.yaml'), stringify(rule.spec));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [path.join(dir, 'sluice.rules.yaml')],
    scrape_configs: [{ job_name: 'sluice', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${run.httpPort}`] }] }],
  }));
  const port = 19090;
  const prometheus: ChildProcess = spawn(process.env.SLUICE_PROMETHEUS ?? 'prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  prometheus.stderr!.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => prometheus.once('exit', resolve));
  const api = async (p: string) => (await (await fetch(`http://127.0.0.1:${port}${p}`)).json()) as any;
  try {
    await eventually(`Prometheus to be ready\n${log}`, async () => (await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => undefined))?.ok || undefined, 30_000);
    const synced = await eventually('the sync counter in Prometheus', async () => {
      const r = await api(`/api/v1/query?query=${encodeURIComponent(`sluice_app_sync_total{namespace="${namespace}",phase="Succeeded"}`)}`);
      return r.data?.result?.[0];
    }, 30_000);
    expect(synced.metric).toMatchObject({ name, namespace, phase: 'Succeeded', job: 'sluice' });
    expect(Number(synced.value[1])).toBe(1);
    const info = await api(`/api/v1/query?query=${encodeURIComponent(`sluice_app_info{namespace="${namespace}"}`)}`);
    expect(info.data.result[0].metric).toMatchObject({ name, sync_status: 'Synced', health_status: 'Healthy' });

    const rules = await eventually('the rules to be evaluated', async () => {
      const r = await api('/api/v1/rules');
      const all = r.data.groups.flatMap((g: any) => g.rules);
      return all.length > 0 && all.every((x: any) => x.lastEvaluation && !x.lastEvaluation.startsWith('0001')) ? all : undefined;
    }, 30_000);
    expect(rules.map((r: any) => r.name).sort()).toEqual(['SluiceAppDegraded', 'SluiceAppOutOfSync', 'SluiceApprovalWaiting', 'SluiceNoLeader', 'SluiceSeveralLeaders', 'SluiceSyncFailing']);
    for (const r of rules) expect({ name: r.name, health: r.health, error: r.lastError }).toEqual({ name: r.name, health: 'ok', error: undefined });
    // The failed sync fires SluiceSyncFailing for that app alone (the alert has no `for:`).
    const firing = await eventually('SluiceSyncFailing to fire', async () => {
      const alerts = (await api('/api/v1/alerts')).data.alerts.filter((a: any) => a.labels.alertname === 'SluiceSyncFailing' && a.state === 'firing');
      return alerts.length > 0 ? alerts : undefined;
    }, 30_000);
    expect(firing.map((a: any) => `${a.labels.namespace}/${a.labels.name}`)).toContain(`${failing.namespace}/${failing.name}`);
    expect(firing.map((a: any) => a.labels.namespace)).not.toContain(namespace);

    const dashboard = JSON.parse(fs.readFileSync(path.join(repoRoot, 'deploy/monitoring/grafana-dashboard.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr)).filter(Boolean);
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      const query = expr.replace(/\$__rate_interval|\$__interval/g, '1m').replace(/\$__range/g, '1h').replace(/\$\{?namespace\}?/g, '.*');
      const answer = await api(`/api/v1/query?query=${encodeURIComponent(query)}`);
      expect({ expr, status: answer.status, error: answer.error }).toEqual({ expr, status: 'success', error: undefined });
    }
  } finally {
    prometheus.kill('SIGTERM');
    await exited;
  }
});

test('Temporal over TLS with an API key: a worker syncs through it, and the CLI works with the CA and key and fails clearly without them', async () => {
  const apiKey = `key-${runId}`;
  const proxy = await startTemporalTlsProxy(run.env.TEMPORAL_ADDRESS, apiKey);
  const tls = { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_TLS_CA_PATH: proxy.caPath };
  const remote = new E2eRun(18094, { ...tls, TEMPORAL_API_KEY: apiKey });
  try {
    await remote.start();
    const { namespace, name, repo } = await remote.scenario('tls', wavesApp());
    await remote.waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
    expect(remote.worker.output()).toContain('"temporal":"' + proxy.address + ' (TLS) with an API key"');
    expect(remote.worker.output()).not.toContain(apiKey);
    expect(proxy.counts.refused).toBe(0);
    const workerCalls = proxy.counts.accepted;
    expect(workerCalls).toBeGreaterThan(10);

    const ok = await sluiceAsync({ ...tls, TEMPORAL_API_KEY: apiKey }, 'app', 'history', name, '-n', namespace);
    expect(ok).toMatchObject({ code: 0, out: expect.stringContaining(encodeURIComponent(`sluice-sync/${namespace}/${name}/`)) });
    const flags = await sluiceAsync({}, '--temporal-address', proxy.address, '--temporal-tls-ca-path', proxy.caPath, '--temporal-api-key', apiKey, 'app', 'history', name, '-n', namespace);
    expect(flags.code).toBe(0);
    expect(proxy.counts.accepted).toBeGreaterThan(workerCalls);

    const wrongKey = await sluiceAsync({ ...tls, TEMPORAL_API_KEY: 'not-the-key' }, 'app', 'list', '-n', namespace);
    // Errors reaching an API exit 20, as argocd's do.
    expect(wrongKey).toMatchObject({ code: 20, out: expect.stringContaining('UNAUTHENTICATED: invalid API key') });
    expect(wrongKey.out).not.toContain('not-the-key');
    const noCa = await sluiceAsync({ TEMPORAL_ADDRESS: proxy.address, TEMPORAL_API_KEY: apiKey }, 'app', 'list', '-n', namespace);
    expect(noCa).toMatchObject({ code: 20, out: expect.stringContaining(`cannot reach Temporal at ${proxy.address} (TLS) with an API key`) });
    const missingFile = await sluiceAsync({ ...tls, TEMPORAL_TLS_CA_PATH: '/nonexistent/ca.pem' }, 'app', 'list');
    expect(missingFile).toMatchObject({ code: 2, out: expect.stringContaining('cannot read the Temporal CA certificate /nonexistent/ca.pem: ENOENT') });
  } finally {
    await remote.stop();
    await proxy.close();
  }
});
