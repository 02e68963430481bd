// End to end (issue 13, "Payload encryption"): the real Temporal Web UI, in a headless Chromium, shows a marker of an
// app's spec (its info) decoded, and only through the worker's codec endpoint. A second dev server (the
// stack's binary, its own ports) serves the UI with --ui-codec-endpoint at an authenticating proxy, as the README
// says to run it: the browser calls the proxy from the UI's page, the proxy adds the bearer token and forwards to
// the worker's /codec, which answers the UI origin's CORS. With the proxy down, the same page shows the encrypted
// payloads and no marker.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'puppeteer-core';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { closeChromium, launchChromium, visibleText } from '../support/browser';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { DevServer, startDevServer } from '../support/temporal-dev-server';

const PORT = 18890;
const TOKEN = randomBytes(16).toString('hex');
const run = new E2eRun(PORT, { SLUICE_PAYLOAD_KEYS: `key-a:${randomBytes(32).toString('base64')}`, SLUICE_CODEC_AUTH_TOKEN: TOKEN });
const MARKER = `uimarker${run.runId}`;

/** The proxy in front of /codec: adds the token the UI cannot send, and records who posted; `down()` stops it listening. */
interface CodecProxy { url: string; posts: Array<{ path: string; origin: string }>; down(): Promise<void> }
async function startCodecProxy(upstream: string): Promise<CodecProxy> {
  const posts: CodecProxy['posts'] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') posts.push({ path: new URL(String(req.url), 'http://proxy').pathname, origin: String(req.headers.origin) });
    const forward = http.request(`${upstream}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(upstream).host, authorization: `Bearer ${TOKEN}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec`, posts,
    down: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

let server: DevServer;
let proxy: CodecProxy;
let browser: Browser | undefined;
beforeAll(async () => {
  proxy = await startCodecProxy(`http://127.0.0.1:${PORT}`);
  server = await startDevServer(['--ui-codec-endpoint', proxy.url]);
  run.temporalAddress = run.workerEnv.TEMPORAL_ADDRESS = server.address;
  run.workerEnv.SLUICE_CODEC_CORS_ORIGINS = server.uiUrl;
  await run.start();
  browser = await launchChromium();
});
afterAll(async () => {
  await closeChromium(browser);
  await run.stop();
  await proxy?.down().catch(() => undefined);
  await server?.stop();
});

/** The visible text of a workflow's page in the UI once `ready(text)` holds, and a screenshot of it. */
async function pageText(url: string, ready: (text: string) => boolean, screenshot: string): Promise<string> {
  const page = await browser!.newPage();
  try {
    await page.setViewport({ width: 1400, height: 2000 });
    await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
    await eventually(`the UI page ${url}`, async () => {
      const t = await visibleText(page);
      return ready(t) ? t : undefined;
    }, 90_000).catch(async (error) => {
      await page.screenshot({ path: screenshot, fullPage: true });
      throw new Error(`${(error as Error).message}\nthe page said:\n${(await visibleText(page)).slice(0, 3000)}`);
    });
    // Settled: every codec call the page made has been answered (or refused), so this is what it keeps showing.
    await page.waitForNetworkIdle({ idleTime: 1000, timeout: 90_000 });
    const settled = await visibleText(page);
    expect(ready(settled)).toBe(true);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot ${screenshot}: ${fs.statSync(screenshot).size} bytes`);
    return settled;
  } finally {
    await page.close();
  }
}

test('the Temporal UI shows the encrypted spec decoded through the codec endpoint, and encrypted without it', async () => {
  const namespace = await run.namespace('ui-codec');
  const repo = await run.repo('ui-codec');
  const first = repo.commit('chart', {
    'chart/Chart.yaml': 'apiVersion: v2\nname: marked\nversion: 0.1.0\n',
    'chart/values.yaml': 'greeting: from-git\n',
    'chart/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marked\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
  });
  const manifest = applicationManifest({ name: namespace, namespace, repoURL: repo.url, path: 'chart', destination: namespace, runId: run.runId }) as { spec: Record<string, any> };
  // In spec.info: the spec travels in the sync workflow's input (Helm values do not: a digest stands in for them).
  manifest.spec.info = [{ name: 'greeting', value: `${MARKER}-object` }];
  await run.kube.create(manifest as unknown as KubeObject);
  await run.waitForOperation(namespace, namespace, 'Succeeded', first);

  // The sync workflow's input holds the app's spec, its info with the marker.
  const syncs: Array<{ workflowId: string; runId: string }> = [];
  for await (const w of run.temporal.workflow.list({ query: `SluiceAppNamespace = '${namespace}' AND SluiceKind = 'Sync'` })) syncs.push(w);
  expect(syncs).toHaveLength(1);
  const [{ workflowId, runId }] = syncs;
  const url = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
  // Kept after the run, for a look (not removed with the run's scratch directory).
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-ui-codec-'));

  const decoded = await pageText(url, (t) => t.includes(MARKER), path.join(shots, 'decoded.png'));
  expect(decoded).toContain(`${MARKER}-object`);
  // The browser called the proxy from the UI's page.
  expect(proxy.posts).toContainEqual({ path: '/codec/decode', origin: server.uiUrl });
  expect(new Set(proxy.posts.map((p) => p.origin))).toEqual(new Set([server.uiUrl]));

  // Without the codec endpoint the UI has only what Temporal stores: the input's encrypted bytes, no marker.
  const raw = execFileSync(run.env.SLUICE_TEMPORAL_CLI, ['workflow', 'show', '--workflow-id', workflowId, '-o', 'json', '--address', server.address], { encoding: 'utf8' });
  expect(raw).not.toContain(MARKER);
  const [input] = JSON.parse(raw).events[0].workflowExecutionStartedEventAttributes.input.payloads as Array<{ metadata: Record<string, string>; data: string }>;
  expect(Buffer.from(input.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  await proxy.down();
  const sealed = await pageText(url, (t) => t.includes(input.data), path.join(shots, 'encrypted.png'));
  expect(sealed).not.toContain(MARKER);
});
