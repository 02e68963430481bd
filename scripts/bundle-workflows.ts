// Builds the workflow bundle ahead of time (run by `npm run build`, after tsc): the compiled worker loads it
// instead of running webpack over workflows/ at every start. Compiled, this script lives at
// <outDir>/scripts/ and writes <outDir>/workflow-bundle.js from <outDir>/workflows, where the worker looks.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

async function main(): Promise<void> {
  const outFile = path.join(__dirname, '..', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // webpack's module listing is noise here; its warnings and errors still show.
    logger: new DefaultLogger('WARN'),
  });
  fs.writeFileSync(outFile, code);
  console.log(`workflow bundle: ${path.relative(process.cwd(), outFile)} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
