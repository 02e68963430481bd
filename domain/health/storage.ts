import { HealthCheck, statusOf } from './types';

export const persistentVolumeClaimHealth: HealthCheck = (obj) => {
  switch (statusOf(obj).phase) {
    case 'Bound':
      return { status: 'Healthy' };
    case 'Lost':
      return { status: 'Degraded', message: 'The claim lost its volume' };
    case 'Pending':
      return { status: 'Progressing', message: 'Waiting for the claim to be bound' };
    default:
      return { status: 'Unknown' };
  }
};
