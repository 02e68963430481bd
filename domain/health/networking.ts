// Service (type LoadBalancer) and Ingress: Healthy once the load balancer reports an address.
import { HealthCheck, specOf, statusOf } from './types';

function hasIngress(status: Record<string, unknown>): boolean {
  const ingress = (status.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
  return Array.isArray(ingress) && ingress.length > 0;
}

export const serviceHealth: HealthCheck = (obj) => {
  if (specOf(obj).type !== 'LoadBalancer') return { status: 'Healthy' };
  return hasIngress(statusOf(obj)) ? { status: 'Healthy' } : { status: 'Progressing', message: 'Waiting for the load balancer address' };
};

export const ingressHealth: HealthCheck = (obj) =>
  hasIngress(statusOf(obj)) ? { status: 'Healthy' } : { status: 'Progressing', message: 'Waiting for the ingress address' };
