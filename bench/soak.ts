// Soak (issue 14): N apps from one repo for M minutes, with a push every P seconds (one app's ConfigMap, round
// robin, announced by a refresh signal as a webhook would), the worker SIGKILLed and restarted every K seconds, and
// the API server restarted every A seconds (stopped by its pid and started again with the same command line).
// Each app has a PreSync hook, two waves and a PostSync hook. A cluster-wide watch counts hook Jobs by uid per
// operation. At the end, pushes and faults stop and every app must settle at its last commit. It reports:
// operations run, operations stuck (must be 0), duplicate hooks (must be 0), the worker's RSS (growth within 10 %), and
// the largest history of any workflow run. An operation is stuck when its sync workflow is still running, or its app
// is not Synced at its last commit, 5 minutes after the faults stop. The worker is killed every few minutes, so RSS is
// compared at the same age: each worker's RSS just before it is killed, the first against the last (a leak shows as
// growth from one worker to the next only if it survives restarts: in the Temporal server's state, or in caches on
// disk); the RSS after the first sync and at the end are printed too.
//
//   npm run bench:soak -- [--apps 50] [--minutes 30] [--push-every 10] [--kill-every 180] [--apiserver-every 600]
//
// The stack must be up. It runs the compiled worker with the deployed settings (bench/proc.ts).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Watch } from '../activities/cluster/k8s';
import { KubeObject } from '../domain/resource/types';
import { applicationManifest, hookJob } from '../test/fixtures/gitops';
import { E2eRun } from '../test/support/e2e';
import { eventually } from '../test/support/kube';
import { runDir } from '../test/support/stack';
import { DEPLOYED_WORKER, ensureBuild, usage } from './proc';

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const APPS = arg('--apps', 50);
const MINUTES = arg('--minutes', 30);
const PUSH_S = arg('--push-every', 10);
const KILL_S = arg('--kill-every', 180);
const APISERVER_S = arg('--apiserver-every', 600);

const configMap = (name: string, wave: number, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  annotations: {argocd.argoproj.io/sync-wave: "${wave}"}\ndata: {value: "${value}"}\n`;
const appFiles = (i: number, value: string) => ({
  [`apps/app-${i}/presync.yaml`]: hookJob('migrate', 'PreSync', { deletePolicy: 'BeforeHookCreation' }),
  [`apps/app-${i}/one.yaml`]: configMap('one', 1, value),
  [`apps/app-${i}/two.yaml`]: configMap('two', 2, value),
  [`apps/app-${i}/postsync.yaml`]: hookJob('smoke', 'PostSync', { deletePolicy: 'BeforeHookCreation' }),
});

/** Stops the stack's kube-apiserver by its pid and starts it again with the same command line and environment. */
async function restartApiServer(): Promise<number> {
  const pidFile = path.join(runDir, 'pids', 'kube-apiserver');
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const env = Object.fromEntries(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const started = Date.now();
  process.kill(pid, 'SIGTERM');
  while (fs.existsSync(`/proc/${pid}`)) await new Promise((resolve) => setTimeout(resolve, 100));
  const log = fs.openSync(path.join(runDir, 'logs', 'kube-apiserver.log'), 'a');
  const child = spawn(argv[0], argv.slice(1), { env, detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.writeFileSync(pidFile, String(child.pid));
  return started;
}

async function main(): Promise<void> {
  ensureBuild();
  const run = new E2eRun(19990, { ...DEPLOYED_WORKER.env, SLUICE_REFRESH_INTERVAL: '3m', SLUICE_REFRESH_JITTER: '1m' });
  run.workerNodeArgs = DEPLOYED_WORKER.nodeArgs;
  await run.start();
  const hooks = new Map<string, Set<string>>(); // namespace/name/operation → uids
  let watching = true;
  let current: AbortController | undefined;
  const watchJobs = async () => {
    while (watching) {
      await new Promise<void>((resolve) => {
        new Watch(run.kc).watch('/apis/batch/v1/jobs', { labelSelector: 'sluice.dev/app' }, (type: string, job: KubeObject) => {
          const operation = job.metadata.annotations?.['sluice.dev/operation-id'];
          if (type !== 'ADDED' || !operation || !job.metadata.namespace?.startsWith('soak-')) return;
          const key = `${job.metadata.namespace}/${job.metadata.name}/${operation}`;
          hooks.set(key, (hooks.get(key) ?? new Set()).add(job.metadata.uid!));
        }, () => resolve()).then((controller) => {
          current = controller;
        }, () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  try {
    const repo = await run.repo('soak');
    const values = Array.from({ length: APPS }, () => 'v0');
    repo.commit('apps', Object.assign({}, ...values.map((v, i) => appFiles(i, v))));
    const apps: { namespace: string; name: string }[] = [];
    for (let i = 0; i < APPS; i += 1) {
      const namespace = await run.namespace(`soak-${i}`);
      await run.kube.create(applicationManifest({ name: namespace, namespace, repoURL: repo.url, path: `apps/app-${i}`, destination: namespace, runId: run.runId }) as unknown as KubeObject);
      apps.push({ namespace, name: namespace });
    }
    void watchJobs();
    const settled = async (what: string, timeoutMs: number) => eventually(what, async () => {
      const states = await Promise.all(apps.map((a) => run.application(a.namespace, a.name)));
      const head = repo.git('rev-parse', 'HEAD');
      const waiting = states.filter((s) => s?.status?.sync?.status !== 'Synced' || s.status.sync.revision !== head || s.status.operationState?.phase === 'Running');
      return waiting.length === 0 ? true : undefined;
    }, timeoutMs);
    await settled('every app Synced at the first commit', 600_000);
    const rssStart = usage(run.worker.pid).rssMiB;
    console.log(`[soak] ${APPS} apps synced; worker RSS ${rssStart.toFixed(0)} MiB; soaking ${MINUTES} min`);

    const end = Date.now() + MINUTES * 60_000;
    let pushes = 0;
    let kills = 0;
    let apiRestarts = 0;
    const rssBeforeKills: number[] = [];
    let nextKill = Date.now() + KILL_S * 1000;
    let nextApi = Date.now() + APISERVER_S * 1000;
    while (Date.now() < end) {
      const i = pushes % APPS;
      values[i] = `v${pushes + 1}`;
      await run.push(repo, apps[i].namespace, apps[i].name, `push ${pushes + 1}`, appFiles(i, values[i])).catch((error) => console.log(`[soak] push ${pushes + 1}: ${(error as Error).message}`));
      pushes += 1;
      if (Date.now() >= nextKill) {
        rssBeforeKills.push(usage(run.worker.pid).rssMiB);
        await run.restartWorker('SIGKILL');
        kills += 1;
        nextKill += KILL_S * 1000;
        console.log(`[soak] ${new Date().toISOString()} worker killed and restarted (${kills})`);
      }
      if (Date.now() >= nextApi) {
        await restartApiServer();
        apiRestarts += 1;
        nextApi += APISERVER_S * 1000;
        console.log(`[soak] ${new Date().toISOString()} API server restarted (${apiRestarts})`);
      }
      await new Promise((resolve) => setTimeout(resolve, PUSH_S * 1000));
    }
    // Every app must settle at its last commit once the faults stop: one that does not is stuck.
    for (const a of apps) await run.appHandle(a.namespace, a.name).signal('refresh').catch(() => undefined);
    let stuck = 0;
    await settled('every app Synced at the last commit', 300_000).catch(async () => {
      const head = repo.git('rev-parse', 'HEAD');
      for (const a of apps) {
        const s = (await run.application(a.namespace, a.name))?.status;
        if (s?.sync?.revision !== head || s?.sync?.status !== 'Synced' || s?.operationState?.phase === 'Running') stuck += 1;
      }
    });
    const rssEnd = usage(run.worker.pid).rssMiB;
    let operations = 0;
    let running = 0;
    let largest = { events: 0, bytes: 0, id: '' };
    for await (const wf of run.temporal.workflow.list({ query: `WorkflowId STARTS_WITH 'sluice-' AND StartTime > '${new Date(Date.now() - (MINUTES + 30) * 60_000).toISOString()}'` })) {
      if (!apps.some((a) => wf.workflowId.includes(`/${a.namespace}/`))) continue;
      if (wf.workflowId.startsWith('sluice-sync/')) {
        operations += 1;
        if (wf.status.name === 'RUNNING') running += 1;
      }
      // Visibility gives a running workflow's history length only once it closes: ask the app workflows themselves.
      const info = wf.status.name === 'RUNNING' ? await run.temporal.workflow.getHandle(wf.workflowId, wf.runId).describe() : wf;
      if (info.historyLength > largest.events) largest = { events: info.historyLength, bytes: info.historySize ?? 0, id: wf.workflowId };
    }
    const duplicates = [...hooks.values()].filter((uids) => uids.size > 1).length;
    const [firstAged, lastAged] = [rssBeforeKills[0], rssBeforeKills[rssBeforeKills.length - 1]];
    const growth = firstAged ? ((lastAged - firstAged) / firstAged) * 100 : 0;
    console.log([
      `[soak] ${APPS} apps, ${MINUTES} min: ${pushes} pushes, ${kills} worker kills, ${apiRestarts} API server restarts`,
      `[soak] operations run ${operations}, stuck ${stuck + running} (must be 0: ${running} sync workflows still running, ${stuck} apps not Synced at their last commit), hook Jobs ${hooks.size}, duplicate hooks ${duplicates} (must be 0)`,
      `[soak] worker RSS before each kill (each worker ${KILL_S} s old): ${rssBeforeKills.map((r) => r.toFixed(0)).join(', ') || '-'} MiB; last against first ${growth.toFixed(1)} % (at most 10 %)`,
      `[soak] worker RSS ${rssStart.toFixed(0)} MiB after the first sync, ${rssEnd.toFixed(0)} MiB at the end (a worker started at the last kill)`,
      `[soak] largest history: ${largest.events} events, ${largest.bytes} bytes (${largest.id})`,
    ].join('\n'));
    process.exitCode = stuck === 0 && running === 0 && duplicates === 0 && growth <= 10 ? 0 : 1;
  } finally {
    watching = false;
    current?.abort();
    await run.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
