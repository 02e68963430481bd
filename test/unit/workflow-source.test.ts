// Where the worker takes its workflow code from: under tsx the SDK bundles workflows/ itself; a named bundle is
// loaded as given, and a missing one is an error naming the variable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowSource } from '../../worker/workflow-source';
import { withoutSourcesContent } from '../../scripts/bundle-workflows';

const logged: unknown[] = [];
const logger = { info: (fields: unknown) => void logged.push(fields) };

test('from source (no bundle beside a .ts module), the SDK bundles workflows/ at start', () => {
  expect(workflowSource(logger, {})).toEqual({ workflowsPath: require.resolve('../../workflows'), bundlerOptions: { preloadModules: [require.resolve('../../workflows')] } });
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

test('the prebuilt bundle keeps its source map mappings and drops the sources (idle RSS)', () => {
  const map = { version: 3, file: 'b.js', sources: ['a.ts'], names: [], mappings: 'AAAA;AACA', sourcesContent: ['const a = 1;'] };
  const code = `var a = 1;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
  const out = withoutSourcesContent(code);
  expect(out.startsWith('var a = 1;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,')).toBe(true);
  const kept = JSON.parse(Buffer.from(out.split('base64,')[1], 'base64').toString('utf8'));
  expect(kept).toEqual({ version: 3, file: 'b.js', sources: ['a.ts'], names: [], mappings: 'AAAA;AACA' });
  expect(() => withoutSourcesContent('var a = 1;')).toThrow('no inline source map');
});
