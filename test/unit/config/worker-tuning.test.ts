import { DEFAULT_TUNING, workerTuning, workflowStackTraces } from '../../../config/worker-tuning';

describe('workerTuning', () => {
  test.each([
    ['nothing set', {}, DEFAULT_TUNING],
    ['pollers and ratio', { SLUICE_WORKFLOW_TASK_POLLERS: '20', SLUICE_NONSTICKY_POLL_RATIO: '0.5' }, { ...DEFAULT_TUNING, maxConcurrentWorkflowTaskPolls: 20, nonStickyToStickyPollRatio: 0.5 }],
    ['the workflow cache', { SLUICE_MAX_CACHED_WORKFLOWS: '500' }, { ...DEFAULT_TUNING, maxCachedWorkflows: 500 }],
    ['blank is unset', { SLUICE_MAX_ACTIVITIES: ' ' }, DEFAULT_TUNING],
    ['a cache smaller than the workflow-task slots lowers them, and the pollers with them', { SLUICE_MAX_CACHED_WORKFLOWS: '8' }, { ...DEFAULT_TUNING, maxCachedWorkflows: 8, maxConcurrentWorkflowTaskExecutions: 8, maxConcurrentWorkflowTaskPolls: 8 }],
    ['a cache of 20: pollers unchanged', { SLUICE_MAX_CACHED_WORKFLOWS: '20' }, { ...DEFAULT_TUNING, maxCachedWorkflows: 20, maxConcurrentWorkflowTaskExecutions: 20 }],
    ['slots', { SLUICE_MAX_WORKFLOW_TASKS: '80', SLUICE_MAX_ACTIVITIES: '50', SLUICE_MAX_LOCAL_ACTIVITIES: '60' }, { ...DEFAULT_TUNING, maxConcurrentWorkflowTaskExecutions: 80, maxConcurrentActivityTaskExecutions: 50, maxConcurrentLocalActivityExecutions: 60 }],
  ])('%s', (_, env, expected) => {
    expect(workerTuning(env)).toEqual(expected);
  });

  test.each([
    [{ SLUICE_NONSTICKY_POLL_RATIO: '1.5' }, 'SLUICE_NONSTICKY_POLL_RATIO=1.5: expected a ratio in (0, 1]'],
    [{ SLUICE_WORKFLOW_TASK_POLLERS: '1' }, 'SLUICE_WORKFLOW_TASK_POLLERS=1: expected an integer of at least 2'],
    [{ SLUICE_MAX_CACHED_WORKFLOWS: 'lots' }, 'SLUICE_MAX_CACHED_WORKFLOWS=lots: expected a positive integer'],
    [{ SLUICE_WORKFLOW_TASK_POLLERS: '50' }, 'SLUICE_WORKFLOW_TASK_POLLERS=50 is more than SLUICE_MAX_WORKFLOW_TASKS=40'],
    [{ SLUICE_MAX_CACHED_WORKFLOWS: '20', SLUICE_MAX_WORKFLOW_TASKS: '30' }, 'SLUICE_MAX_WORKFLOW_TASKS=30 is more than SLUICE_MAX_CACHED_WORKFLOWS=20'],
    [{ SLUICE_MAX_CACHED_WORKFLOWS: '8', SLUICE_WORKFLOW_TASK_POLLERS: '10' }, 'SLUICE_WORKFLOW_TASK_POLLERS=10 is more than SLUICE_MAX_WORKFLOW_TASKS=8'],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => workerTuning(env)).toThrow(message);
  });
});

describe('workflowStackTraces', () => {
  test.each([
    [{}, false], [{ SLUICE_WORKFLOW_STACK_TRACES: '' }, false], [{ SLUICE_WORKFLOW_STACK_TRACES: '0' }, false], [{ SLUICE_WORKFLOW_STACK_TRACES: 'false' }, false],
    [{ SLUICE_WORKFLOW_STACK_TRACES: '1' }, true], [{ SLUICE_WORKFLOW_STACK_TRACES: ' true ' }, true],
  ])('%j gives %s', (env, expected) => {
    expect(workflowStackTraces(env)).toBe(expected);
  });

  test('anything else is refused, naming the variable', () => {
    expect(() => workflowStackTraces({ SLUICE_WORKFLOW_STACK_TRACES: 'yes' })).toThrow('SLUICE_WORKFLOW_STACK_TRACES=yes: expected 1 or 0');
  });
});
