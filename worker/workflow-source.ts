// Where the worker gets its workflow code. Compiled (`npm run build`), it loads the bundle the build made beside
// it, so no webpack runs at start; under tsx (dev, tests) the SDK bundles workflows/ itself. SLUICE_WORKFLOW_BUNDLE
// names a prebuilt bundle explicitly.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export type WorkflowSource = { workflowBundle: { codePath: string } } | { workflowsPath: string };

export function workflowSource(logger: Pick<Logger, 'info'>, env: NodeJS.ProcessEnv = process.env): WorkflowSource {
  const named = env.SLUICE_WORKFLOW_BUNDLE;
  if (named && !fs.existsSync(named)) throw new Error(`SLUICE_WORKFLOW_BUNDLE: ${named} does not exist (build one with npm run build)`);
  // Only a compiled worker looks beside itself: a bundle there was built from the same compiled workflows.
  const beside = path.join(__dirname, '..', 'workflow-bundle.js');
  const codePath = named ? path.resolve(named) : __filename.endsWith('.js') && fs.existsSync(beside) ? beside : undefined;
  if (!codePath) return { workflowsPath: require.resolve('../workflows') };
  logger.info({ workflowBundle: codePath }, 'loading the prebuilt workflow bundle');
  return { workflowBundle: { codePath } };
}
