import { condition, HealthCheck } from './types';

export const apiServiceHealth: HealthCheck = (obj) => {
  const available = condition(obj, 'Available');
  if (available?.status === 'True') return { status: 'Healthy' };
  return { status: 'Progressing', message: available?.message ?? 'Waiting for the APIService to be available' };
};
