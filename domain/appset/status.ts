// The ApplicationSet's status as Argo CD writes it: conditions ErrorOccurred, ParametersGenerated and
// ResourcesUpToDate ("True"/"False", with a reason and a message), and `resources`, one entry per generated
// Application with its sync and health. Sluice adds `conflicts` (names another set or a person owns) and
// `applicationsSync` holds (changes the policy kept from being made), so the reason nothing happened is on the set.
import { AppObject, Conflict, SetPlan } from './plan';

export interface SetCondition {
  type: 'ErrorOccurred' | 'ParametersGenerated' | 'ResourcesUpToDate';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface SetResource {
  apiVersion: string;
  kind: 'Application';
  name: string;
  namespace: string;
  status: string;
  health: { status: string };
}

export interface SetOutcome {
  /** Generating or rendering failed: nothing was applied. */
  generationError?: string;
  plan?: SetPlan;
  /** Writes that failed, one message each (naming the Application). */
  applyErrors: string[];
  /** The set's Applications as they are after this reconcile. */
  owned: AppObject[];
  /** Conflicts other sets reported on Applications this set owns. */
  reportedByOthers: Conflict[];
}

const str = (value: unknown, fallback: string) => (typeof value === 'string' && value ? value : fallback);

export function setResources(owned: AppObject[]): SetResource[] {
  return owned
    .map((app) => {
      const status = app.status ?? {};
      return {
        apiVersion: app.apiVersion, kind: 'Application' as const, name: app.metadata.name, namespace: app.metadata.namespace ?? '',
        status: str((status.sync as { status?: string } | undefined)?.status, 'Unknown'),
        health: { status: str((status.health as { status?: string } | undefined)?.status, 'Unknown') },
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The status to merge-patch: `conflicts` is null (removed) when there are none. */
export function setStatus(outcome: SetOutcome): { conditions: SetCondition[]; resources: SetResource[]; conflicts: Conflict[] | null } {
  const conflicts = [...(outcome.plan?.conflicts ?? []), ...outcome.reportedByOthers];
  const problems = [
    ...(outcome.generationError ? [outcome.generationError] : []),
    ...outcome.applyErrors,
    ...conflicts.map((c) => c.message),
  ];
  const conditions: SetCondition[] = [
    problems.length
      ? { type: 'ErrorOccurred', status: 'True', reason: outcome.generationError ? 'ApplicationGenerationFromParamsError' : conflicts.length ? 'ApplicationConflict' : 'ApplicationUpdateError', message: problems.join('; ') }
      : { type: 'ErrorOccurred', status: 'False', reason: 'ApplicationSetUpToDate', message: 'All applications have been generated successfully' },
    outcome.generationError
      ? { type: 'ParametersGenerated', status: 'False', reason: 'ErrorOccurred', message: outcome.generationError }
      : { type: 'ParametersGenerated', status: 'True', reason: 'ParametersGenerated', message: 'Successfully generated parameters for all Applications' },
  ];
  const held = outcome.plan?.held ?? [];
  const upToDate = !problems.length && !(outcome.plan?.waiting.length);
  conditions.push(upToDate
    ? { type: 'ResourcesUpToDate', status: 'True', reason: 'ApplicationSetUpToDate', message: held.length ? `All applications have been generated successfully; applicationsSync kept ${held.map((h) => `${h.application} from ${h.change === 'update' ? 'an update' : 'deletion'}`).join(', ')}` : 'All applications have been generated successfully' }
    : { type: 'ResourcesUpToDate', status: 'False', reason: outcome.generationError ? 'ApplicationGenerationFromParamsError' : 'ErrorOccurred', message: problems.length ? problems.join('; ') : `waiting for ${outcome.plan!.waiting.join(', ')} to finish deleting` });
  return { conditions, resources: setResources(outcome.owned), conflicts: conflicts.length ? conflicts : null };
}
