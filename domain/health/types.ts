import { KubeObject } from '../resource/types';

export type HealthStatus = 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

export interface Health {
  status: HealthStatus;
  message?: string;
}

export type HealthCheck = (obj: KubeObject) => Health;

/** Best to worst, as gitops-engine ranks them; an app's health is its worst child's. */
export const HEALTH_ORDER: HealthStatus[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

export function worst(statuses: HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((a, b) => (HEALTH_ORDER.indexOf(b) > HEALTH_ORDER.indexOf(a) ? b : a), 'Healthy');
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

type Obj = Record<string, unknown>;

export function statusOf(obj: KubeObject): Obj {
  return (obj.status as Obj | undefined) ?? {};
}

export function specOf(obj: KubeObject): Obj {
  return (obj.spec as Obj | undefined) ?? {};
}

export function conditions(obj: KubeObject): Condition[] {
  const list = statusOf(obj).conditions;
  return Array.isArray(list) ? (list as Condition[]) : [];
}

export function condition(obj: KubeObject, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' ? value : fallback;
}

/** True while the controller has not yet seen the latest spec: status would be stale. */
export function generationPending(obj: KubeObject): boolean {
  const observed = statusOf(obj).observedGeneration;
  return typeof obj.metadata.generation === 'number' && (typeof observed !== 'number' || observed < obj.metadata.generation);
}
