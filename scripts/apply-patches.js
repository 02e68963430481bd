#!/usr/bin/env node
// postinstall: applies patches/ with patch-package to Sluice's own copies of the packages they patch. In the
// repository and in a global install (`npm install -g`), those copies are in Sluice's ./node_modules. Installed as
// another project's dependency, npm may hoist them into that project's node_modules, where its other packages use
// them too: they are left as they are (patch-package would fail on CI there, and so the install), and Sluice runs
// without the patches, which only save memory and CPU; the worker says what it costs when it starts.
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: it runs at install, with no build and no TypeScript */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');

/** `@scope+name+1.2.3.patch` → `@scope/name` (patch-package's file names). */
const patchedPackage = (file) => file.replace(/\.patch$/, '').split('+').slice(0, -1).join('/');

const patches = fs.readdirSync(path.join(root, 'patches')).filter((file) => file.endsWith('.patch'));
const notOurs = patches.map(patchedPackage).filter((name) => !fs.existsSync(path.join(root, 'node_modules', name, 'package.json')));
if (notOurs.length) {
  console.log(`sluice: patches/ left unapplied: ${notOurs.join(', ')} ${notOurs.length > 1 ? 'are' : 'is'} not in sluice's own node_modules (shared with the project that installed it)`);
  process.exit(0);
}
const run = spawnSync(process.execPath, [require.resolve('patch-package/index.js', { paths: [root] })], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
