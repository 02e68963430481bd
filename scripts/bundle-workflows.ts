// Builds the workflow bundle ahead of time (run by `npm run build`, after tsc): the compiled worker loads it
// instead of running webpack over workflows/ at every start. Compiled, this script lives at
// <outDir>/scripts/ and writes <outDir>/workflow-bundle.js from <outDir>/workflows, where the worker looks.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowBundleOptions } from '../worker/workflow-source';

const INLINE_MAP = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';

/**
 * Drops `sourcesContent` from the bundle's inline source map and keeps its mappings. The worker parses that map
 * into its workflow thread and holds the JSON in the main one (about 9 MiB of idle RSS with the sources); stack
 * traces need only the mappings (the sources serve showStackTraceSources, which Sluice leaves off).
 */
export function withoutSourcesContent(code: string): string {
  const at = code.lastIndexOf(INLINE_MAP);
  if (at < 0) throw new Error('workflow bundle: no inline source map found');
  const map = JSON.parse(Buffer.from(code.slice(at + INLINE_MAP.length).trim(), 'base64').toString('utf8')) as Record<string, unknown>;
  delete map.sourcesContent;
  return `${code.slice(0, at)}${INLINE_MAP}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

async function main(): Promise<void> {
  const outFile = path.join(__dirname, '..', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    ...workflowBundleOptions(require.resolve('../workflows')),
    // webpack's module listing is noise here; its warnings and errors still show.
    logger: new DefaultLogger('WARN'),
  });
  const written = withoutSourcesContent(code);
  fs.writeFileSync(outFile, written);
  console.log(`workflow bundle: ${path.relative(process.cwd(), outFile)} (${(written.length / 1024).toFixed(0)} KiB)`);
}

if (require.main === module) main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
