// Memory per cached workflow (issue 11): the worker runs every workflow in one reusable V8 context, and the SDK
// instantiates, per workflow, every module the workflow code imports that was not loaded before the first workflow
// (its per-workflow `__webpack_module_cache__`). Sluice's workflow modules and the pure domain/ code they import hold
// no per-workflow state, so every bundle of workflows/ preloads them: loaded once, shared and frozen.
// This builds the bundle the worker builds and creates workflows of every type in the SDK's own reusable VM.
import type { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import * as workflows from '../../workflows';
import { workflowBundleOptions } from '../../worker/workflow-source';
import { createVmWorkflow, ownModules, vmCreator } from '../support/vm-workflows';

jest.setTimeout(120_000);

const workflowTypes = Object.entries(workflows).filter(([, v]) => typeof v === 'function').map(([name]) => name);

/** The module ids a workflow of `workflowType` instantiated for itself, apart from the shared ones. */
async function perWorkflowModules(creator: ReusableVMWorkflowCreator, workflowType: string, i: number): Promise<string[]> {
  const workflow = await createVmWorkflow(creator, workflowType, i);
  const modules = ownModules(workflow);
  await workflow.dispose();
  return modules;
}

const creatorFor = (options: object) => vmCreator(require.resolve('../../workflows'), options, 'shared-modules');

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
