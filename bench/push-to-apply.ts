// Push-to-apply latency: the time from a git push (announced by a signed GitHub webhook) until the change is
// live in the cluster, with Sluice doing the work (refresh: fetch, render, diff; then a sync child workflow:
// plan, dry-run, server-side apply). Baselines measured in the same run, on the same API server, apply the
// same change without Sluice: `kubectl apply --server-side` (what a CI pipeline would run) and a single
// server-side-apply request from this process (the API's own floor). Prints medians, p90s and the ratios.
//
//   node --import tsx bench/push-to-apply.ts [--runs N]      (the local stack must be up: npm run stack:up)
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { KubeObject } from '../domain/resource/types';
import { E2eRun } from '../test/support/e2e';
import { eventually } from '../test/support/kube';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 10;
// The e2e harness: CRDs installed, a worker of its own (10-minute polling, so only the webhook can be quick).
const run = new E2eRun(18096, { SLUICE_REFRESH_INTERVAL: '10m' });
const { env, kube } = run;

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
  await run.start();
  try {
    const kubectlNs = await run.namespace('bench-kubectl');
    const requestNs = await run.namespace('bench-request');
    const { namespace: sluiceNs, repo } = await run.scenario('bench-sluice', { 'app/config.yaml': configMapYaml(0) });
    await eventually('the first sync', async () => ((await kube.get('v1', 'ConfigMap', sluiceNs, 'bench')) ? true : undefined), 120_000);

    const webhook = (body: string) => fetch(`http://127.0.0.1:${run.httpPort}/api/webhook`, {
      method: 'POST', body,
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', run.webhookSecret).update(body).digest('hex')}` },
    });
    const pushBody = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.url } });
    const manifest = path.join(run.scratch, 'bench.yaml');
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
    await run.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
