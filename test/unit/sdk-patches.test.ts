// patches/ in an installed Sluice: scripts/apply-patches.js (postinstall) patches only Sluice's own copies of the
// packages, and the worker tells at start which patches are not in effect.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { missingPatches, SDK_PATCHES } from '../../worker/sdk-patches';

const root = path.join(__dirname, '..', '..');
let scratch: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-patches-'));
});
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('in this checkout every patch is in effect', () => {
  expect(missingPatches()).toEqual([]);
});

test('a package installed without its patch is named, with what running without it costs', () => {
  // Each package's file as released: the lines the patches change, as they were.
  const released: Record<string, string> = {
    '@kubernetes/client-node': "import { createConfiguration, ServerConfiguration, } from './gen/index.js';\n",
    '@temporalio/worker': 'install() { this.setPromiseHook(); }\n',
  };
  for (const patch of SDK_PATCHES) {
    fs.mkdirSync(path.dirname(path.join(scratch, patch.packageName, patch.file)), { recursive: true });
    fs.writeFileSync(path.join(scratch, patch.packageName, patch.file), released[patch.packageName]);
  }
  expect(missingPatches((name) => path.join(scratch, name))).toEqual([
    '@kubernetes/client-node: KubeConfig loads every generated API client (about 32 MiB more idle memory)',
    '@temporalio/worker: workflow stack traces are recorded whatever SLUICE_WORKFLOW_STACK_TRACES says (about 13 % of the CPU of a fleet\'s sync)',
  ]);
});

test('installed where npm hoisted the patched packages out of its own node_modules, postinstall leaves them alone and succeeds', () => {
  // An installed package's layout: the script and patches/, and no node_modules of its own.
  fs.mkdirSync(path.join(scratch, 'scripts'));
  fs.copyFileSync(path.join(root, 'scripts', 'apply-patches.js'), path.join(scratch, 'scripts', 'apply-patches.js'));
  fs.cpSync(path.join(root, 'patches'), path.join(scratch, 'patches'), { recursive: true });
  const r = spawnSync(process.execPath, [path.join(scratch, 'scripts', 'apply-patches.js')], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  expect(r.stdout.trim()).toBe('sluice: patches/ left unapplied: @kubernetes/client-node, @temporalio/worker are not in sluice\'s own node_modules (shared with the project that installed it)');
  expect(r.status).toBe(0);
});
