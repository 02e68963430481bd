// The fallback for kinds without a rule of their own, after Flux's kstatus: observedGeneration first, then
// the Stalled, Ready and Reconciling conditions. Objects with no status at all are Healthy, as in Argo CD.
import { condition, generationPending, HealthCheck, statusOf } from './types';

export const kstatusHealth: HealthCheck = (obj) => {
  const status = statusOf(obj);
  if (Object.keys(status).length === 0) return { status: 'Healthy' };
  if ('observedGeneration' in status && generationPending(obj)) return { status: 'Progressing', message: 'Waiting for the controller to observe the latest generation' };
  const stalled = condition(obj, 'Stalled');
  if (stalled?.status === 'True') return { status: 'Degraded', message: stalled.message ?? stalled.reason };
  const reconciling = condition(obj, 'Reconciling');
  if (reconciling?.status === 'True') return { status: 'Progressing', message: reconciling.message ?? reconciling.reason };
  const ready = condition(obj, 'Ready');
  if (ready?.status === 'True') return { status: 'Healthy', message: ready.message };
  if (ready?.status === 'False') return { status: ready.reason?.includes('Fail') ? 'Degraded' : 'Progressing', message: ready.message ?? ready.reason };
  if (ready) return { status: 'Progressing', message: ready.message ?? 'Ready is Unknown' };
  return { status: 'Healthy' };
};
