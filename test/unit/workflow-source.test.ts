// Where the worker takes its workflow code from: under tsx the SDK bundles workflows/ itself; a named bundle is
// loaded as given, and a missing one is an error naming the variable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowSource } from '../../worker/workflow-source';

const logged: unknown[] = [];
const logger = { info: (fields: unknown) => void logged.push(fields) };

test('from source (no bundle beside a .ts module), the SDK bundles workflows/ at start', () => {
  expect(workflowSource(logger, {})).toEqual({ workflowsPath: require.resolve('../../workflows') });
});

test('SLUICE_WORKFLOW_BUNDLE names a prebuilt bundle, which is loaded and logged', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bundle-'));
  try {
    const codePath = path.join(dir, 'workflow-bundle.js');
    fs.writeFileSync(codePath, '// bundle');
    expect(workflowSource(logger, { SLUICE_WORKFLOW_BUNDLE: codePath })).toEqual({ workflowBundle: { codePath } });
    expect(logged).toContainEqual({ workflowBundle: codePath });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a SLUICE_WORKFLOW_BUNDLE that does not exist is an error naming it', () => {
  expect(() => workflowSource(logger, { SLUICE_WORKFLOW_BUNDLE: '/nowhere/workflow-bundle.js' }))
    .toThrow('SLUICE_WORKFLOW_BUNDLE: /nowhere/workflow-bundle.js does not exist');
});
