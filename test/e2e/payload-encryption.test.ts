// End to end (issue 13): with SLUICE_PAYLOAD_KEYS set, a marker in an app's spec and its Helm values never appears
// in the raw history the Temporal CLI shows (`temporal workflow show -o json`), while the app syncs and the CLI
// reads its memos; the worker's codec endpoint decodes those payloads back for a caller with the token (the
// Temporal CLI through --codec-endpoint, as the UI would), refuses one without it, and answers the UI's CORS
// preflight. Rotation: the worker restarted with keys [B, A] (from a file) replays the app's A-encrypted history,
// and writes B.
// With SLUICE_CODEC_AUTH=kubernetes, a ServiceAccount's token is reviewed and RBAC on payloads.sluice.dev decides.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const PORT = 18980;
const TOKEN = randomBytes(16).toString('hex');
const UI_ORIGIN = 'http://127.0.0.1:8233';
const keyA = `key-a:${randomBytes(32).toString('base64')}`;
const keyB = `key-b:${randomBytes(32).toString('base64')}`;
const run = new E2eRun(PORT, { SLUICE_PAYLOAD_KEYS: keyA, SLUICE_CODEC_AUTH_TOKEN: TOKEN, SLUICE_CODEC_CORS_ORIGINS: UI_ORIGIN });
const { env, kube, runId } = run;
const MARKER = `plaintextmarker${runId}`;
const CODEC = `http://127.0.0.1:${PORT}/codec`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

const decoders = `sluice-codec-e2e-${runId}`;
beforeAll(() => run.start());
afterAll(async () => {
  await run.stop();
  await kube.delete('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, decoders).catch(() => undefined);
  await kube.delete('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, decoders).catch(() => undefined);
});

const chart = (greeting: string) => ({
  'chart/Chart.yaml': 'apiVersion: v2\nname: marked\nversion: 0.1.0\n',
  'chart/values.yaml': `greeting: ${greeting}\nnote: none\n`,
  'chart/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  note: {{ .Values.note | quote }}\n',
});

const temporalCli = (...args: string[]) => execFileSync(env.SLUICE_TEMPORAL_CLI, [...args, '--address', env.TEMPORAL_ADDRESS], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** Every workflow this app ran (its own and its syncs), by the search attributes, which stay plain. */
function workflowIds(namespace: string): string[] {
  const out = temporalCli('workflow', 'list', '--query', `SluiceAppNamespace = '${namespace}'`, '-o', 'json').trim();
  const rows: Array<{ execution: { workflowId: string } }> = out.startsWith('[') ? JSON.parse(out) : out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return rows.map((w) => w.execution.workflowId);
}
const isSync = (id: string) => id.startsWith('sluice-sync/');

/** The raw history, as anyone with Temporal access (or its database) reads it. */
const rawHistory = (workflowId: string, ...flags: string[]) => temporalCli('workflow', 'show', '--workflow-id', workflowId, '-o', 'json', ...flags);

/** Every payload object (`{metadata, data}`) in a history's JSON. */
function payloadsIn(value: unknown, found: Array<{ metadata: Record<string, string>; data?: string }> = []) {
  if (Array.isArray(value)) value.forEach((v) => payloadsIn(v, found));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && typeof (o.metadata as Record<string, unknown>).encoding === 'string') found.push(o as never);
    else Object.values(o).forEach((v) => payloadsIn(v, found));
  }
  return found;
}

/** The history as text, with every payload's base64 data decoded as well: a plain payload cannot hide the marker. */
const plainText = (json: string) => `${json}\n${payloadsIn(JSON.parse(json)).map((p) => unb64(p.data ?? '')).join('\n')}`;
const encryptedWith = (json: string) => new Set(payloadsIn(JSON.parse(json)).filter((p) => p.metadata.encoding === b64('binary/encrypted')).map((p) => unb64(p.metadata['encryption-key-id'] ?? '')));

const syncedRevisions = (namespace: string) => {
  const history = run.sluice(namespace, 'app', 'history', namespace, '-o', 'json');
  expect(history.code).toBe(0);
  return (JSON.parse(history.out) as { operations: Array<{ revision: string }> }).operations.map((o) => o.revision);
};

const codec = (path: string, init: RequestInit = {}) => fetch(`${CODEC}${path}`, { method: 'POST', ...init, headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...(init.headers ?? {}) } });
const decodeThrough = async (payloads: unknown[], token = TOKEN) => {
  const res = await codec('/decode', { body: JSON.stringify({ payloads }), headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { payloads: Array<{ data: string }> }).payloads.map((p) => unb64(p.data)).join('\n');
};

test('encrypted payloads: the marker is never in the raw history; the codec endpoint shows it; rotation keeps old payloads readable', async () => {
  const namespace = await run.namespace('enc');
  const repo = await run.repo('enc');
  const first = repo.commit('chart', chart('from-git'));
  const manifest = applicationManifest({ name: namespace, namespace, repoURL: repo.url, path: 'chart', destination: namespace, runId }) as { spec: Record<string, any> };
  manifest.spec.source.helm = { releaseName: 'marked', values: `note: ${MARKER}-values\n`, valuesObject: { greeting: `${MARKER}-object` } };
  manifest.spec.info = [{ name: 'owner', value: `${MARKER}-info` }];
  await kube.create(manifest as unknown as KubeObject);

  // It syncs, with the Helm values the worker read back from the CR (history carries their digest, not them).
  await run.waitForOperation(namespace, namespace, 'Succeeded', first);
  const config = await kube.get('v1', 'ConfigMap', namespace, 'marked-config') as unknown as { data: Record<string, string> };
  expect(config.data).toEqual({ greeting: `${MARKER}-object`, note: `${MARKER}-values` });

  const ids = workflowIds(namespace);
  expect(ids).toEqual(expect.arrayContaining([`sluice-app/${namespace}/${namespace}`, expect.stringMatching(/^sluice-sync\//)]));
  const histories = ids.map((id) => rawHistory(id));
  for (const json of histories) {
    expect(plainText(json)).not.toContain(MARKER);
    expect(encryptedWith(json)).toEqual(new Set(['key-a']));
  }
  // The CLI decodes memos (app history reads each sync's revision from its memo) with the same keys.
  expect(syncedRevisions(namespace)).toEqual([first]);
  const keyless = await run.sluiceAsync({ SLUICE_PAYLOAD_KEYS: '' }, 'app', 'history', namespace, '-n', namespace);
  expect(keyless).toMatchObject({ code: 2, out: expect.stringContaining('Temporal holds encrypted payloads and this CLI has no key') });

  // The codec endpoint: the sync's input decodes to the spec, marker and all (spec.info; Helm values never travel).
  const syncId = ids.find(isSync)!;
  const syncPayloads = payloadsIn(JSON.parse(rawHistory(syncId)));
  expect(await decodeThrough(syncPayloads)).toContain(`${MARKER}-info`);
  // ... and so does the Temporal CLI pointed at it, as the UI would be.
  const shown = plainText(rawHistory(syncId, '--codec-endpoint', CODEC, '--codec-auth', `Bearer ${TOKEN}`));
  expect(shown).toContain(`${MARKER}-info`);
  expect(shown).toContain('"valuesDigest":"sha256:');
  expect(shown).not.toContain(`${MARKER}-object`);

  // No token, a wrong one, or a GET: refused.
  const body = JSON.stringify({ payloads: syncPayloads.slice(0, 1) });
  expect((await codec('/decode', { body })).status).toBe(401);
  expect((await codec('/decode', { body, headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
  expect((await fetch(`${CODEC}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  // The UI's preflight (no credentials), from its origin; another origin gets no CORS grant.
  const preflight = await fetch(`${CODEC}/decode`, { method: 'OPTIONS', headers: { Origin: UI_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' } });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(preflight.headers.get('access-control-allow-headers')).toBe('X-Namespace, Content-Type, Authorization');
  const elsewhere = await fetch(`${CODEC}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
  expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  // Encoding through the endpoint gives a payload the endpoint decodes back.
  const encoded = await codec('/encode', { body: JSON.stringify({ payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"hello"') }] }), headers: { Authorization: `Bearer ${TOKEN}`, Origin: UI_ORIGIN } });
  expect(encoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  const [sealed] = ((await encoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads;
  expect(unb64(sealed.metadata['encryption-key-id'])).toBe('key-a');
  expect(await decodeThrough([sealed])).toBe('"hello"');

  // Rotation: B is current, A still decrypts. The restarted worker replays the A-encrypted app workflow and syncs
  // the next commit with B. The keys now come from a file, as from a mounted Secret.
  const keysFile = path.join(run.scratch, 'payload-keys');
  fs.writeFileSync(keysFile, `# B is current since the rotation\n${keyB}\n${keyA}\n`, { mode: 0o600 });
  delete run.workerEnv.SLUICE_PAYLOAD_KEYS;
  run.workerEnv.SLUICE_PAYLOAD_KEYS_FILE = keysFile;
  await run.restartWorker();
  const second = await run.push(repo, namespace, namespace, 'second', { 'chart/templates/second.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\ndata:\n  from: git\n' });
  await run.waitForOperation(namespace, namespace, 'Succeeded', second);
  const appHistory = rawHistory(`sluice-app/${namespace}/${namespace}`);
  expect(encryptedWith(appHistory)).toEqual(new Set(['key-a', 'key-b']));
  expect(plainText(appHistory)).not.toContain(MARKER);
  const newSync = await eventually('the second sync workflow', async () => workflowIds(namespace).find((id) => isSync(id) && id !== syncId));
  expect(encryptedWith(rawHistory(newSync))).toEqual(new Set(['key-b']));
  // The endpoint, now with [B, A], still decodes the first sync's A-encrypted payloads.
  expect(await decodeThrough(syncPayloads)).toContain(`${MARKER}-info`);
  expect(syncedRevisions(namespace)).toEqual([first, second]);
});

test('an API server refusal quoting a Helm value stays encrypted in history, and the app still reports it', async () => {
  const namespace = await run.namespace('enc-fail');
  const repo = await run.repo('enc-fail');
  repo.commit('chart', {
    'chart/Chart.yaml': 'apiVersion: v2\nname: refused\nversion: 0.1.0\n',
    'chart/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: refused\n  labels:\n    tier: {{ .Values.tier | quote }}\n',
  });
  const manifest = applicationManifest({ name: namespace, namespace, repoURL: repo.url, path: 'chart', destination: namespace, runId }) as { spec: Record<string, any> };
  // Not a valid label value: the API server's refusal quotes it.
  manifest.spec.source.helm = { valuesObject: { tier: `${MARKER}-failure!` } };
  await kube.create(manifest as unknown as KubeObject);
  const reported = await eventually('the refusal in the app\'s status', async () => {
    const status = (await run.application(namespace, namespace))?.status;
    return [status?.operationState?.message, ...(status?.conditions ?? []).map((c: { message: string }) => c.message)].find((m) => typeof m === 'string' && m.includes(`${MARKER}-failure!`));
  }, 90_000);
  expect(reported).toContain('is invalid: metadata.labels');
  const ids = workflowIds(namespace);
  expect(ids.some(isSync)).toBe(true);
  for (const id of ids) expect(plainText(rawHistory(id))).not.toContain(MARKER);
});

test('SLUICE_CODEC_AUTH=kubernetes: RBAC on payloads.sluice.dev decides who may use the endpoint', async () => {
  const namespace = await run.namespace('enc-rbac');
  await kube.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: decoders }, rules: [{ apiGroups: ['sluice.dev'], resources: ['payloads'], verbs: ['encode', 'decode'] }] } as unknown as KubeObject);
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: decoders },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: decoders }, subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace }],
  } as unknown as KubeObject);
  const tokenFor = async (name: string) => {
    await kube.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } } as KubeObject);
    return (await kube.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } } })).status.token;
  };
  const [operator, stranger] = [await tokenFor('operator'), await tokenFor('stranger')];
  delete run.workerEnv.SLUICE_CODEC_AUTH_TOKEN;
  run.workerEnv.SLUICE_CODEC_AUTH = 'kubernetes';
  await run.restartWorker();

  const payloads = [{ metadata: { encoding: b64('json/plain') }, data: b64(`"${MARKER}"`) }];
  const encoded = await codec('/encode', { body: JSON.stringify({ payloads }), headers: { Authorization: `Bearer ${operator}` } });
  expect(encoded.status).toBe(200);
  const sealed = ((await encoded.json()) as { payloads: unknown[] }).payloads;
  expect(await decodeThrough(sealed, operator)).toBe(`"${MARKER}"`);
  const refused = await codec('/decode', { body: JSON.stringify({ payloads: sealed }), headers: { Authorization: `Bearer ${stranger}` } });
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: string }).error).toBe(`system:serviceaccount:${namespace}:stranger may not decode payloads (RBAC: verb decode on payloads.sluice.dev)`);
  // The shared token of the other mode is no Kubernetes credential.
  expect((await codec('/decode', { body: JSON.stringify({ payloads: sealed }), headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
});
