// One workflow bundle for the whole test run. A worker run from source (tsx) has the SDK bundle workflows/ with
// webpack at every start: about 5 CPU-seconds each, and the suite starts well over a hundred workers (worker-kill
// alone restarts one 15 times). global-setup bundles the same source once, as the worker itself would, and
// startWorker hands it to every worker it runs from source (SLUICE_WORKFLOW_BUNDLE, worker/workflow-source.ts).
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { repoRoot } from './stack';
import { workflowBundleOptions } from '../../worker/workflow-source';

/** Set by global-setup in the environment the test processes inherit: the bundle of this run. */
export const TEST_BUNDLE_VAR = 'SLUICE_TEST_WORKFLOW_BUNDLE';

/** Bundles workflows/ from source into `dir` (a file per run, so runs in one checkout do not share one); returns its path. */
export async function buildTestBundle(dir = path.join(repoRoot, '.run', 'workflow-bundles')): Promise<string> {
  const workflowsPath = require.resolve(path.join(repoRoot, 'workflows'));
  const { code } = await bundleWorkflowCode({ workflowsPath, ...workflowBundleOptions(workflowsPath), logger: new DefaultLogger('WARN') });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bundle-${process.pid}.js`);
  fs.writeFileSync(file, code);
  return file;
}

/** The run's bundle for a worker started from source, unless its environment names one; undefined outside jest's run. */
export function testBundleFor(env: Record<string, string | undefined>): string | undefined {
  const bundle = process.env[TEST_BUNDLE_VAR];
  if (env.SLUICE_WORKFLOW_BUNDLE || !bundle || !fs.existsSync(bundle)) return undefined;
  return bundle;
}
