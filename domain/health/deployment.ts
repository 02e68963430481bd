import { condition, generationPending, HealthCheck, num, specOf, statusOf } from './types';

export const deploymentHealth: HealthCheck = (obj) => {
  const spec = specOf(obj);
  const status = statusOf(obj);
  if (spec.paused === true) return { status: 'Suspended', message: 'Deployment is paused' };
  if (generationPending(obj)) return { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' };
  if (condition(obj, 'Progressing')?.reason === 'ProgressDeadlineExceeded') {
    return { status: 'Degraded', message: `Deployment ${obj.metadata.name} has exceeded its progress deadline` };
  }
  const desired = num(spec.replicas, 1);
  const updated = num(status.updatedReplicas);
  const replicas = num(status.replicas);
  const available = num(status.availableReplicas);
  if (updated < desired) return { status: 'Progressing', message: `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...` };
  if (replicas > updated) return { status: 'Progressing', message: `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...` };
  if (available < updated) return { status: 'Progressing', message: `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...` };
  return { status: 'Healthy' };
};
