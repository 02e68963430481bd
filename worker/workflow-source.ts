// Where the worker gets its workflow code. Compiled (`npm run build`), it loads the bundle the build made beside
// it, so no webpack runs at start; under tsx (dev, tests) the SDK bundles workflows/ itself. SLUICE_WORKFLOW_BUNDLE
// names a prebuilt bundle explicitly.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * The bundler options of every bundle of workflows/: the prebuilt one, the one the SDK makes from source, the
 * tests'. The worker runs every workflow in one reusable V8 context, where the SDK instantiates per workflow each
 * module the workflow code imports, unless it was preloaded: about 40 KiB of module scopes and exports per cached
 * workflow, and the CPU of instantiating them again at every new run and every replay. workflows/ and the domain/
 * code it imports hold no per-workflow state (eslint.config.js forbids module-level `let` there), so they are
 * preloaded: loaded once, shared by every workflow, and frozen by the SDK. test/workflows/shared-modules.test.ts
 * checks that no workflow type instantiates a module of its own.
 */
export function workflowBundleOptions(workflowsPath: string): { preloadModules: string[] } {
  return { preloadModules: [workflowsPath] };
}

export type WorkflowSource = { workflowBundle: { codePath: string } } | { workflowsPath: string; bundlerOptions: { preloadModules: string[] } };

export function workflowSource(logger: Pick<Logger, 'info'>, env: NodeJS.ProcessEnv = process.env): WorkflowSource {
  const named = env.SLUICE_WORKFLOW_BUNDLE;
  if (named && !fs.existsSync(named)) throw new Error(`SLUICE_WORKFLOW_BUNDLE: ${named} does not exist (build one with npm run build)`);
  // Only a compiled worker looks beside itself: a bundle there was built from the same compiled workflows.
  const beside = path.join(__dirname, '..', 'workflow-bundle.js');
  const codePath = named ? path.resolve(named) : __filename.endsWith('.js') && fs.existsSync(beside) ? beside : undefined;
  if (!codePath) return fromSource(require.resolve('../workflows'));
  logger.info({ workflowBundle: codePath }, 'loading the prebuilt workflow bundle');
  return { workflowBundle: { codePath } };
}

/** Worker options that have the SDK bundle `workflowsPath` at start, with the options above. */
export function fromSource(workflowsPath: string): { workflowsPath: string; bundlerOptions: { preloadModules: string[] } } {
  return { workflowsPath, bundlerOptions: workflowBundleOptions(workflowsPath) };
}
