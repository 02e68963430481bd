import { condition, generationPending, HealthCheck, num, specOf, statusOf } from './types';

export const replicaSetHealth: HealthCheck = (obj) => {
  if (generationPending(obj)) return { status: 'Progressing', message: 'Waiting for rollout to finish: observed replica set generation less than desired generation' };
  const failure = condition(obj, 'ReplicaFailure');
  if (failure?.status === 'True') return { status: 'Degraded', message: failure.message };
  const desired = num(specOf(obj).replicas, 1);
  const available = num(statusOf(obj).availableReplicas);
  if (available < desired) return { status: 'Progressing', message: `Waiting for rollout to finish: ${available} out of ${desired} replicas are available...` };
  return { status: 'Healthy' };
};
