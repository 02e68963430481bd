// Memory per cached workflow (issue 11): the worker runs every workflow in one reusable V8 context, and the SDK
// instantiates, per workflow, every module the workflow code imports that was not loaded before the first workflow
// (its per-workflow `__webpack_module_cache__`). Sluice's workflow modules and the pure domain/ code they import hold
// no per-workflow state, so every bundle of workflows/ preloads them: loaded once, shared and frozen.
// This builds the bundle the worker builds and creates workflows of every type in the SDK's own reusable VM.
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import * as workflows from '../../workflows';
import { workflowBundleOptions } from '../../worker/workflow-source';

jest.setTimeout(120_000);

const workflowTypes = Object.entries(workflows).filter(([, v]) => typeof v === 'function').map(([name]) => name);

/** The module ids a workflow of `workflowType` instantiated for itself, apart from the shared ones. */
async function perWorkflowModules(creator: ReusableVMWorkflowCreator, workflowType: string, i: number): Promise<string[]> {
  const runId = `run-${i}`;
  const now = new Date(0);
  const info = {
    workflowType, workflowId: `wf-${i}`, runId, firstExecutionRunId: runId, namespace: 'default', taskQueue: 'q', attempt: 1,
    historyLength: 3, historySize: 100, continueAsNewSuggested: false, searchAttributes: {}, typedSearchAttributes: [], memo: {},
    startTime: now, runStartTime: now, priority: {}, unsafe: { isReplaying: false, isReplayingHistoryEvents: false, now: () => 0 },
  };
  const workflow = await creator.createWorkflow({ info, randomnessSeed: [1, 2], now: 0, showStackTraceSources: false } as any);
  const modules = [...((workflow as any).activator.moduleCache as Map<string, unknown>).keys()];
  await workflow.dispose();
  // `?xxxx` ids are the bundler's stubs for the custom payload and failure converters Sluice does not set.
  return modules.filter((id) => !id.startsWith('?'));
}

async function creatorFor(options: object): Promise<ReusableVMWorkflowCreator> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN'), ...options });
  return ReusableVMWorkflowCreator.create(parseWorkflowCode(code, `/tmp/sluice-shared-modules-${process.pid}.js`), 60_000, new Set(), undefined);
}

test('every workflow type runs on modules loaded once for the whole worker, none per workflow', async () => {
  expect(workflowTypes).toEqual(expect.arrayContaining(['applicationWorkflow', 'syncWorkflow']));
  const creator = await creatorFor(workflowBundleOptions(require.resolve('../../workflows')));
  try {
    for (const [i, type] of workflowTypes.entries()) expect({ type, modules: await perWorkflowModules(creator, type, i) }).toEqual({ type, modules: [] });
  } finally {
    await creator.destroy();
  }
});

test('without the preload, the SDK instantiates the workflow modules per workflow (what the test above guards)', async () => {
  const creator = await creatorFor({});
  try {
    const modules = await perWorkflowModules(creator, 'applicationWorkflow', 0);
    expect(modules).toEqual(expect.arrayContaining([expect.stringMatching(/workflows\/application\.ts$/), expect.stringMatching(/domain\/operation\/machine\.ts$/)]));
  } finally {
    await creator.destroy();
  }
});
