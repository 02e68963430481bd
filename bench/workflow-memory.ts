// Memory per workflow in the worker's workflow context (issue 11): bundles the compiled workflows (dist/, built if
// stale, as `npm start` runs them) as every Sluice bundle is built
// (worker/workflow-source.ts: its modules preloaded) and, as the baseline in the same run, without the preload;
// creates N application workflows from each in the SDK's own reusable V8 context (what the worker's workflow thread
// runs), and prints the V8 heap each one holds after a full GC, and the ratio. This is the cost of creating a
// workflow (its activator and the modules instantiated for it), paid by every cached workflow, every new run
// (continue-as-new, every sync) and every replay; what a workflow builds while it runs comes on top.
//
//   node --expose-gc --import tsx bench/workflow-memory.ts [--workflows 1000]
import v8 from 'node:v8';
import path from 'node:path';
import { workflowBundleOptions } from '../worker/workflow-source';
import { repoRoot } from '../test/support/stack';
import { createVmWorkflow, ownModules, vmCreator } from '../test/support/vm-workflows';
import { ensureBuild } from './proc';

const count = process.argv.includes('--workflows') ? Number(process.argv[process.argv.indexOf('--workflows') + 1]) : 1000;
const gc = (globalThis as { gc?: () => void }).gc;

const workflowsPath = path.join(repoRoot, 'dist', 'workflows', 'index.js');

async function perWorkflow(options: object, label: string): Promise<{ kib: number; modules: number }> {
  const creator = await vmCreator(workflowsPath, options, label);
  const first = await createVmWorkflow(creator, 'applicationWorkflow', 0);
  const modules = ownModules(first).length;
  const held = [first];
  gc!();
  gc!();
  const before = v8.getHeapStatistics().used_heap_size;
  for (let i = 1; i <= count; i++) held.push(await createVmWorkflow(creator, 'applicationWorkflow', i));
  gc!();
  gc!();
  const after = v8.getHeapStatistics().used_heap_size;
  for (const w of held) await w.dispose();
  await creator.destroy();
  return { kib: (after - before) / count / 1024, modules };
}

async function main(): Promise<void> {
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:workflow-memory does)');
  ensureBuild();
  const baseline = await perWorkflow({}, 'baseline');
  const preloaded = await perWorkflow(workflowBundleOptions(workflowsPath), 'preloaded');
  console.log(`${count} application workflows created in the SDK's reusable V8 context, heap held by each after a full GC:`);
  console.log(`  baseline (modules instantiated per workflow):  ${baseline.kib.toFixed(1)} KiB, ${baseline.modules} modules per workflow`);
  console.log(`  Sluice's bundle (workflows/ preloaded):         ${preloaded.kib.toFixed(1)} KiB, ${preloaded.modules} modules per workflow`);
  console.log(`  ratio: ${(preloaded.kib / baseline.kib).toFixed(2)}x; for 1,000 cached workflows: ${((baseline.kib - preloaded.kib) * 1000 / 1024).toFixed(0)} MiB less`);
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
