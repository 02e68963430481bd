// An Application's health: its worst resource's, except that a source which renders nothing is never Healthy.
// worst([]) is Healthy, which reported Argo CD's jsonnet-guestbook (whose .jsonnet files were not rendered)
// as Synced and Healthy with nothing deployed. Missing says what is true: nothing the app declares exists.
import { Health, HealthStatus, worst } from './types';

export interface AppHealthInput {
  resources: Health[];
  /** How many objects the source rendered (resources and hooks alike). */
  rendered: number;
  /** spec.syncPolicy.automated.allowEmpty: an app that declares nothing on purpose. */
  allowEmpty: boolean;
}

export const EMPTY_SOURCE_MESSAGE = 'the source renders no resources';

export function applicationHealth(input: AppHealthInput): { status: HealthStatus; message?: string } {
  if (input.rendered === 0 && !input.allowEmpty) return { status: 'Missing', message: EMPTY_SOURCE_MESSAGE };
  const status = worst(input.resources.map((r) => r.status));
  return { status, message: input.resources.find((r) => r.status === status && r.message)?.message };
}
