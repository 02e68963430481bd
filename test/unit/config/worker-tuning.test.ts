import { DEFAULT_TUNING, workerTuning, workflowStackTraces } from '../../../config/worker-tuning';

describe('workerTuning', () => {
  test.each([
    ['nothing set', {}, DEFAULT_TUNING],
    ['pollers and ratio', { SLUICE_WORKFLOW_TASK_POLLERS: '20', SLUICE_NONSTICKY_POLL_RATIO: '0.5' }, { ...DEFAULT_TUNING, maxConcurrentWorkflowTaskPolls: 20, nonStickyToStickyPollRatio: 0.5 }],
    ['the workflow cache', { SLUICE_MAX_CACHED_WORKFLOWS: '500' }, { ...DEFAULT_TUNING, maxCachedWorkflows: 500 }],
    ['blank is unset', { SLUICE_MAX_ACTIVITIES: ' ' }, DEFAULT_TUNING],
    ['slots', { SLUICE_MAX_WORKFLOW_TASKS: '80', SLUICE_MAX_ACTIVITIES: '50', SLUICE_MAX_LOCAL_ACTIVITIES: '60' }, { ...DEFAULT_TUNING, maxConcurrentWorkflowTaskExecutions: 80, maxConcurrentActivityTaskExecutions: 50, maxConcurrentLocalActivityExecutions: 60 }],
  ])('%s', (_, env, expected) => {
    expect(workerTuning(env)).toEqual(expected);
  });

  test.each([
    [{ SLUICE_NONSTICKY_POLL_RATIO: '1.5' }, 'SLUICE_NONSTICKY_POLL_RATIO=1.5: expected a ratio in (0, 1]'],
    [{ SLUICE_WORKFLOW_TASK_POLLERS: '1' }, 'SLUICE_WORKFLOW_TASK_POLLERS=1: expected an integer of at least 2'],
    [{ SLUICE_MAX_CACHED_WORKFLOWS: 'lots' }, 'SLUICE_MAX_CACHED_WORKFLOWS=lots: expected a positive integer'],
    [{ SLUICE_WORKFLOW_TASK_POLLERS: '50' }, 'SLUICE_WORKFLOW_TASK_POLLERS=50 is more than SLUICE_MAX_WORKFLOW_TASKS=40'],
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
