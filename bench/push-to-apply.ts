// Push-to-apply latency: the time from a git push (announced by a signed GitHub webhook) until the change is
// live in the cluster, with Sluice doing the work (refresh: fetch, render, diff; then a sync child workflow:
// plan, dry-run, server-side apply). Baselines measured in the same run, on the same API server, apply the
// same change without Sluice: `kubectl apply --server-side` (what a CI pipeline would run) and a single
// server-side-apply request from this process (the API's own floor). Prints medians, p90s and the ratios.
//
//   node --import tsx bench/push-to-apply.ts [--runs N]      (the local stack must be up: npm run stack:up)
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../activities/cluster/kube-client';
import { KubeObject } from '../domain/resource/types';
import { applicationManifest } from '../test/fixtures/gitops';
import { TestRepo } from '../test/support/git';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../test/support/kube';
import { stackEnv } from '../test/support/stack';
import { startWorker } from '../test/support/worker';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 10;
const env = stackEnv();
const kube = KubeClient.fromFile(env.KUBECONFIG);
const runId = randomBytes(4).toString('hex');
const PORT = 18096;
const SECRET = `bench-${runId}`;

const configMap = (namespace: string, value: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench', namespace }, data: { value: String(value) } } as unknown as KubeObject);
const configMapYaml = (value: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench\ndata:\n  value: "${value}"\n`;

/** Polls (every 20 ms) until the ConfigMap carries `value`; returns when it does. */
async function visible(namespace: string, value: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const cm = await kube.get('v1', 'ConfigMap', namespace, 'bench');
    if ((cm as { data?: { value?: string } } | undefined)?.data?.value === String(value)) return;
    if (Date.now() > deadline) throw new Error(`value ${value} never appeared in ${namespace}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function stats(samples: number[]): { median: number; p90: number; min: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { median: at(0.5), p90: at(0.9), min: sorted[0] };
}

async function main(): Promise<void> {
  const kc = kubeConfig();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  const sluiceNs = await createTestNamespace(kc, 'bench-sluice');
  const kubectlNs = await createTestNamespace(kc, 'bench-kubectl');
  const requestNs = await createTestNamespace(kc, 'bench-request');
  const repo = await TestRepo.create('bench');
  const worker = await startWorker({
    SLUICE_APP_SELECTOR: `sluice.dev/test-run=${runId}`, SLUICE_TASK_QUEUE: `sluice-bench-${runId}`, SLUICE_NAMESPACE: 'default',
    SLUICE_HTTP_PORT: String(PORT), SLUICE_WEBHOOK_SECRET: SECRET, SLUICE_REFRESH_INTERVAL: '10m', SLUICE_REFRESH_JITTER: '1s',
    SLUICE_REPO_CACHE: path.join(scratch, 'repos'), SLUICE_RENDER_CACHE: path.join(scratch, 'rendered'),
  });
  try {
    repo.commit('value 0', { 'app/config.yaml': configMapYaml(0) });
    await kube.create(applicationManifest({ name: 'bench', namespace: sluiceNs, repoURL: repo.url, destination: sluiceNs, runId }) as unknown as KubeObject);
    await eventually('the first sync', async () => ((await kube.get('v1', 'ConfigMap', sluiceNs, 'bench')) ? true : undefined), 120_000);

    const webhook = (body: string) => fetch(`http://127.0.0.1:${PORT}/api/webhook`, {
      method: 'POST', body,
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
    });
    const pushBody = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.url } });
    const manifest = path.join(scratch, 'bench.yaml');
    const samples = { sluice: [] as number[], kubectl: [] as number[], request: [] as number[] };
    // One warm-up round each, not counted.
    for (let i = 1; i <= runs + 1; i++) {
      repo.commit(`value ${i}`, { 'app/config.yaml': configMapYaml(i) });
      let start = performance.now();
      const answer = await webhook(pushBody);
      if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`);
      await visible(sluiceNs, i);
      const sluice = performance.now() - start;

      fs.writeFileSync(manifest, stringify(configMap(kubectlNs, i)));
      start = performance.now();
      execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, 'apply', '--server-side', '--field-manager', 'bench', '-f', manifest], { stdio: 'ignore' });
      await visible(kubectlNs, i);
      const kubectl = performance.now() - start;

      start = performance.now();
      await kube.apply(configMap(requestNs, i));
      await visible(requestNs, i);
      const request = performance.now() - start;

      if (i > 1) {
        samples.sluice.push(sluice);
        samples.kubectl.push(kubectl);
        samples.request.push(request);
      }
    }
    const s = { sluice: stats(samples.sluice), kubectl: stats(samples.kubectl), request: stats(samples.request) };
    const ms = (v: number) => `${Math.round(v)} ms`.padStart(8);
    console.log(`push-to-apply, ${runs} runs (after one warm-up), one ConfigMap changed per push`);
    console.log(`${'path'.padEnd(44)}  median       p90       min`);
    console.log(`${'Sluice: webhook -> refresh -> sync -> SSA'.padEnd(44)}${ms(s.sluice.median)}  ${ms(s.sluice.p90)}  ${ms(s.sluice.min)}`);
    console.log(`${'baseline: kubectl apply --server-side'.padEnd(44)}${ms(s.kubectl.median)}  ${ms(s.kubectl.p90)}  ${ms(s.kubectl.min)}`);
    console.log(`${'baseline: one SSA request'.padEnd(44)}${ms(s.request.median)}  ${ms(s.request.p90)}  ${ms(s.request.min)}`);
    console.log(`ratio (median) Sluice / kubectl apply: ${(s.sluice.median / s.kubectl.median).toFixed(2)}x`);
    console.log(`ratio (median) Sluice / one SSA request: ${(s.sluice.median / s.request.median).toFixed(1)}x`);
  } finally {
    await worker.stop();
    repo.cleanup();
    await Promise.all([sluiceNs, kubectlNs, requestNs].map((ns) => deleteNamespace(kc, ns)));
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
