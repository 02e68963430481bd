import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_BUNDLE_VAR, testBundleFor } from '../support/workflow-bundle';

const saved = process.env[TEST_BUNDLE_VAR];
afterEach(() => (saved === undefined ? delete process.env[TEST_BUNDLE_VAR] : (process.env[TEST_BUNDLE_VAR] = saved)));

test("a worker started from source gets the run's bundle, unless its environment names one or there is none", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bundle-'));
  const bundle = path.join(dir, 'bundle-1.js');
  fs.writeFileSync(bundle, '// bundle');
  try {
    delete process.env[TEST_BUNDLE_VAR];
    expect(testBundleFor({})).toBeUndefined();
    process.env[TEST_BUNDLE_VAR] = bundle;
    expect(testBundleFor({})).toBe(bundle);
    expect(testBundleFor({ SLUICE_WORKFLOW_BUNDLE: '/its/own.js' })).toBeUndefined();
    fs.rmSync(bundle);
    expect(testBundleFor({})).toBeUndefined(); // removed by another run's teardown: the worker bundles itself
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
