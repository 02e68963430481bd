// Secrets never leak (issue 13), end to end: distinct random markers go into a Secret deployed from git (and
// changed by a second commit), Helm values that render a Secret, a private repository's password, the webhook
// secret and a notification URL's token. The real worker (debug logs), API server, git server and CLI process
// them; then every surface an operator or a Temporal user can read is collected and searched for every marker.
// Each surface must have collected something about the apps, so the test cannot pass by collecting nothing.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { deploymentYaml } from '../fixtures/sources';
import { E2eRun } from '../support/e2e';
import { historyToJson } from '../support/history-json';
import { eventually } from '../support/kube';

const marker = (what: string) => `leak-${what}-${randomBytes(9).toString('hex')}`;
const markers = {
  secretV1: marker('secret-v1'), secretV1Data: marker('secret-v1-data'), secretV2: marker('secret-v2'),
  helmParameter: marker('helm-parameter'), helmValues: marker('helm-values'), helmValuesObject: marker('helm-values-object'),
  repoPassword: marker('repo-password'), wrongRepoPassword: marker('wrong-repo-password'), webhookSecret: marker('webhook-secret'),
  notificationToken: marker('notification-token'), deadReceiverToken: marker('dead-receiver-token'),
};
const CONTROL = `leaks-control-${randomBytes(3).toString('hex')}`;
const run = new E2eRun(18970, { LOG_LEVEL: 'debug', SLUICE_NAMESPACE: CONTROL, SLUICE_WEBHOOK_SECRET: markers.webhookSecret });
const { kube, runId } = run;
const b64 = (s: string) => Buffer.from(s).toString('base64');

const received: Array<{ path: string; body: string }> = [];
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => (raw += d));
  req.on('end', () => {
    received.push({ path: req.url ?? '', body: raw });
    res.end('ok');
  });
});

beforeAll(async () => {
  await run.start();
  run.namespaces.push(CONTROL);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
});
afterAll(async () => {
  receiver.close();
  await run.stop();
});

function secretFile(stringValue: string, dataValue: string): string {
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ntype: Opaque\nstringData:\n  token: ${stringValue}\ndata:\n  key: ${b64(dataValue)}\n`;
}

const chart = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: creds\nversion: 0.1.0\n',
  'chart/values.yaml': 'password: unset\ntoken: unset\napiKey: unset\n',
  'chart/templates/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-creds\nstringData:\n  password: {{ .Values.password | quote }}\n  token: {{ .Values.token | quote }}\n  apiKey: {{ .Values.apiKey | quote }}\n',
  'chart/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  mode: helm\n',
};

test('no Secret value, Helm value, repo password, webhook secret or notification token appears in histories, logs, CLI output, diffs, metrics, notifications, Application status or Events', async () => {
  const port = (receiver.address() as { port: number }).port;
  await kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sluice-notifications', namespace: CONTROL }, stringData: {
    'webhook.receiver.url': `http://127.0.0.1:${port}/hook/${markers.notificationToken}`,
    // Nothing listens there: every delivery fails, and the failure must not name the URL.
    'webhook.down.url': `http://127.0.0.1:1/hook?token=${markers.deadReceiverToken}`,
  } } as unknown as KubeObject);

  const credentials = { username: 'deployer', password: markers.repoPassword };
  const repo = await run.repo('leaks', credentials);
  const first = repo.commit('app and chart', { 'app/secret.yaml': secretFile(markers.secretV1, markers.secretV1Data), 'app/deployment.yaml': deploymentYaml('web', 1), ...chart });
  await kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `repo-${repo.name}`, namespace: CONTROL, labels: { 'argocd.argoproj.io/secret-type': 'repository' } }, stringData: { url: repo.url, ...credentials } } as unknown as KubeObject);

  const subscribe = Object.fromEntries(['on-sync-running', 'on-sync-succeeded', 'on-deployed', 'on-approval-requested', 'on-sync-failed'].map((t) => [`notifications.argoproj.io/subscribe.${t}.webhook`, 'receiver;down']));
  // A second private repository whose Secret holds the wrong password: the refusal must not repeat it.
  const denied = await run.repo('leaks-denied', { username: 'deployer', password: `right-${runId}` });
  denied.commit('app', { 'app/deployment.yaml': deploymentYaml('web', 1) });
  await kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `repo-${denied.name}`, namespace: CONTROL, labels: { 'argocd.argoproj.io/secret-type': 'repository' } }, stringData: { url: denied.url, username: 'deployer', password: markers.wrongRepoPassword } } as unknown as KubeObject);

  const create = async (prefix: string, extra: Partial<Parameters<typeof applicationManifest>[0]>, helm?: Record<string, unknown>, repoURL = repo.url) => {
    const namespace = await run.namespace(prefix);
    const manifest = applicationManifest({ name: prefix, namespace, repoURL, destination: namespace, runId, ...extra }) as any;
    manifest.metadata.annotations = subscribe;
    if (helm) manifest.spec.source = { ...manifest.spec.source, path: 'chart', helm };
    await kube.create(manifest);
    return { namespace, name: prefix };
  };
  const manual = await create('manual', { automated: false });
  const gated = await create('gated', { approval: { approvers: ['sluice-admin'] } });
  const helm = await create('helm', {}, {
    parameters: [{ name: 'password', value: markers.helmParameter }], values: `token: ${markers.helmValues}\n`, valuesObject: { apiKey: markers.helmValuesObject },
  });
  const refused = await create('refused', {}, undefined, denied.url);
  const apps = [manual, gated, helm, refused];
  // Every CLI output, by command; each names the app it was about. Not run.sluice: a synchronous CLI would
  // block this process, and with it the notification receiver. The CLI's `app diff` renders locally and reads
  // the repository Secret from the control namespace.
  const cli: Record<string, { outputs: string[]; names: string[] }> = {};
  const sluice = async (label: string, app: { namespace: string; name: string }, ...args: string[]) => {
    const r = await run.sluiceAsync({ SLUICE_NAMESPACE: CONTROL }, ...args, '-n', app.namespace);
    cli[label] ??= { outputs: [], names: [] };
    cli[label].outputs.push(r.out);
    cli[label].names.push(app.name);
    return r;
  };

  // The first commit: a manual sync through the CLI, an approval through the CLI, and an automated Helm app.
  await run.refreshed(manual.namespace, manual.name);
  expect((await sluice('app diff', manual, 'app', 'diff', manual.name)).code).toBe(1);
  expect((await sluice('sync', manual, 'app', 'sync', manual.name)).code).toBe(0);
  await run.pendingApproval(gated.namespace, gated.name);
  expect((await sluice('app approve', gated, 'app', 'approve', gated.name, '--yes')).code).toBe(0);
  for (const app of [manual, gated, helm]) await run.waitForOperation(app.namespace, app.name, 'Succeeded', first);
  const refusal = await eventually('the wrong password to be refused', async () => {
    const conditions: Array<{ message: string }> = (await run.application(refused.namespace, refused.name))?.status?.conditions ?? [];
    return conditions.find((c) => c.message.includes('authentication failed'));
  });
  expect(refusal.message).toContain('for user deployer');

  // The second commit changes the Secret: announced by a signed webhook (after a badly signed one is refused).
  const second = repo.commit('rotate the token', { 'app/secret.yaml': secretFile(markers.secretV2, markers.secretV1Data) });
  const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.url } });
  const post = (signature: string) => fetch(`http://127.0.0.1:${run.httpPort}/api/webhook`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature } });
  expect((await post(`sha256=${createHmac('sha256', 'wrong').update(body).digest('hex')}`)).status).toBe(401);
  expect((await post('')).status).toBe(401);
  expect((await post(`sha256=${createHmac('sha256', markers.webhookSecret).update(body).digest('hex')}`)).status).toBe(200);

  await eventually('the manual app to see the rotated Secret', async () => ((await run.application(manual.namespace, manual.name))?.status?.sync?.revision === second ? true : undefined));
  // The rotation shows as a change of the token, masked (a longer mask on the live side), the key unchanged.
  const rotated = await sluice('app diff', manual, 'app', 'diff', manual.name);
  expect(rotated).toMatchObject({ code: 1, out: expect.stringMatching(/-\s+token: \+{16}\n\+\s+token: \+{8}\n/) });
  expect(rotated.out).toMatch(/^ {3}key: \+{8}$/m);
  const pending = await eventually('the gated app to ask for the rotated Secret', async () => {
    const app = await run.application(gated.namespace, gated.name);
    return app?.status?.approval?.state === 'Pending' && app.status.approval.revision === second ? app : undefined;
  });
  const approvalSummary = JSON.stringify(pending.status.approval);
  // The diff the worker published for approvers holds the Secret's change, masked.
  const syncDiff = JSON.stringify(await kube.get('sluice.dev/v1alpha1', 'SyncDiff', gated.namespace, gated.name));
  expect((await sluice('app diff', gated, 'app', 'diff', gated.name)).code).toBe(1);
  expect((await sluice('app approve', gated, 'app', 'approve', gated.name, '--yes')).code).toBe(0);
  expect((await sluice('sync', manual, 'app', 'sync', manual.name)).code).toBe(0);
  for (const app of [manual, gated]) await run.waitForOperation(app.namespace, app.name, 'Succeeded', second);

  // The positive control: the values really went through the worker to the API server.
  const data = async (namespace: string, name: string) => ((await kube.get('v1', 'Secret', namespace, name))?.data ?? {}) as Record<string, string>;
  for (const app of [manual, gated]) expect(await data(app.namespace, 'api')).toEqual({ token: b64(markers.secretV2), key: b64(markers.secretV1Data) });
  expect(await data(helm.namespace, 'helm-creds')).toEqual({ password: b64(markers.helmParameter), token: b64(markers.helmValues), apiKey: b64(markers.helmValuesObject) });

  for (const app of apps) {
    await sluice('app get', app, 'app', 'get', app.name);
    await sluice('app get -o json', app, 'app', 'get', app.name, '-o', 'json');
    await sluice('app list -o json', app, 'app', 'list', '-o', 'json');
    // A table of syncs names the app in its Temporal links: the refused app has none.
    if (app === refused) continue;
    await sluice('app history', app, 'app', 'history', app.name);
    await sluice('app history -o json', app, 'app', 'history', app.name, '-o', 'json');
  }
  await eventually('the notifications of both commits', async () => (received.filter((r) => r.body.includes(second)).length >= 2 ? true : undefined), 30_000);

  const recorded = await histories();
  const kubeEvents = await events([CONTROL, ...apps.map((a) => a.namespace)]);
  expect(recorded.workflows).toBeGreaterThan(6);
  const surfaces: Record<string, { text: string; mustName: string[] }> = {
    histories: { text: recorded.text, mustName: apps.map((a) => a.name) },
    'worker logs (debug)': { text: run.worker.output(), mustName: apps.map((a) => a.name) },
    metrics: { text: await (await fetch(`http://127.0.0.1:${run.httpPort}/metrics`)).text() + await (await fetch(`http://127.0.0.1:${run.httpPort + 1}/metrics`)).text(), mustName: apps.map((a) => a.name) },
    notifications: { text: received.map((r) => r.body).join('\n'), mustName: [manual, gated, helm].map((a) => a.name) },
    'approval (status.approval)': { text: approvalSummary, mustName: [second] },
    'SyncDiff (for approvers)': { text: syncDiff, mustName: [second, 'Secret/', 'token: ++++++++'] },
    // Not Sluice's (it writes none): the API server's controllers', about the objects the apps deployed.
    'Events': { text: JSON.stringify(kubeEvents), mustName: ['web'] },
    // The Helm values are the Application's own spec: everything else of the CR (its status above all) is searched.
    'Application CRs': { text: withoutOwnHelmValues(await Promise.all(apps.map((a) => run.application(a.namespace, a.name)))), mustName: apps.map((a) => a.name) },
    ...Object.fromEntries(Object.entries(cli).map(([label, { outputs, names }]) => [`CLI ${label}`, { text: outputs.join('\n'), mustName: names }])),
  };
  const report: string[] = [];
  const leaks: string[] = [];
  for (const [surface, { text, mustName }] of Object.entries(surfaces)) {
    report.push(`${surface}: ${text.length} chars${surface === 'Events' ? ` (${kubeEvents.length}: ${[...new Set(kubeEvents.map((e: any) => e.reason))].join(', ')})` : ''}`);
    for (const name of mustName) expect({ surface, names: text.includes(name) }).toEqual({ surface, names: true });
    for (const [what, value] of Object.entries(markers)) {
      for (const form of [value, b64(value)]) if (text.includes(form)) leaks.push(`${what} in ${surface}: …${context(text, form)}…`);
    }
  }
  console.log(`searched for ${Object.keys(markers).length} markers:\n${report.join('\n')}\n(${recorded.workflows} workflow histories, ${recorded.raw} chars as \`temporal workflow show -o json\` writes them; the Helm app's values digest appears ${recorded.valuesDigests} times in them)`);
  expect(leaks).toEqual([]);
  // Payloads were decoded: the Helm app's spec travels in its workflows' inputs, a digest in place of its values.
  expect(recorded.valuesDigests).toBeGreaterThan(0);
  // The CLI shows the Helm app's values masked, names and structure kept.
  const shownHelm = JSON.parse(cli['app get -o json'].outputs[cli['app get -o json'].names.indexOf(helm.name)]).spec.source.helm;
  expect(shownHelm).toMatchObject({ parameters: [{ name: 'password', value: '++++++++' }], values: '++++++++', valuesObject: { apiKey: '++++++++' } });
  // The dead receiver's deliveries failed and are being retried: the failure names the service, not its URL.
  expect(recorded.text.includes('webhook delivery failed: request to <webhook down URL> failed')).toBe(true);
  expect(surfaces['worker logs (debug)'].text.includes('"err":"webhook delivery failed: request to <webhook down URL> failed')).toBe(true);
  for (const [surface, { text }] of Object.entries(surfaces)) expect({ surface, collected: text.length > 200 }).toEqual({ surface, collected: true });
});

/**
 * Every workflow this run's worker ran (app, sync, notification, every continued-as-new run): its description (a
 * retrying activity's last failure) and full history as JSON, with every payload decoded (a payload is base64 in
 * `temporal workflow show -o json`, where a marker inside a larger JSON value would not be found) and parsed, so
 * Helm sources can be told apart.
 */
async function histories(): Promise<{ text: string; workflows: number; raw: number; valuesDigests: number }> {
  const texts: string[] = [];
  let raw = 0;
  let valuesDigests = 0;
  for await (const wf of run.temporal.workflow.list({ query: `TaskQueue = '${run.workerEnv.SLUICE_TASK_QUEUE}'` })) {
    const handle = run.temporal.workflow.getHandle(wf.workflowId, wf.runId);
    const history = await handle.fetchHistory();
    raw += historyToJson(history).length;
    // The description too: a retrying activity's last failure is there (and in the UI), not yet in history.
    const recorded = { history, description: (await handle.describe()).raw };
    const decoded = JSON.stringify(decodePayloads(recorded));
    texts.push(decoded);
    valuesDigests += decoded.split('"valuesDigest":"sha256:').length - 1;
  }
  return { text: texts.join('\n'), workflows: texts.length, raw, valuesDigests };
}

/**
 * The history as plain data with every bytes field (payload data, mostly JSON) decoded. Not JSON.stringify's
 * replacer: protobufjs messages have a toJSON that turns bytes into base64 before a replacer sees them.
 */
function decodePayloads(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (Array.isArray(value)) return value.map(decodePayloads);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodePayloads(v)]));
  return value;
}

async function events(namespaces: string[]): Promise<KubeObject[]> {
  const all = await Promise.all(namespaces.flatMap((namespace) => [kube.list('v1', 'Event', { namespace }), kube.list('events.k8s.io/v1', 'Event', { namespace })]));
  return all.flat();
}

/** The Applications as JSON without their own `spec.source.helm` (where the values belong); their status in full. */
function withoutOwnHelmValues(apps: any[]): string {
  return JSON.stringify(apps.map((a) => (a?.spec?.source?.helm ? { ...a, spec: { ...a.spec, source: { ...a.spec.source, helm: '<the Application\'s own Helm values>' } } } : a)));
}

function context(text: string, found: string): string {
  const at = text.indexOf(found);
  return text.slice(Math.max(0, at - 150), at + found.length + 50);
}
