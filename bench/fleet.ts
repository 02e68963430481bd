// Fleet from a monorepo: N apps, each a directory of ONE git repo holding a ConfigMap, a Service and a 1-replica
// Deployment, each deployed to its own namespace. Measured in the same run, on the same API server:
//   - the floor: `kubectl apply --server-side` of all N directories, then `kubectl wait` until every Deployment
//     is Available;
//   - Sluice: N Applications (automated prune and selfHeal) created at once, until all are Synced and Healthy,
//     with the worker's CPU-seconds and peak RSS, and its git/render counters;
//   - Flux (source-controller + kustomize-controller, bench/flux.ts), when built: ONE GitRepository for the repo and
//     N Kustomizations (prune, wait) created at once, until all are Ready, with both controllers' CPU-seconds and
//     peak RSS summed. Its own fresh namespaces, after kubectl and before Sluice, never at the same time: the Sluice
//     worker is already running then but has no Applications (idle), and the controllers are stopped before Sluice's turn;
//   - then `--steady S` seconds of steady state: the worker's CPU-seconds per minute and its API requests.
// With --repo-per-app: N repos, app i's files (the same paths) alone in repo i; Flux then has N GitRepositories.
// Prints the ratios to kubectl. Results are kept in bench/RESULTS.md.
//
//   node --import tsx bench/fleet.ts [--apps N] [--repo-per-app] [--port P] [--steady SECONDS] [--flux | --no-flux] [--no-kubectl] [--cpu-prof DIR] [--tsx] [--stall SECONDS] [--limit SECONDS] [--heap-diag DIR] [--node-args "FLAGS"] [--worker-env "K=V ..."]     (the local stack must be up)
// Flux runs by default when its build is cached (`scripts/build-tools.sh flux`); --flux makes a missing build an error.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeObject } from '../domain/resource/types';
import { applicationManifest } from '../test/fixtures/gitops';
import { deploymentYaml } from '../test/fixtures/sources';
import { E2eRun } from '../test/support/e2e';
import { runDir } from '../test/support/stack';
import { repoPerApp } from './fleet-repos';
import { FluxControllers, fluxMissing, gitRepository, isReady, kustomization } from './flux';
import { DEPLOYED_WORKER, ensureBuild, metrics as workerMetrics, usage } from './proc';

const exec = promisify(execFile);
const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const apps = arg('--apps', 100);
const steadySeconds = arg('--steady', 0);
const fluxWanted = process.argv.includes('--flux') ? 'required' : process.argv.includes('--no-flux') ? 'off' : 'if-built';
const skipKubectl = process.argv.includes('--no-kubectl');
const perApp = process.argv.includes('--repo-per-app');
// --cpu-prof DIR: the worker writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
const cpuProfDir = process.argv.includes('--cpu-prof') ? path.resolve(process.argv[process.argv.indexOf('--cpu-prof') + 1]) : undefined;
// The worker as deployed: 3-minute polling with jitter, refs reused for 10 s (the e2e harness turns that cache off).
// --port P: the worker's HTTP port (P+1 its metrics, P+2..P+6 Flux's), for a run beside another on the same machine.
const port = arg('--port', 0);
// Compiled, with npm start's memory settings, unless --tsx runs it from source.
const fromSource = process.argv.includes('--tsx');
// --heap-diag DIR: every thread of the worker (bench/heap-diag.cjs) writes its V8 heap statistics to
// DIR/heap-stats.jsonl every 10 s, and heap snapshots once all apps are Synced and Healthy.
const heapDir = process.argv.includes('--heap-diag') ? path.resolve(process.argv[process.argv.indexOf('--heap-diag') + 1]) : undefined;
// --worker-env "K=V K2=V2": more environment for the worker (an allocator, a cache bound), to measure it first.
const SDK_METRICS_PORT = 19464;
const workerEnv = Object.fromEntries((process.argv.includes('--worker-env') ? process.argv[process.argv.indexOf('--worker-env') + 1] : '')
  .split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const run = new E2eRun(port || 18120, {
  SLUICE_REFRESH_INTERVAL: '3m', SLUICE_REFRESH_JITTER: '1m', SLUICE_REVISION_TTL: '10s',
  ...(fromSource ? {} : DEPLOYED_WORKER.env),
  ...(heapDir ? { SLUICE_HEAP_DIAG_DIR: heapDir } : {}),
  // The SDK's own metrics, for the steady state's Temporal work per refresh.
  SLUICE_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${SDK_METRICS_PORT}`,
  ...workerEnv,
});
run.workerNodeArgs = [
  ...(fromSource ? [] : DEPLOYED_WORKER.nodeArgs), ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
  ...(heapDir ? ['--require', path.join(__dirname, 'heap-diag.cjs')] : []),
  // --node-args "A B": more node/V8 flags for the worker, to measure a setting before adopting it.
  ...(process.argv.includes('--node-args') ? process.argv[process.argv.indexOf('--node-args') + 1].split(/\s+/).filter(Boolean) : []),
];
const { env, kube, runId } = run;

const appFiles = (i: number): Record<string, string> => ({
  [`apps/app-${i}/config.yaml`]: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  app: "app-${i}"\n`,
  [`apps/app-${i}/service.yaml`]: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n',
  [`apps/app-${i}/deployment.yaml`]: deploymentYaml('web', 1),
});

const metrics = () => workerMetrics(run.httpPort);
const REFRESHES = 'sluice_app_reconcile_duration_seconds_count';
/** The SDK's counters (core's Prometheus names) that make up Temporal's work. */
const TEMPORAL_WORK: Array<[string, string]> = [
  ['workflow tasks', 'temporal_workflow_task_execution_latency_count'],
  ['local activities', 'temporal_local_activity_execution_latency_count'],
  ['activities', 'temporal_activity_execution_latency_count'],
  ['requests to Temporal', 'temporal_request'],
];

/** The shared stack's processes: what each contender makes the API server, etcd and (for Sluice) Temporal spend. */
const STACK = ['kube-apiserver', 'etcd', 'temporal', 'kube-controller-manager', 'kwok'] as const;
function stackCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of STACK) {
    try {
      out[name] = usage(Number(fs.readFileSync(path.join(runDir, 'pids', name), 'utf8').trim())).cpu;
    } catch {
      out[name] = NaN;
    }
  }
  return out;
}
const stackDelta = (before: Record<string, number>) => {
  const after = stackCpu();
  return STACK.map((name) => `${name} ${(after[name] - before[name]).toFixed(1)}`).join(', ');
};

const kubectl = (...args: string[]) => exec(env.SLUICE_KUBECTL, ['--kubeconfig', env.KUBECONFIG, ...args], { maxBuffer: 64 << 20 });

async function createNamespaces(prefix: string, count = apps): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${runId}-${i}`);
  const file = path.join(run.scratch, `${prefix}-namespaces.yaml`);
  fs.writeFileSync(file, names.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n  labels: {sluice.dev/test: "true"}\n`).join('---\n'));
  await kubectl('apply', '--server-side', '-f', file);
  run.namespaces.push(...names);
  return names;
}

async function kubectlBaseline(): Promise<number> {
  const namespaces = await createNamespaces('fk');
  const root = path.join(run.scratch, 'kubectl');
  for (let i = 0; i < apps; i++) {
    for (const [file, text] of Object.entries(appFiles(i))) {
      const target = path.join(root, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // The same manifests, each app's in its own namespace, as one `kubectl apply` of the whole tree would send.
      fs.writeFileSync(target, text.replace(/^metadata:\n/m, `metadata:\n  namespace: ${namespaces[i]}\n  labels: {sluice.dev/bench: "${runId}"}\n`));
    }
  }
  const stack = stackCpu();
  const started = performance.now();
  await kubectl('apply', '--server-side', '-R', '-f', root);
  await kubectl('wait', '--for=condition=Available', 'deployments', '-A', '-l', `sluice.dev/bench=${runId}`, '--timeout=1800s');
  const seconds = (performance.now() - started) / 1000;
  console.log(`  stack CPU-s during kubectl: ${stackDelta(stack)}`);
  return seconds;
}

/** A contender that made no progress for `--stall` seconds: reported as stalled, and the run goes on. */
class Stalled extends Error {}
const stallSeconds = arg('--stall', 300);
// A count that keeps moving but never arrives (a Kustomization flapping between Ready and not) ends at --limit.
const limitSeconds = arg('--limit', 1800);

/** Polls `count` every second, printing progress (at most every 5 s), until it reaches `apps`; returns the seconds since `started`. */
async function until(started: number, what: string, count: () => Promise<number>): Promise<number> {
  let last = -1;
  let printed = 0;
  let progressed = performance.now();
  for (;; await new Promise((resolve) => setTimeout(resolve, 1000))) {
    const done = await count();
    const now = performance.now();
    if (done !== last) progressed = now;
    if ((done !== last && now - printed >= 5000) || done === apps) {
      console.log(`  ${((now - started) / 1000).toFixed(0)}s: ${done}/${apps} ${what}`);
      printed = now;
    }
    last = done;
    if (done === apps) return (now - started) / 1000;
    if (now - started > limitSeconds * 1000) throw new Stalled(`only ${done}/${apps} ${what} after ${limitSeconds} s (--limit)`);
    if (now - progressed > stallSeconds * 1000) throw new Stalled(`stalled at ${done}/${apps} ${what} after ${((now - started) / 1000).toFixed(0)} s (no progress for ${stallSeconds} s)`);
  }
}

/** Where app i's manifests are: its repo's URL (one for all with a monorepo) and, for Flux, that repo's GitRepository. */
interface Sources {
  url: (i: number) => string;
  gitRepository: (i: number) => string;
}

async function fluxFleet(sources: Sources): Promise<{ seconds: number; cpu: number; peakMiB: number }> {
  const namespaces = await createNamespaces('ff');
  const [control] = await createNamespaces('fx', 1);
  const controllers = new FluxControllers(env.KUBECONFIG, run.scratch, port ? { storage: port + 2, metrics: [port + 3, port + 4], health: [port + 5, port + 6] } : { storage: 18900, metrics: [18901, 18902], health: [18903, 18904] });
  const total = () => controllers.pids.map(usage).reduce((a, b) => ({ cpu: a.cpu + b.cpu, peakMiB: a.peakMiB + b.peakMiB, rssMiB: a.rssMiB + b.rssMiB }));
  let cpuBefore = NaN;
  try {
    await controllers.start(kube);
    cpuBefore = total().cpu;
    const stack = stackCpu();
    const started = performance.now();
    // The clock starts before the GitRepository, as Sluice's includes fetching the repo.
    const repos = new Map(namespaces.map((_, i) => [sources.gitRepository(i), sources.url(i)]));
    await Promise.all([...repos].map(([name, url]) => kube.create(gitRepository(control, url, name))));
    await Promise.all(namespaces.map((target, i) => kube.create(kustomization(control, `app-${i}`, `./apps/app-${i}`, target, sources.gitRepository(i)))));
    const seconds = await until(started, 'Kustomizations Ready', async () => (await kube.list('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', { namespace: control })).filter(isReady).length);
    const { cpu, peakMiB } = total();
    console.log(`  stack CPU-s during Flux: ${stackDelta(stack)}`);
    return { seconds, cpu: cpu - cpuBefore, peakMiB };
  } catch (error) {
    // A stall is a result, reported by the caller (with what the controllers spent until then); anything else
    // comes with the controllers' logs.
    if (error instanceof Stalled) {
      const { cpu, peakMiB } = total();
      console.log(`  flux until stopped: source-controller + kustomize-controller ${(cpu - cpuBefore).toFixed(1)} CPU-s, peak RSS ${peakMiB.toFixed(0)} MiB (summed)`);
    } else console.error(controllers.output());
    throw error;
  } finally {
    await removeFlux(control, controllers);
  }
}

/** Deletes the Kustomizations and the GitRepository while the controllers run (their finalizers), then stops them. */
async function removeFlux(control: string, controllers: FluxControllers): Promise<void> {
  const kinds = [['kustomize.toolkit.fluxcd.io/v1', 'Kustomization'], ['source.toolkit.fluxcd.io/v1', 'GitRepository']] as const;
  const left = async () => (await Promise.all(kinds.map(([v, k]) => kube.list(v, k, { namespace: control }).catch(() => [])))).flat();
  for (const obj of await left()) await kube.delete(obj.apiVersion, obj.kind, control, obj.metadata.name!, 'Background').catch(() => false);
  for (const deadline = Date.now() + 120_000; (await left()).length > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 1000));
  await controllers.stop();
  // Whatever the controllers did not finalize in time would keep its namespace from being deleted.
  for (const obj of await left()) await kubectl('patch', obj.kind.toLowerCase(), obj.metadata.name!, '-n', control, '--type=merge', '-p', '{"metadata":{"finalizers":null}}').catch(() => undefined);
}

async function sluiceFleet(sources: Sources): Promise<{ seconds: number; cpu: number; peakMiB: number; before: Map<string, number>; after: Map<string, number> }> {
  const namespaces = await createNamespaces('fs');
  const pid = run.worker.pid;
  const cpuBefore = usage(pid).cpu;
  const before = await metrics();
  const stack = stackCpu();
  const started = performance.now();
  // Where the memory is at the worker's peak: its main thread's V8 heap and external memory (prom-client's process
  // metrics) against its RSS; the rest is native (the SDK's core, the workflow thread's isolate, malloc).
  let atPeak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 };
  const sampler = setInterval(() => {
    const rss = usage(pid).rssMiB;
    if (rss <= atPeak.rss) return;
    void metrics().then((m) => {
      const mib = (name: string) => (m.get(name) ?? 0) / 2 ** 20;
      if (rss > atPeak.rss) atPeak = { rss, heapUsed: mib('nodejs_heap_size_used_bytes'), heapTotal: mib('nodejs_heap_size_total_bytes'), external: mib('nodejs_external_memory_bytes') };
    }, () => undefined);
  }, 2000);
  await Promise.all(namespaces.map((namespace, i) => kube.create(applicationManifest({ name: `app-${i}`, namespace, repoURL: sources.url(i), path: `apps/app-${i}`, destination: namespace, runId }) as unknown as KubeObject)));
  const seconds = await until(started, 'Synced and Healthy', async () => {
    const list = (await kube.list('sluice.dev/v1alpha1', 'Application', { labelSelector: `sluice.dev/test-run=${runId}` })) as Array<{ status?: { sync?: { status?: string }; health?: { status?: string } } }>;
    return list.filter((a) => a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy').length;
  });
  clearInterval(sampler);
  const { cpu, peakMiB } = usage(pid);
  if (heapDir) await heapSnapshots('synced', heapDir);
  console.log(`  stack CPU-s during Sluice: ${stackDelta(stack)}`);
  console.log(`  at the highest RSS sampled (${atPeak.rss.toFixed(0)} MiB): main-thread V8 heap ${atPeak.heapUsed.toFixed(0)} used / ${atPeak.heapTotal.toFixed(0)} MiB total, external ${atPeak.external.toFixed(0)} MiB; the other ${(atPeak.rss - atPeak.heapTotal - atPeak.external).toFixed(0)} MiB native`);
  return { seconds, cpu: cpu - cpuBefore, peakMiB, before, after: await metrics() };
}

/** Heap snapshots of every thread of the worker, into `dir` (bench/heap-diag.cjs); resolves when they are written. */
async function heapSnapshots(label: string, dir: string): Promise<void> {
  const lines = () => (fs.existsSync(path.join(dir, 'heap-stats.jsonl')) ? fs.readFileSync(path.join(dir, 'heap-stats.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"snapshot"')).length : 0);
  const before = lines();
  fs.writeFileSync(path.join(dir, 'SNAPSHOT'), `${label}\n`);
  for (const deadline = Date.now() + 300_000; lines() < before + 2 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 1000));
  fs.rmSync(path.join(dir, 'SNAPSHOT'));
  console.log(`  heap snapshots of the worker's threads: ${dir} (${lines() - before} written)`);
}

async function createSources(): Promise<Sources> {
  if (!perApp) {
    const repo = await run.repo('fleet');
    repo.commit('fleet', Object.assign({}, ...Array.from({ length: apps }, (_, i) => appFiles(i))));
    return { url: () => repo.url, gitRepository: () => 'fleet' };
  }
  const started = performance.now();
  const urls = await repoPerApp(run.scratch, `fleet-${runId}`, apps, appFiles);
  console.log(`${apps} repos created and pushed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { url: (i) => urls[i], gitRepository: (i) => `app-${i}` };
}

async function main(): Promise<void> {
  const fluxProblem = fluxWanted === 'off' ? 'off (--no-flux)' : fluxMissing();
  if (fluxProblem && fluxWanted === 'required') throw new Error(fluxProblem);
  if (!fromSource) ensureBuild();
  await run.start();
  try {
    const idle = usage(run.worker.pid);
    console.log(`fleet of ${apps} apps from ${perApp ? 'one repo per app' : 'one repo'} (worker ${fromSource ? 'from source through tsx' : 'compiled'}, idle RSS ${idle.rssMiB.toFixed(0)} MiB)`);
    const baseline = skipKubectl ? NaN : await kubectlBaseline();
    console.log(`kubectl apply --server-side + wait: ${baseline.toFixed(1)} s`);
    const sources = await createSources();
    let flux: { seconds: number; cpu: number; peakMiB: number } | undefined;
    if (fluxProblem) {
      console.log(`flux: skipped: ${fluxProblem}`);
    } else {
      flux = await fluxFleet(sources).catch((error: unknown) => {
        if (!(error instanceof Stalled)) throw error;
        console.log(`flux: ${error.message}`);
        return undefined;
      });
      if (flux) console.log(`flux: ${flux.seconds.toFixed(1)} s (${(flux.seconds / baseline).toFixed(2)}× kubectl); source-controller + kustomize-controller ${flux.cpu.toFixed(1)} CPU-s (${(flux.cpu / apps).toFixed(2)} per app), peak RSS ${flux.peakMiB.toFixed(0)} MiB (summed)`);
    }
    const sluice = await sluiceFleet(sources);
    const delta = (key: string) => (sluice.after.get(key) ?? 0) - (sluice.before.get(key) ?? 0);
    console.log(`sluice: ${sluice.seconds.toFixed(1)} s (${(sluice.seconds / baseline).toFixed(2)}× kubectl); worker ${sluice.cpu.toFixed(1)} CPU-s (${(sluice.cpu / apps).toFixed(2)} per app), peak RSS ${sluice.peakMiB.toFixed(0)} MiB`);
    if (flux) console.log(`sluice / flux: ${(sluice.seconds / flux.seconds).toFixed(2)}× time, ${(sluice.cpu / flux.cpu).toFixed(2)}× CPU-s, ${(sluice.peakMiB / flux.peakMiB).toFixed(2)}× peak RSS`);
    const counters = [...sluice.after.keys()].filter((k) => /^sluice_(git|render|kube|checkout)/.test(k) && /_total(\.[A-Z]+)?$|_count$/.test(k));
    for (const key of counters) console.log(`  ${key}: ${delta(key)}`);
    if (steadySeconds > 0) {
      const cpu0 = usage(run.worker.pid).cpu;
      const [m0, sdk0] = [await metrics(), await workerMetrics(SDK_METRICS_PORT)];
      await new Promise((resolve) => setTimeout(resolve, steadySeconds * 1000));
      const cpu1 = usage(run.worker.pid).cpu;
      const [m1, sdk1] = [await metrics(), await workerMetrics(SDK_METRICS_PORT)];
      const perMinute = (x: number) => (x * 60) / steadySeconds;
      console.log(`steady state over ${steadySeconds}s: ${perMinute(cpu1 - cpu0).toFixed(2)} CPU-s/min, RSS ${usage(run.worker.pid).rssMiB.toFixed(0)} MiB`);
      for (const key of counters) console.log(`  ${key}: ${perMinute((m1.get(key) ?? 0) - (m0.get(key) ?? 0)).toFixed(1)}/min`);
      // Temporal's work per refresh, from the SDK's counters: what Temporal Cloud bills as actions is close to the
      // workflow tasks plus the activities and local activities they schedule.
      const refreshes = (m1.get(REFRESHES) ?? 0) - (m0.get(REFRESHES) ?? 0);
      const sdkDelta = (key: string) => (sdk1.get(key) ?? 0) - (sdk0.get(key) ?? 0);
      console.log(`steady state Temporal work: ${perMinute(refreshes).toFixed(1)} refreshes/min; per refresh ${TEMPORAL_WORK.map(([label, key]) => `${(refreshes ? sdkDelta(key) / refreshes : 0).toFixed(2)} ${label}`).join(', ')}`);
    }
  } finally {
    if (heapDir) fs.writeFileSync(path.join(heapDir, 'worker.log'), run.worker.output());
    await run.stop();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
