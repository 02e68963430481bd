// The README's screenshot of the Temporal UI: a demo-like sync (a PreSync hook, two waves, a PostSync hook) run by
// a real worker on the local stack, then that sync workflow's page in the stack's Temporal UI, captured by headless
// Chromium: its header and its timeline (or, with --view compact, its compact event history). The Input and
// Result panes (the sync's request and result, long JSON) are hidden, as a crop would leave them out.
//   npm run screenshot:ui                                  writes docs/images/sync-timeline.png (the stack must be up)
//   npm run screenshot:ui -- --out /tmp/x.png --view compact --port 19510
// Everything it creates (namespace, repository, Application, worker) is removed at the end.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { syncWorkflowId } from '../domain/operation/types';
import { KubeObject } from '../domain/resource/types';
import { applicationManifest, timelineApp } from '../test/fixtures/gitops';
import { closeChromium, launchChromium, visibleText } from '../test/support/browser';
import { E2eRun } from '../test/support/e2e';
import { eventually } from '../test/support/kube';
import { repoRoot, stackEnv } from '../test/support/stack';
import { freePort } from '../test/support/temporal-dev-server';

const APP = 'guestbook';
/** What the page must show before it is captured: the summaries of the steps, decoded and laid out. */
const READY = ['wait for PreSync hook Job/migrate to complete', 'wait for wave 2 to be Healthy (2 resources)', 'wait for PostSync hook Job/smoke to complete'];
const MAX_BYTES = 300 * 1024;

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

/** Runs the sync on a worker of its own and answers with its workflow's id and run id. */
async function runSync(run: E2eRun): Promise<{ workflowId: string; runId: string }> {
  const namespace = await run.namespace(APP);
  const repo = await run.repo(APP);
  const sha = repo.commit('guestbook: migrate, settings, web, smoke', timelineApp());
  await run.kube.create(applicationManifest({ name: APP, namespace, repoURL: repo.url, destination: namespace, runId: run.runId }) as unknown as KubeObject);
  const app = await run.waitForOperation(namespace, APP, 'Succeeded', sha, 180_000);
  const workflowId = syncWorkflowId({ namespace, name: APP }, app.status.operationState.operation.operationId);
  const { runId } = await run.temporal.workflow.getHandle(workflowId).describe();
  console.log(`synced ${namespace}/${APP} at ${sha.slice(0, 12)}: ${workflowId}`);
  return { workflowId, runId };
}

/** The clip: from the workflow's title to the bottom of the timeline (or event history), Input and Result hidden. */
async function clipOf(page: Page, heading: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.evaluate(`(() => {
    const io = [...document.querySelectorAll('div')].find((d) => /^Input\\s/.test(d.innerText) && d.innerText.includes('Result') && d.getBoundingClientRect().height < 600);
    if (io) io.style.display = 'none';
    const title = document.querySelector('h1').getBoundingClientRect();
    const h2 = [...document.querySelectorAll('h2')].find((e) => e.textContent.trim() === ${JSON.stringify(heading)});
    let section = h2.parentElement;
    while (section && section.getBoundingClientRect().height < 150) section = section.parentElement;
    const s = section.getBoundingClientRect();
    return { x: Math.max(0, s.x - 12), y: Math.max(0, title.y - 16), right: s.x + s.width + 12, bottom: s.y + s.height + 12 };
  })()`) as { x: number; y: number; right: number; bottom: number };
  return { x: box.x, y: box.y, width: box.right - box.x, height: box.bottom - box.y };
}

async function capture(url: string, view: 'timeline' | 'compact', out: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 1200 });
    await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
    if (view === 'compact') {
      await eventually('the Compact button', async () => ((await page.$$('xpath/.//*[normalize-space(text())="Compact"]')).length ? true : undefined), 60_000);
      const [compact] = await page.$$('xpath/.//*[normalize-space(text())="Compact"]');
      await compact.click();
    }
    const text = await eventually(`the summaries on ${url}`, async () => {
      const t = await visibleText(page);
      return READY.every((r) => t.includes(r)) ? t : undefined;
    }, 90_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\nthe page said:\n${(await visibleText(page)).slice(0, 3000)}`);
    });
    await page.waitForNetworkIdle({ idleTime: 1000, timeout: 60_000 }).catch(() => undefined);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, clip: await clipOf(page, view === 'compact' ? 'Event History' : 'Timeline') });
    const bytes = fs.statSync(out).size;
    console.log(`${path.relative(process.cwd(), out)}: ${(bytes / 1024).toFixed(0)} KiB; the page shows ${READY.filter((r) => text.includes(r)).length} of ${READY.length} expected summaries`);
    if (bytes > MAX_BYTES) throw new Error(`${out} is ${bytes} bytes, over the ${MAX_BYTES} a README image may take`);
  } finally {
    await closeChromium(browser);
  }
}

async function main(): Promise<void> {
  const view = option('view') === 'compact' ? 'compact' : 'timeline';
  const out = path.resolve(option('out') ?? path.join(repoRoot, 'docs/images/sync-timeline.png'));
  const run = new E2eRun(Number(option('port') ?? (await freePort())));
  try {
    await run.start();
    const { workflowId, runId } = await runSync(run);
    const ui = stackEnv().SLUICE_TEMPORAL_UI.replace(/\/$/, '');
    await capture(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/${view === 'compact' ? 'history' : 'timeline'}`, view, out);
  } finally {
    await run.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
