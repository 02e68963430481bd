// Workflows created directly in the SDK's reusable V8 context (what the worker's workflow thread runs), without a
// server: for measuring what each workflow costs to create (bench/workflow-memory.ts) and which modules it
// instantiates for itself (test/workflows/shared-modules.test.ts).
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';

export type VmWorkflow = Awaited<ReturnType<ReusableVMWorkflowCreator['createWorkflow']>>;

/** The SDK's reusable-context creator over `workflowsPath` bundled with `options` (e.g. workflowBundleOptions). */
export async function vmCreator(workflowsPath: string, options: object, label: string): Promise<ReusableVMWorkflowCreator> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN'), ...options });
  return ReusableVMWorkflowCreator.create(parseWorkflowCode(code, `/tmp/sluice-vm-${label}-${process.pid}.js`), 60_000, new Set(), undefined);
}

/** A new workflow of `workflowType`, as the worker creates one for a run's first activation. */
export function createVmWorkflow(creator: ReusableVMWorkflowCreator, workflowType: string, i: number): Promise<VmWorkflow> {
  const runId = `run-${workflowType}-${i}`;
  const now = new Date(0);
  const info = {
    workflowType, workflowId: `wf-${i}`, runId, firstExecutionRunId: runId, namespace: 'default', taskQueue: 'sluice', attempt: 1,
    historyLength: 3, historySize: 100, continueAsNewSuggested: false, searchAttributes: {}, typedSearchAttributes: [], memo: {},
    startTime: now, runStartTime: now, priority: {}, unsafe: { isReplaying: false, isReplayingHistoryEvents: false, now: () => 0 },
  };
  return creator.createWorkflow({ info, randomnessSeed: [1, i], now: 0, showStackTraceSources: false } as unknown as Parameters<ReusableVMWorkflowCreator['createWorkflow']>[0]);
}

/** The module ids the workflow instantiated for itself (`?xxxx` ids, the bundler's stubs for converters Sluice does not set, left out). */
export function ownModules(workflow: VmWorkflow): string[] {
  return [...(workflow as unknown as { activator: { moduleCache: Map<string, unknown> } }).activator.moduleCache.keys()].filter((id) => !id.startsWith('?'));
}
