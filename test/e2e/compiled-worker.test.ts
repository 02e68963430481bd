// End to end from the build (issue 11): `npm run build`'s two steps (tsc, then the prebuilt workflow bundle) into a
// scratch output directory; the compiled worker runs with plain node, loads that bundle instead of running webpack,
// and syncs an app; the compiled CLI reads it back. The worker records no per-promise workflow stacks unless asked
// (patches/@temporalio+worker+*.patch): Temporal's __stack_trace query says so, and answers once they are turned on.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildWorker } from '../support/build';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { repoRoot } from '../support/stack';

// Inside the repository (not the system temp dir), so the compiled modules resolve node_modules as dist/ does.
const outDir = path.join(repoRoot, '.run', `build-${randomBytes(4).toString('hex')}`);
const run = new E2eRun(18804, { SLUICE_WORKER_COMPILED: outDir });

beforeAll(async () => {
  buildWorker(outDir);
  await run.start();
}, 180_000);

afterAll(async () => {
  await run.stop();
  fs.rmSync(outDir, { recursive: true, force: true });
});

test('the compiled worker loads the prebuilt workflow bundle and syncs an app; the compiled CLI reads it', async () => {
  const log = run.worker.output();
  expect(log).toContain(`"workflowBundle":"${path.join(outDir, 'workflow-bundle.js')}"`);
  // What the SDK logs when it runs webpack itself.
  expect(log).not.toContain('Workflow bundle created');

  const { namespace, name, repo } = await run.scenario('compiled', {
    'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  built: "yes"\n',
  });
  await run.waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
  expect((await run.kube.get('v1', 'ConfigMap', namespace, 'settings'))?.data).toEqual({ built: 'yes' });

  // The CLI's entry as client/bin/sluice calls it, from the same build.
  const cli = path.join(outDir, 'client/cli.js');
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(cli)}).main(['node', 'sluice', ...process.argv.slice(1)]).then(() => process.exit(process.exitCode ?? 0))`,
    'app', 'get', name, '-n', namespace], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: run.env.KUBECONFIG, TEMPORAL_ADDRESS: run.env.TEMPORAL_ADDRESS, NO_COLOR: '1' }, timeout: 60_000 });
  expect(`${r.stdout}${r.stderr}`).toMatch(new RegExp(`${name}[\\s\\S]*Synced`));
  expect(r.status).toBe(0);
});

test('workflow stack traces are off unless SLUICE_WORKFLOW_STACK_TRACES=1, which brings the __stack_trace query back', async () => {
  const { namespace, name, repo } = await run.scenario('stacks', {
    'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  stacks: "no"\n',
  });
  await run.waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
  const stackTrace = () => run.appHandle(namespace, name).query<string>('__stack_trace').then((s) => s, (e: Error) => `error: ${e.message}`);
  expect(await stackTrace()).toContain('Workflow stack traces are not enabled on this worker');

  run.workerEnv.SLUICE_WORKFLOW_STACK_TRACES = '1';
  try {
    await run.restartWorker();
    // The new worker replays the app workflow to answer: it waits in the refresh loop's condition, once the refresh
    // the restart asked for (a local activity, which a query can land in) is done.
    const answer = await eventually('the app workflow waiting in its condition', async () => {
      const trace = await stackTrace();
      return trace.includes('condition') ? trace : undefined;
    }, 30_000);
    expect(answer).toContain('applicationWorkflow');
  } finally {
    delete run.workerEnv.SLUICE_WORKFLOW_STACK_TRACES;
  }
});
