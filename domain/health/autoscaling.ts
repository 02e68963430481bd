import { condition, conditions, HealthCheck } from './types';

export const horizontalPodAutoscalerHealth: HealthCheck = (obj) => {
  const failing = conditions(obj).find((c) => c.status === 'False' && /^Failed/.test(c.reason ?? ''));
  if (failing) return { status: 'Degraded', message: failing.message ?? failing.reason };
  if (condition(obj, 'ScalingActive')?.status === 'True' || condition(obj, 'AbleToScale')?.status === 'True') return { status: 'Healthy' };
  return { status: 'Progressing', message: 'Waiting to autoscale' };
};
