// Bounds on the per-resource lists of an Application's status, so the CR stays under etcd's request limit
// (1.5 MiB by default: a bigger write is refused with a 500 "etcdserver: request is too large") whatever the
// app's size, and a sync's status writes carry no payload that grows with it (issue 11, issue 14's
// "5,000 resources in one app"). A list over its bound keeps, in its own order: one entry of each kind (the
// next refresh looks for orphans of the kinds status.resources names), then the entries that need attention
// (failed, out of sync, unhealthy, running, hooks), then the others, as many as fit; a count gives the total.
// As Argo CD bounds an ApplicationSet's status.resources (5,000 entries, with status.resourcesCount).

export interface ListBound {
  entries: number;
  /** The list's size as JSON, at most. */
  bytes: number;
}

/** status.resources (written by a refresh) and status.operationState.syncResult.resources (by a sync). */
export const STATUS_RESOURCES_BOUND: ListBound = { entries: 5000, bytes: 768 * 1024 };
export const SYNC_RESULT_BOUND: ListBound = { entries: 1000, bytes: 256 * 1024 };
/** A write the API server refused for its size is made again with both lists cut to this. */
export const REFUSED_WRITE_BOUND: ListBound = { entries: 100, bytes: 32 * 1024 };

export interface Bounded<T> {
  items: T[];
  /** How many there are in all (items.length when nothing was left out). */
  total: number;
}

/**
 * The entries of `items` that fit `bound`, in their order: first one of each `kindOf`, then by `rank` (lowest
 * first), each rank in order, until the entry count or the byte size is reached.
 */
export function boundList<T>(items: T[], bound: ListBound, rank: (item: T) => number, kindOf: (item: T) => string): Bounded<T> {
  const sizes = items.map((item) => JSON.stringify(item).length + 1);
  if (items.length <= bound.entries && sizes.reduce((a, b) => a + b, 2) <= bound.bytes) return { items, total: items.length };
  const seenKinds = new Set<string>();
  const firstOfKind = items.map((item) => {
    const kind = kindOf(item);
    if (seenKinds.has(kind)) return false;
    seenKinds.add(kind);
    return true;
  });
  const ranks = items.map((item, i) => (firstOfKind[i] ? -1 : rank(item)));
  const order = items.map((_, i) => i).sort((a, b) => ranks[a] - ranks[b] || a - b);
  const kept = new Set<number>();
  let bytes = 2;
  for (const i of order) {
    if (kept.size >= bound.entries) break;
    if (bytes + sizes[i] > bound.bytes) continue;
    kept.add(i);
    bytes += sizes[i];
  }
  return { items: items.filter((_, i) => kept.has(i)), total: items.length };
}

interface ResourceEntry {
  group?: string;
  version?: string;
  kind: string;
  status?: string;
  health?: { status?: string };
  requiresPruning?: boolean;
}

/** status.resources, bounded: out of sync, unhealthy and orphaned resources are kept first. */
export function boundStatusResources<T extends ResourceEntry>(resources: T[], bound = STATUS_RESOURCES_BOUND): Bounded<T> {
  return boundList(resources, bound,
    (r) => (r.status !== 'Synced' || !!r.requiresPruning || (r.health?.status !== undefined && r.health.status !== 'Healthy') ? 0 : 1),
    (r) => `${r.group ?? ''}/${r.version ?? ''}/${r.kind}`);
}

interface TaskEntry {
  subject: string;
  action?: string;
  status: string;
}

const FAILED = new Set(['Failed', 'Degraded']);
const SETTLED = new Set(['Synced', 'Pruned', 'Healthy']);

/** A sync's tasks, bounded: failed ones first, then unsettled ones and hooks, then the rest. */
export function boundTasks<T extends TaskEntry>(tasks: T[], bound = SYNC_RESULT_BOUND): Bounded<T> {
  return boundList(tasks, bound, (t) => (FAILED.has(t.status) ? 0 : !SETTLED.has(t.status) || t.action === 'hook' ? 1 : 2), (t) => t.subject.split('/')[0]);
}
