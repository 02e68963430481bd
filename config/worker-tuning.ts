// The worker's Temporal tuning, from the environment, with defaults measured on the 2-core benchmark machine
// (bench/RESULTS.md, "Worker tuning"). Each is a WorkerOptions field of @temporalio/worker:
//   SLUICE_WORKFLOW_TASK_POLLERS      maxConcurrentWorkflowTaskPolls (sticky + non-sticky pollers together)
//   SLUICE_NONSTICKY_POLL_RATIO       nonStickyToStickyPollRatio: the share of pollers on the task queue itself,
//                                     which serves every new workflow's first task (a fleet starting, every sync)
//   SLUICE_MAX_WORKFLOW_TASKS         maxConcurrentWorkflowTaskExecutions
//   SLUICE_MAX_ACTIVITIES             maxConcurrentActivityTaskExecutions
//   SLUICE_MAX_LOCAL_ACTIVITIES       maxConcurrentLocalActivityExecutions (refreshes and sync steps)
//   SLUICE_MAX_CACHED_WORKFLOWS       maxCachedWorkflows: workflows kept in memory between tasks; one evicted is
//                                     replayed from its history at its next task (memory against CPU)
export interface WorkerTuning {
  maxConcurrentWorkflowTaskPolls: number;
  nonStickyToStickyPollRatio: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxCachedWorkflows?: number;
}

export const DEFAULT_TUNING: WorkerTuning = {
  maxConcurrentWorkflowTaskPolls: 10,
  nonStickyToStickyPollRatio: 0.2,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentLocalActivityExecutions: 100,
  // maxCachedWorkflows: the SDK's default (from the heap limit), every app's workflow cached. A cache of 200 took
  // 1,000 apps' peak RSS from 432 to 287 MiB (bench/RESULTS.md, session 12), but an evicted app workflow replays
  // its run at its next refresh, and runs stay long (see RUN_EVENTS_BEFORE_CONTINUE) until shorter ones are safe.
};

const VARIABLES: Record<Exclude<keyof WorkerTuning, never>, string> = {
  maxConcurrentWorkflowTaskPolls: 'SLUICE_WORKFLOW_TASK_POLLERS',
  nonStickyToStickyPollRatio: 'SLUICE_NONSTICKY_POLL_RATIO',
  maxConcurrentWorkflowTaskExecutions: 'SLUICE_MAX_WORKFLOW_TASKS',
  maxConcurrentActivityTaskExecutions: 'SLUICE_MAX_ACTIVITIES',
  maxConcurrentLocalActivityExecutions: 'SLUICE_MAX_LOCAL_ACTIVITIES',
  maxCachedWorkflows: 'SLUICE_MAX_CACHED_WORKFLOWS',
};

/** The tuning the environment asks for; a value that is not a positive number (a ratio in (0, 1]) is an error naming its variable. */
export function workerTuning(env: Record<string, string | undefined>): WorkerTuning {
  const tuning: WorkerTuning = { ...DEFAULT_TUNING };
  for (const [field, variable] of Object.entries(VARIABLES) as Array<[keyof WorkerTuning, string]>) {
    const raw = env[variable]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    const ratio = field === 'nonStickyToStickyPollRatio';
    const valid = ratio ? value > 0 && value <= 1 : Number.isInteger(value) && value >= (field === 'maxConcurrentWorkflowTaskPolls' ? 2 : 1);
    if (!valid) throw new Error(`${variable}=${raw}: expected ${ratio ? 'a ratio in (0, 1]' : field === 'maxConcurrentWorkflowTaskPolls' ? 'an integer of at least 2' : 'a positive integer'}`);
    tuning[field] = value;
  }
  // The SDK runs at most as many workflow tasks at once as it can cache. More slots than the default cache raise
  // the cache; a smaller cache than the default slots lowers them (and the pollers), as the SDK itself would.
  const set = (field: keyof WorkerTuning) => !!env[VARIABLES[field]]?.trim();
  if (tuning.maxCachedWorkflows !== undefined && tuning.maxCachedWorkflows < tuning.maxConcurrentWorkflowTaskExecutions && !set('maxCachedWorkflows')) {
    tuning.maxCachedWorkflows = tuning.maxConcurrentWorkflowTaskExecutions;
  }
  if (tuning.maxCachedWorkflows !== undefined && tuning.maxCachedWorkflows < tuning.maxConcurrentWorkflowTaskExecutions) {
    if (set('maxConcurrentWorkflowTaskExecutions')) {
      throw new Error(`${VARIABLES.maxConcurrentWorkflowTaskExecutions}=${tuning.maxConcurrentWorkflowTaskExecutions} is more than ${VARIABLES.maxCachedWorkflows}=${tuning.maxCachedWorkflows}`);
    }
    tuning.maxConcurrentWorkflowTaskExecutions = Math.max(2, tuning.maxCachedWorkflows);
    if (!set('maxConcurrentWorkflowTaskPolls')) tuning.maxConcurrentWorkflowTaskPolls = Math.min(tuning.maxConcurrentWorkflowTaskPolls, tuning.maxConcurrentWorkflowTaskExecutions);
  }
  if (tuning.maxConcurrentWorkflowTaskPolls > tuning.maxConcurrentWorkflowTaskExecutions) {
    throw new Error(`${VARIABLES.maxConcurrentWorkflowTaskPolls}=${tuning.maxConcurrentWorkflowTaskPolls} is more than ${VARIABLES.maxConcurrentWorkflowTaskExecutions}=${tuning.maxConcurrentWorkflowTaskExecutions}`);
  }
  return tuning;
}

/**
 * Whether the workflow thread records a stack for every promise a workflow creates, which is what Temporal's
 * `__stack_trace` query (the UI's "Stack Trace" tab) reads. `SLUICE_WORKFLOW_STACK_TRACES=1` turns it on; it is
 * off by default, because the SDK then captures and source-maps a stack at every `await` of every workflow and keeps
 * it while the promise is pending: about 13 % of the worker's CPU in a fleet's sync, and tens of KiB per cached
 * workflow (bench/RESULTS.md). patches/@temporalio+worker+*.patch makes the SDK honour the variable.
 */
export function workflowStackTraces(env: Record<string, string | undefined>): boolean {
  const raw = env.SLUICE_WORKFLOW_STACK_TRACES?.trim();
  if (!raw || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new Error(`SLUICE_WORKFLOW_STACK_TRACES=${raw}: expected 1 or 0`);
}
