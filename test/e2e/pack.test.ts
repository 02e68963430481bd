// End to end from the package (issue 15): `npm pack` (whose prepack builds), `npm install -g` of the tarball into a
// scratch prefix from this machine's npm registry (its cache first), then, with a PATH that has no tsx and no
// TypeScript, the installed worker runs with plain node from <prefix>/lib/node_modules/sluice/dist/worker/main.js
// and syncs an app, and the installed `sluice` reads it: `version` (the worker's version as Temporal knows it) and
// `app list`. The pack runs in a copy of the package's inputs, so the checkout's dist/, which client/bin/sluice
// runs when it is current, is never rebuilt under other tests.
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { missingPatches } from '../../worker/sdk-patches';
import { E2eRun } from '../support/e2e';
import { repoRoot } from '../support/stack';

const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pack-'));
const prefix = path.join(scratch, 'prefix');
const installed = path.join(prefix, 'lib', 'node_modules', 'sluice');
const sluiceBin = path.join(prefix, 'bin', 'sluice');
/** node, and the system's tools; nothing from the checkout's node_modules. */
const PATH = [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
const timings: Record<string, number> = {};

/** This process's environment without what `npm test` adds (npm_config_* would steer the npm run here). */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') && key !== 'NODE_OPTIONS' && key !== 'NODE_PATH')),
  ...extra,
});

function run(what: string, command: string, args: string[], options: SpawnSyncOptions & { timeoutMs?: number } = {}): string {
  const started = Date.now();
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: options.timeoutMs ?? 300_000, killSignal: 'SIGKILL', env: cleanEnv(), ...options });
  timings[what] = Date.now() - started;
  if (r.status !== 0) throw new Error(`${what}: ${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${String(r.stdout).slice(-3000)}${String(r.stderr).slice(-3000)}`);
  return `${r.stdout}`;
}

/** What `npm pack` needs: the package's files and what builds them (tsconfig.build.json's inputs), node_modules linked. */
function stagePackage(stage: string): void {
  const build = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  const { files } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
  const inputs = [...build.include, ...files.filter((f) => !f.startsWith('!') && !f.startsWith('dist')), 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
  for (const input of new Set(inputs)) {
    const from = path.join(repoRoot, input);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(stage, input), { recursive: true, filter: (source) => !source.endsWith('.test.ts') });
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(stage, 'node_modules'));
}

const e2e = new E2eRun(19300, { SLUICE_WORKER_COMPILED: path.join(installed, 'dist'), PATH });

beforeAll(async () => {
  const stage = path.join(scratch, 'stage');
  fs.mkdirSync(stage);
  stagePackage(stage);
  run('npm pack (prepack builds)', 'npm', ['pack', '--pack-destination', scratch], { cwd: stage });
  const tarball = path.join(scratch, `sluice-${version}.tgz`);
  run('npm install -g', 'npm', ['install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: scratch });
  const started = Date.now();
  await e2e.start();
  timings['installed worker start'] = Date.now() - started;
}, 900_000);

afterAll(async () => {
  await e2e.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
  console.log(`pack test timings (ms): ${JSON.stringify(timings)}`);
});

/** The installed CLI, as a user on a machine without the dev tools runs it. */
function sluice(...args: string[]): { code: number; out: string } {
  const r = spawnSync(sluiceBin, args, {
    cwd: scratch, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL',
    env: cleanEnv({ PATH, KUBECONFIG: e2e.env.KUBECONFIG, TEMPORAL_ADDRESS: e2e.env.TEMPORAL_ADDRESS, NO_COLOR: '1' }),
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

test('the package holds the build and no dev tools; its patches were applied at install', () => {
  expect(spawnSync('sh', ['-c', 'command -v tsx || command -v tsc'], { env: { PATH } }).status).not.toBe(0);
  for (const devTool of ['tsx', 'typescript', 'jest', '@swc/jest']) expect(fs.existsSync(path.join(installed, 'node_modules', devTool))).toBe(false);
  expect(fs.existsSync(path.join(installed, 'dist', 'workflow-bundle.js'))).toBe(true);
  expect(fs.existsSync(path.join(installed, 'client', 'cli.ts'))).toBe(false);
  expect(fs.readdirSync(path.join(installed, 'deploy', 'crds'))).toContain('application.sluice.dev.yaml');
  expect(missingPatches((name) => path.join(installed, 'node_modules', name))).toEqual([]);
});

test('the installed worker runs from dist/ with plain node, on the prebuilt bundle, and names its version to Temporal', () => {
  const log = e2e.worker.output();
  expect(log).toContain(`"workflowBundle":"${path.join(installed, 'dist', 'workflow-bundle.js')}"`);
  expect(log).toContain(`"identity":"sluice-worker/${version} ${e2e.worker.pid}@${os.hostname()}"`);
  expect(log).not.toContain('running without one of patches/');
});

test('`sluice version` prints the client\'s version and the worker\'s, read from the task queue\'s pollers', () => {
  const taskQueue = e2e.workerEnv.SLUICE_TASK_QUEUE;
  const text = sluice('version', '--task-queue', taskQueue);
  expect(text.code).toBe(0);
  expect(text.out).toMatch(new RegExp(`^client: sluice ${version}\\nworker: sluice ${version} on task queue ${taskQueue}: ${e2e.worker.pid}@${os.hostname()}; last poll \\S+\\n$`));

  const json = sluice('version', '--task-queue', taskQueue, '-o', 'json');
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out)).toMatchObject({
    client: { version },
    worker: { taskQueue, namespace: 'default', versions: [{ version, instances: [`${e2e.worker.pid}@${os.hostname()}`] }] },
  });

  const nobody = sluice('version', '--task-queue', `nobody-${e2e.runId}`);
  expect(nobody).toEqual({ code: 0, out: `client: sluice ${version}\nworker: no worker polling task queue nobody-${e2e.runId} (Temporal namespace default)\n` });
  expect(sluice('version', '--client')).toEqual({ code: 0, out: `client: sluice ${version}\n` });
});

test('the installed worker syncs an app, and the installed `sluice app list` shows it', async () => {
  const { namespace, name, repo } = await e2e.scenario('packed', {
    'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  packed: "yes"\n',
  });
  const sha = repo.git('rev-parse', 'HEAD');
  await e2e.waitForOperation(namespace, name, 'Succeeded', sha);
  expect((await e2e.kube.get('v1', 'ConfigMap', namespace, 'settings'))?.data).toEqual({ packed: 'yes' });
  const list = sluice('app', 'list', '-n', namespace);
  expect(list.code).toBe(0);
  expect(list.out).toMatch(new RegExp(`^${namespace}\\s+${name}\\s+Synced\\s+Healthy\\s+${sha.slice(0, 8)}`, 'm'));
});
