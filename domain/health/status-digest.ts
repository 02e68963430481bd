// Which status changes can change an object's health. The drift watcher refreshes an app when one of these
// moves (a Deployment turning Available, a Job completing, a LoadBalancer getting its address), and ignores the
// rest of the status churn: resourceVersion, managedFields, heartbeat and probe times, messages.
import { stableHash } from '../hash';
import { KubeObject } from '../resource/types';

/** Counters and markers the per-kind health checks and kstatus read, across workload kinds. */
const STATUS_FIELDS = [
  'observedGeneration', 'phase',
  // Deployment, ReplicaSet, StatefulSet
  'replicas', 'readyReplicas', 'availableReplicas', 'updatedReplicas', 'unavailableReplicas', 'currentReplicas', 'currentRevision', 'updateRevision',
  // DaemonSet
  'desiredNumberScheduled', 'currentNumberScheduled', 'numberReady', 'numberAvailable', 'numberUnavailable', 'updatedNumberScheduled', 'numberMisscheduled',
  // Job
  'active', 'succeeded', 'failed', 'ready',
  // HorizontalPodAutoscaler
  'desiredReplicas',
] as const;

interface Condition { type?: string; status?: string; reason?: string }
interface ContainerStatus { name?: string; ready?: boolean; state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }

const conditions = (list: unknown): string[] | undefined =>
  Array.isArray(list) ? (list as Condition[]).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`).sort() : undefined;

const containers = (list: unknown): string[] | undefined =>
  Array.isArray(list)
    ? (list as ContainerStatus[]).map((c) => `${c.name}:${c.ready ? 'ready' : 'not-ready'}:${c.state?.waiting?.reason ?? ''}:${c.state?.terminated?.reason ?? ''}`).sort()
    : undefined;

/** The parts of `obj`'s status that health reads, in a stable shape (no times, no messages). */
export function healthRelevantStatus(obj: KubeObject): Record<string, unknown> {
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const relevant: Record<string, unknown> = {};
  for (const field of STATUS_FIELDS) if (status[field] !== undefined) relevant[field] = status[field];
  const loadBalancer = status.loadBalancer as { ingress?: unknown } | undefined;
  if (loadBalancer?.ingress !== undefined) relevant.loadBalancerIngress = loadBalancer.ingress;
  relevant.conditions = conditions(status.conditions);
  relevant.containers = containers(status.containerStatuses);
  relevant.initContainers = containers(status.initContainerStatuses);
  // An Application (app of apps) reports its own health.
  relevant.health = (status.health as { status?: string } | undefined)?.status;
  relevant.deleting = !!obj.metadata.deletionTimestamp;
  return relevant;
}

/** A short digest of the health-relevant status, to keep one per watched object. */
export function healthDigest(obj: KubeObject): string {
  return stableHash(JSON.stringify(healthRelevantStatus(obj)));
}

/** What the watcher remembers of each object between events. */
export interface ObservedState {
  /** metadata.generation; undefined for kinds without one (ConfigMap, Secret). */
  generation?: number;
  health: string;
}

export function observe(obj: KubeObject): ObservedState {
  return { generation: obj.metadata.generation, health: healthDigest(obj) };
}

/**
 * Why a modified object matters to its app: `spec` (drift to heal: a new generation, or any change to a kind
 * without generations), `health` (a status change health reads), or `none` (status churn).
 */
export function modification(before: ObservedState | undefined, after: ObservedState): 'spec' | 'health' | 'none' {
  if (after.generation === undefined || before?.generation !== after.generation) return 'spec';
  return before.health === after.health ? 'none' : 'health';
}
