// Push-to-apply latency: the time from a git push (announced by a signed GitHub webhook) until the change is
// live in the cluster, with Sluice doing the work (refresh: fetch, render, diff; then a sync child workflow:
// plan, dry-run, server-side apply). Baselines measured in the same run, on the same API server, apply the
// same change without Sluice: `kubectl apply --server-side` (what a CI pipeline would run) and a single
// server-side-apply request from this process (the API's own floor). Prints medians, p90s and the ratios.
// With --rollout, each push changes a Deployment's pod template instead, and the clock stops when the rollout is
// complete (as `kubectl rollout status` decides); the baseline is `kubectl apply --server-side` of the same change
// followed by `kubectl rollout status`. Prints p50s, p95s and the p50 ratio.
//
//   node --import tsx bench/push-to-apply.ts [--runs N] [--rollout]     (the local stack must be up: npm run stack:up)
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { KubeObject } from '../domain/resource/types';
import { deploymentYaml } from '../test/fixtures/sources';
import { E2eRun } from '../test/support/e2e';
import { TestRepo } from '../test/support/git';
import { eventually } from '../test/support/kube';
import { quantile } from './proc';

const rollout = process.argv.includes('--rollout');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || (rollout ? 20 : 10);
// The e2e harness: CRDs installed, a worker of its own (10-minute polling, so only the webhook can be quick).
const run = new E2eRun(18812, { SLUICE_REFRESH_INTERVAL: '10m' });
const { env, kube } = run;

const configMap = (namespace: string, value: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench', namespace }, data: { value: String(value) } } as unknown as KubeObject);
const configMapYaml = (value: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench\ndata:\n  value: "${value}"\n`;

/** Polls (every 20 ms) until `done` holds; returns when it does. */
async function polled(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Until the ConfigMap carries `value`. */
const visible = (namespace: string, value: number) => polled(`value ${value} in ${namespace}`, async () =>
  ((await kube.get('v1', 'ConfigMap', namespace, 'bench')) as { data?: { value?: string } } | undefined)?.data?.value === String(value));

function stats(samples: number[]): { median: number; p90: number; min: number } {
  return { median: quantile(samples, 0.5), p90: quantile(samples, 0.9), min: quantile(samples, 0) };
}

/** Sends the signed push event GitHub would send for `repo`'s main branch. */
async function announce(repo: TestRepo): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.url } });
  const answer = await fetch(`http://127.0.0.1:${run.httpPort}/api/webhook`, {
    method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', run.webhookSecret).update(body).digest('hex')}` },
  });
  if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`);
}

const kubectlApply = (file: string) => execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, 'apply', '--server-side', '--field-manager', 'bench', '-f', file], { stdio: 'ignore' });

async function configMapChanges(): Promise<void> {
  const kubectlNs = await run.namespace('bench-kubectl');
  const requestNs = await run.namespace('bench-request');
  const { namespace: sluiceNs, repo } = await run.scenario('bench-sluice', { 'app/config.yaml': configMapYaml(0) });
  await eventually('the first sync', async () => ((await kube.get('v1', 'ConfigMap', sluiceNs, 'bench')) ? true : undefined), 120_000);

  const manifest = path.join(run.scratch, 'bench.yaml');
  const samples = { sluice: [] as number[], kubectl: [] as number[], request: [] as number[] };
  // One warm-up round each, not counted.
  for (let i = 1; i <= runs + 1; i++) {
    repo.commit(`value ${i}`, { 'app/config.yaml': configMapYaml(i) });
    let start = performance.now();
    await announce(repo);
    await visible(sluiceNs, i);
    const sluice = performance.now() - start;

    fs.writeFileSync(manifest, stringify(configMap(kubectlNs, i)));
    start = performance.now();
    kubectlApply(manifest);
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
  console.log(`push-to-apply, ${runs} runs (after one warm-up), one ConfigMap changed per push`);
  console.log(`${'path'.padEnd(44)}  median       p90       min`);
  console.log(`${'Sluice: webhook -> refresh -> sync -> SSA'.padEnd(44)}${ms(s.sluice.median)}  ${ms(s.sluice.p90)}  ${ms(s.sluice.min)}`);
  console.log(`${'baseline: kubectl apply --server-side'.padEnd(44)}${ms(s.kubectl.median)}  ${ms(s.kubectl.p90)}  ${ms(s.kubectl.min)}`);
  console.log(`${'baseline: one SSA request'.padEnd(44)}${ms(s.request.median)}  ${ms(s.request.p90)}  ${ms(s.request.min)}`);
  console.log(`ratio (median) Sluice / kubectl apply: ${(s.sluice.median / s.kubectl.median).toFixed(2)}x`);
  console.log(`ratio (median) Sluice / one SSA request: ${(s.sluice.median / s.request.median).toFixed(1)}x`);
}

const ms = (v: number) => `${Math.round(v)} ms`.padStart(8);

/** A 2-replica Deployment whose pod template carries `value`, so each new value is a rollout. */
const rolloutYaml = (value: number) => deploymentYaml('web', 2).replace('      labels: {app: web}\n', `      labels: {app: web}\n      annotations: {bench.sluice.dev/value: "${value}"}\n`);

type Deployment = { metadata: { generation?: number }; spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } }; status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: Array<{ type: string; status: string }> } };

/** Until the Deployment's pod template carries `value` and its rollout is complete, as `kubectl rollout status` decides. */
const rolledOut = (namespace: string, value: number) => polled(`the rollout of value ${value} in ${namespace}`, async () => {
  const d = (await kube.get('apps/v1', 'Deployment', namespace, 'web')) as unknown as Deployment | undefined;
  const st = d?.status;
  if (!d || !st || d.spec.template.metadata.annotations?.['bench.sluice.dev/value'] !== String(value)) return false;
  return (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && st.updatedReplicas === d.spec.replicas && st.replicas === st.updatedReplicas
    && st.availableReplicas === st.updatedReplicas && !!st.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
});

async function rollouts(): Promise<void> {
  const kubectlNs = await run.namespace('bench-kubectl');
  const { namespace: sluiceNs, repo } = await run.scenario('bench-sluice', { 'app/deployment.yaml': rolloutYaml(0) });
  await rolledOut(sluiceNs, 0);

  const manifest = path.join(run.scratch, 'deployment.yaml');
  const samples = { sluice: [] as number[], kubectl: [] as number[] };
  // One warm-up round each, not counted.
  for (let i = 1; i <= runs + 1; i++) {
    repo.commit(`value ${i}`, { 'app/deployment.yaml': rolloutYaml(i) });
    let start = performance.now();
    await announce(repo);
    await rolledOut(sluiceNs, i);
    const sluice = performance.now() - start;

    fs.writeFileSync(manifest, rolloutYaml(i).replace('metadata:\n  name: web\n', `metadata:\n  name: web\n  namespace: ${kubectlNs}\n`));
    start = performance.now();
    kubectlApply(manifest);
    execFileSync(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, 'rollout', 'status', 'deployment/web', '-n', kubectlNs, '--timeout=120s'], { stdio: 'ignore' });
    await rolledOut(kubectlNs, i);
    const kubectl = performance.now() - start;

    if (i > 1) {
      samples.sluice.push(sluice);
      samples.kubectl.push(kubectl);
    }
  }
  const p = (xs: number[]) => ({ p50: quantile(xs, 0.5), p95: quantile(xs, 0.95) });
  const s = { sluice: p(samples.sluice), kubectl: p(samples.kubectl) };
  console.log(`push-to-applied with rollout, ${runs} runs (after one warm-up), one 2-replica Deployment's pod template changed per push`);
  console.log(`${'path'.padEnd(58)}     p50       p95`);
  console.log(`${'Sluice: webhook -> refresh -> sync -> SSA -> rollout'.padEnd(58)}${ms(s.sluice.p50)}  ${ms(s.sluice.p95)}`);
  console.log(`${'baseline: kubectl apply --server-side + rollout status'.padEnd(58)}${ms(s.kubectl.p50)}  ${ms(s.kubectl.p95)}`);
  console.log(`ratio (p50) Sluice / kubectl: ${(s.sluice.p50 / s.kubectl.p50).toFixed(2)}x (target within 1.5x)`);
}

async function main(): Promise<void> {
  await run.start();
  try {
    await (rollout ? rollouts() : configMapChanges());
  } finally {
    await run.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
