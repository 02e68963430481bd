import { generationPending, HealthCheck, num, specOf, statusOf } from './types';

export const daemonSetHealth: HealthCheck = (obj) => {
  const status = statusOf(obj);
  if (generationPending(obj)) return { status: 'Progressing', message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation' };
  const strategy = specOf(obj).updateStrategy as { type?: string } | undefined;
  if (strategy?.type === 'OnDelete') return { status: 'Healthy', message: 'daemon set has OnDelete update strategy' };
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  if (updated < desired) return { status: 'Progressing', message: `Waiting for daemon set rollout to finish: ${updated} out of ${desired} new pods have been updated...` };
  if (available < desired) return { status: 'Progressing', message: `Waiting for daemon set rollout to finish: ${available} of ${desired} updated pods are available...` };
  return { status: 'Healthy' };
};
