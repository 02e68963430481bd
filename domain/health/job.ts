import { conditions, HealthCheck, specOf } from './types';

export const jobHealth: HealthCheck = (obj) => {
  let failed: string | undefined;
  let complete = false;
  for (const c of conditions(obj)) {
    if (c.status !== 'True') continue;
    if (c.type === 'Failed') failed = c.message ?? c.reason ?? 'Job failed';
    if (c.type === 'Complete') complete = true;
  }
  if (failed !== undefined) return { status: 'Degraded', message: failed };
  if (complete) return { status: 'Healthy', message: 'Job completed' };
  if (specOf(obj).suspend === true) return { status: 'Suspended', message: 'Job is suspended' };
  return { status: 'Progressing', message: 'Job is running' };
};
