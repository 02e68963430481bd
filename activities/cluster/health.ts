// Health probe (fluxcd/pkg ssa manager_wait): reads each applied object and judges it with the per-kind
// rules, which look at observedGeneration so a status from before the apply is never taken as Healthy.
import { healthOf, Health, HealthStatus, worst } from '../../domain/health';
import { keyOf, subjectOf } from '../../domain/resource/identity';
import { KubeObject } from '../../domain/resource/types';
import { mapLimit } from './concurrency';
import { LiveReader } from './live-cache';

export interface ResourceHealth extends Health {
  subject: string;
}

export interface HealthReport {
  status: HealthStatus;
  resources: ResourceHealth[];
}

export async function probeHealth(client: LiveReader, objects: KubeObject[]): Promise<HealthReport> {
  const resources = await mapLimit(objects, 8, async (obj) => {
    const live = await client.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
    return { subject: subjectOf(keyOf(obj)), ...healthOf(live) };
  });
  return { status: worst(resources.map((r) => r.status)), resources };
}
