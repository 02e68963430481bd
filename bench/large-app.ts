// One large app: a single Application whose path holds N resources (mostly ConfigMaps, a tenth Services, one in
// 200 a 1-replica Deployment) in three sync waves (-1, 0, 1). Each run, in fresh namespaces, measures:
//   - the floor: `kubectl apply --server-side` of the same files wave by wave, with `kubectl wait
//     --for=condition=Available` on the wave's Deployments before the next wave;
//   - a cold sync: the Application created with automated sync, until its operation Succeeded and it is Synced
//     and Healthy;
//   - a no-change refresh: a refresh signal until the worker has finished one, with the API requests it made
//     (the worker's sluice_kube_request_total);
//   - a no-change re-sync: the sync Update `sluice app sync` sends, until its sync workflow has ended.
// Prints medians over the runs, the ratios, and the worker's CPU-seconds per phase and peak RSS.
//
//   node --import tsx bench/large-app.ts [--resources N] [--runs R]     (the local stack must be up)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeObject } from '../domain/resource/types';
import { applicationManifest } from '../test/fixtures/gitops';
import { deploymentYaml } from '../test/fixtures/sources';
import { E2eRun } from '../test/support/e2e';
import { syncUpdate } from '../workflows/application';
import type { syncWorkflow } from '../workflows/sync';
import { metrics, quantile, usage } from './proc';

const exec = promisify(execFile);
const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const resources = arg('--resources', 1000);
const runs = arg('--runs', 3);
const WAVES = [-1, 0, 1];
// Polling every 10 minutes: only the benchmark's own requests start refreshes.
const run = new E2eRun(18810, { SLUICE_REFRESH_INTERVAL: '10m' });
const { env, kube, runId } = run;

const waveOf = (i: number) => WAVES[i % WAVES.length];
const deployments = Math.max(1, Math.round(resources / 200));
const services = Math.round(resources / 10);

/**
 * The app's files, one resource each; resource i is in wave waveOf(i). The repo holds them all in one directory
 * (a directory source does not recurse); the baseline reads them from one directory per wave.
 */
function appFiles(): Array<{ wave: number; file: string; text: string }> {
  const annotate = (yaml: string, i: number) => yaml.replace(/^metadata:\n  name: (.*)\n/m, `metadata:\n  name: $1\n  annotations:\n    argocd.argoproj.io/sync-wave: "${waveOf(i)}"\n`);
  return Array.from({ length: resources }, (_, i) => {
    if (i < deployments) return { file: `deployment-${i}.yaml`, text: deploymentYaml(`web-${i}`, 1) };
    if (i < deployments + services) return { file: `service-${i}.yaml`, text: `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  selector: {app: web-${i % deployments}}\n  ports: [{port: 80, targetPort: 8080}]\n` };
    const data = Array.from({ length: 5 }, (_, k) => `  key-${k}: "setting ${k} of config ${i}: ${'x'.repeat(60)}"\n`).join('');
    return { file: `config-${i}.yaml`, text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\ndata:\n${data}` };
  }).map(({ file, text }, i) => ({ wave: waveOf(i), file, text: annotate(text, i) }));
}

const kubectl = (...args: string[]) => exec(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, ...args], { maxBuffer: 64 << 20 });
const seconds = (started: number) => (performance.now() - started) / 1000;

/** Applies the files wave by wave into a fresh namespace, waiting for each wave's Deployments to be Available. */
async function kubectlWaves(root: string): Promise<number> {
  const namespace = await run.namespace('large-kubectl');
  const started = performance.now();
  for (const wave of WAVES) {
    const dir = path.join(root, `wave-${wave}`);
    await kubectl('apply', '--server-side', '--field-manager', 'bench', '-n', namespace, '-f', dir);
    const names = fs.readdirSync(dir).filter((f) => f.startsWith('deployment-')).map((f) => `deployment/web-${/\d+/.exec(f)![0]}`);
    if (names.length > 0) await kubectl('wait', '--for=condition=Available', '-n', namespace, '--timeout=1800s', ...names);
  }
  return seconds(started);
}

type AppStatus = { status?: { sync?: { status?: string }; health?: { status?: string }; operationState?: { phase?: string; message?: string }; conditions?: Array<{ type: string; message: string }> } };

/** Creates the Application in a fresh namespace; returns when its operation Succeeded and it is Synced and Healthy. */
async function coldSync(repoURL: string): Promise<{ seconds: number; namespace: string }> {
  const namespace = await run.namespace('large-sluice');
  const started = performance.now();
  await kube.create(applicationManifest({ name: namespace, namespace, repoURL, path: 'large', destination: namespace, runId }) as unknown as KubeObject);
  for (let last = ''; ; await new Promise((resolve) => setTimeout(resolve, 250))) {
    const app = (await run.application(namespace, namespace)) as AppStatus | undefined;
    const st = app?.status;
    const phase = st?.operationState?.phase;
    const conditions = (st?.conditions ?? []).map((c) => `${c.type}: ${c.message}`).join('; ');
    const now = `${phase ?? '-'} ${st?.sync?.status ?? '-'} ${st?.health?.status ?? '-'}${conditions ? ` (${conditions})` : ''}`;
    if (now !== last) console.log(`    ${seconds(started).toFixed(1)}s: operation ${now}`);
    last = now;
    if (phase === 'Failed' || phase === 'Error') throw new Error(`cold sync of ${namespace} ${phase}: ${st?.operationState?.message}`);
    if (phase === 'Succeeded' && st?.sync?.status === 'Synced' && st?.health?.status === 'Healthy') return { seconds: seconds(started), namespace };
    if (!phase && conditions && seconds(started) > 120) throw new Error(`no sync of ${namespace} started in 2 minutes: ${now}`);
    if (seconds(started) > 1800) throw new Error(`cold sync of ${namespace} not done after 30 minutes: ${now}`);
  }
}

/**
 * A refresh signal, until the worker has finished one refresh; with the worker's own duration and the API requests
 * it counted. A window another refresh ran into (a late Deployment status can set one off) is measured again.
 */
async function noChangeRefresh(namespace: string): Promise<{ seconds: number; workerSeconds: number; requests: number }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 2000)); // the refreshes the sync set off
    const before = await metrics(run.httpPort);
    const count = () => before.get('sluice_app_reconcile_duration_seconds_count') ?? 0;
    const started = performance.now();
    await run.appHandle(namespace, namespace).signal('refresh');
    let after = before;
    while ((after.get('sluice_app_reconcile_duration_seconds_count') ?? 0) === count()) {
      if (seconds(started) > 600) throw new Error(`no refresh of ${namespace} ended within 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await metrics(run.httpPort);
    }
    const wall = seconds(started);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const settled = await metrics(run.httpPort);
    const delta = (key: string) => (settled.get(key) ?? 0) - (before.get(key) ?? 0);
    if (delta('sluice_app_reconcile_duration_seconds_count') !== 1) continue;
    return { seconds: wall, workerSeconds: delta('sluice_app_reconcile_duration_seconds_sum'), requests: delta('sluice_kube_request_total') };
  }
  throw new Error(`no quiet window for one refresh of ${namespace} in 5 attempts`);
}

/** The sync Update the CLI's `app sync` sends, until its sync workflow has ended. */
async function noChangeResync(namespace: string): Promise<number> {
  const started = performance.now();
  const operation = await run.appHandle(namespace, namespace).executeUpdate(syncUpdate, { args: [{ initiatedBy: 'bench' }] });
  const { progress } = await run.temporal.workflow.getHandle<typeof syncWorkflow>(operation.workflowId).result();
  if (progress.phase !== 'Succeeded') throw new Error(`re-sync of ${namespace} ${progress.phase}: ${progress.message ?? ''}`);
  return seconds(started);
}

async function main(): Promise<void> {
  // An interrupted benchmark still stops its worker and deletes its namespaces.
  process.once('SIGINT', () => void run.stop().finally(() => process.exit(130)));
  await run.start();
  try {
    const files = appFiles();
    const root = path.join(run.scratch, 'waves');
    for (const { wave, file, text } of files) {
      fs.mkdirSync(path.join(root, `wave-${wave}`), { recursive: true });
      fs.writeFileSync(path.join(root, `wave-${wave}`, file), text);
    }
    const repo = await run.repo('large');
    repo.commit('large app', Object.fromEntries(files.map(({ file, text }) => [`large/${file}`, text])));
    const bytes = files.reduce((n, { text }) => n + text.length, 0);
    console.log(`one app of ${resources} resources (${deployments} Deployments, ${services} Services, the rest ConfigMaps; ${(bytes / 1024).toFixed(0)} KiB of YAML) in waves ${WAVES.join('/')}, ${runs} runs`);
    const pid = run.worker.pid;
    const samples = { kubectl: [] as number[], cold: [] as number[], refresh: [] as number[], refreshWorker: [] as number[], requests: [] as number[], resync: [] as number[] };
    const cpu = { cold: [] as number[], refresh: [] as number[], resync: [] as number[] };
    for (let r = 1; r <= runs; r++) {
      console.log(`run ${r}/${runs}`);
      const baseline = await kubectlWaves(root);
      console.log(`  kubectl wave by wave: ${baseline.toFixed(1)} s`);
      let cpu0 = usage(pid).cpu;
      const cold = await coldSync(repo.url);
      cpu.cold.push(usage(pid).cpu - cpu0);
      console.log(`  cold sync: ${cold.seconds.toFixed(1)} s (${(cold.seconds / baseline).toFixed(2)}× kubectl)`);
      cpu0 = usage(pid).cpu;
      const refresh = await noChangeRefresh(cold.namespace);
      cpu.refresh.push(usage(pid).cpu - cpu0);
      console.log(`  no-change refresh: ${(refresh.seconds * 1000).toFixed(0)} ms (worker's own ${(refresh.workerSeconds * 1000).toFixed(0)} ms), ${refresh.requests} API requests`);
      cpu0 = usage(pid).cpu;
      const resync = await noChangeResync(cold.namespace);
      cpu.resync.push(usage(pid).cpu - cpu0);
      console.log(`  no-change re-sync: ${resync.toFixed(2)} s (${((100 * resync) / cold.seconds).toFixed(1)} % of the cold sync)`);
      samples.kubectl.push(baseline);
      samples.cold.push(cold.seconds);
      samples.refresh.push(refresh.seconds);
      samples.refreshWorker.push(refresh.workerSeconds);
      samples.requests.push(refresh.requests);
      samples.resync.push(resync);
    }
    const median = (xs: number[]) => quantile(xs, 0.5);
    const m = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)])) as Record<keyof typeof samples, number>;
    console.log(`medians over ${runs} runs, ${resources} resources:`);
    console.log(`  cold sync ${m.cold.toFixed(1)} s; kubectl wave by wave ${m.kubectl.toFixed(1)} s; ratio ${(m.cold / m.kubectl).toFixed(2)}× (target 1.3×)`);
    console.log(`  no-change re-sync ${m.resync.toFixed(2)} s = ${((100 * m.resync) / m.cold).toFixed(1)} % of the cold sync (target under 10 %)`);
    console.log(`  no-change refresh ${(m.refresh * 1000).toFixed(0)} ms (worker's own ${(m.refreshWorker * 1000).toFixed(0)} ms), ${m.requests} API requests`);
    console.log(`  worker CPU-s: cold sync ${median(cpu.cold).toFixed(1)}, refresh ${median(cpu.refresh).toFixed(2)}, re-sync ${median(cpu.resync).toFixed(1)}; peak RSS ${usage(pid).peakMiB.toFixed(0)} MiB`);
  } finally {
    await run.stop();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
