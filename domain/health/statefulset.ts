import { generationPending, HealthCheck, num, specOf, statusOf } from './types';

export const statefulSetHealth: HealthCheck = (obj) => {
  const spec = specOf(obj);
  const status = statusOf(obj);
  if (num(status.observedGeneration) === 0 || generationPending(obj)) return { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' };
  const desired = num(spec.replicas, 1);
  const ready = num(status.readyReplicas);
  if (ready < desired) return { status: 'Progressing', message: `Waiting for ${desired - ready} pods to be ready...` };
  const strategy = (spec.updateStrategy as { type?: string; rollingUpdate?: { partition?: number } } | undefined) ?? {};
  if (strategy.type === 'OnDelete') return { status: 'Healthy', message: 'statefulset has OnDelete update strategy' };
  const partition = strategy.rollingUpdate?.partition;
  if (typeof partition === 'number' && partition > 0) {
    const updated = num(status.updatedReplicas);
    if (updated < desired - partition) return { status: 'Progressing', message: `Waiting for partitioned roll out to finish: ${updated} out of ${desired - partition} new pods have been updated...` };
    return { status: 'Healthy', message: `partitioned roll out complete: ${updated} new pods have been updated...` };
  }
  if (status.updateRevision !== status.currentRevision) return { status: 'Progressing', message: `waiting for statefulset rolling update to complete ${num(status.updatedReplicas)} pods at revision ${String(status.updateRevision)}...` };
  return { status: 'Healthy' };
};
