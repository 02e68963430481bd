// What an approver reads of a sync's plan: one line per step (phase/wave) naming what it applies, prunes and
// runs as hooks, bounded so that an app of thousands of resources still fits in its approval request.
import { SyncPlan, SyncTask } from './plan';

export interface StepSummary {
  /** "PreSync/0", "Sync/2", "SyncFail". */
  step: string;
  /** "Kind/name", with " (hook)" or " (prune)" after hooks and prunes, in plan order. */
  tasks: string[];
  /** How many more tasks the step has than `tasks` lists. */
  more?: number;
}

export const STEP_SUMMARY_BOUNDS = { steps: 50, tasksPerStep: 20 };

function label(task: SyncTask): string {
  const suffix = task.action === 'apply' ? '' : ` (${task.action})`;
  return `${task.key.kind}/${task.key.name}${suffix}`;
}

function summariseStep(step: string, tasks: SyncTask[], limit: number): StepSummary {
  const listed = tasks.slice(0, limit).map(label);
  return { step, tasks: listed, ...(tasks.length > listed.length ? { more: tasks.length - listed.length } : {}) };
}

/**
 * The plan's steps in order, SyncFail hooks last; at most `bounds.steps` steps and `bounds.tasksPerStep` tasks each.
 * Steps beyond the bound are folded into a last entry "(N more steps)" that counts their tasks.
 */
export function summariseSteps(plan: SyncPlan, bounds = STEP_SUMMARY_BOUNDS): StepSummary[] {
  const steps = plan.steps.map((s) => ({ step: `${s.phase}/${s.wave}`, tasks: s.tasks }));
  if (plan.syncFail.length > 0) steps.push({ step: 'SyncFail', tasks: plan.syncFail });
  const shown = steps.slice(0, bounds.steps).map((s) => summariseStep(s.step, s.tasks, bounds.tasksPerStep));
  const hidden = steps.slice(bounds.steps);
  if (hidden.length > 0) shown.push({ step: `(${hidden.length} more steps)`, tasks: [], more: hidden.reduce((n, s) => n + s.tasks.length, 0) });
  return shown;
}

/** One line per step, as the CLI prints them: "Sync/2: Deployment/web, Service/web (and 3 more)". */
export function stepLines(steps: StepSummary[]): string[] {
  return steps.map((s) => {
    const more = s.more ? `${s.tasks.length ? ' (and ' : ''}${s.more} more${s.tasks.length ? ')' : ' tasks'}` : '';
    return `${s.step}: ${s.tasks.join(', ')}${more}`;
  });
}
