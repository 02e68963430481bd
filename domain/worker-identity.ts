// How a Sluice worker names itself to Temporal, `sluice-worker/<version> <pid>@<host>`, and how `sluice version`
// reads the versions back off the pollers of a task queue. Temporal records the identity on every task a worker
// takes, so the UI's event history shows which version ran each step too.
const PREFIX = 'sluice-worker/';

export function workerIdentity(version: string, pid: number, host: string): string {
  return `${PREFIX}${version} ${pid}@${host}`;
}

/** The version a poller's identity carries (undefined for a poller that is not a Sluice worker), and which process it is. */
export function parseWorkerIdentity(identity: string): { version?: string; instance: string } {
  const match = /^sluice-worker\/(\S+)(?: (.+))?$/.exec(identity.trim());
  if (!match) return { instance: identity };
  return { version: match[1], instance: match[2] ?? identity };
}

export interface Poller {
  identity: string;
  lastAccessTime?: Date;
}

export interface WorkerVersion {
  /** `unknown` for pollers that are not Sluice workers (or were started before workers named their version). */
  version: string;
  /** One per process: `pid@host`, or the whole identity of a poller that is not a Sluice worker. */
  instances: string[];
  /** The most recent poll of any of them. */
  lastPolledAt?: string;
}

/** The distinct versions among `pollers` (one process may poll several task queue types), newest version first. */
export function workerVersions(pollers: Poller[]): WorkerVersion[] {
  const byVersion = new Map<string, { instances: Set<string>; last?: number }>();
  for (const poller of pollers) {
    const { version = 'unknown', instance } = parseWorkerIdentity(poller.identity);
    const entry = byVersion.get(version) ?? { instances: new Set<string>() };
    entry.instances.add(instance);
    const at = poller.lastAccessTime?.getTime();
    if (at !== undefined && (entry.last === undefined || at > entry.last)) entry.last = at;
    byVersion.set(version, entry);
  }
  return [...byVersion.entries()]
    .sort(([a], [b]) => (a === 'unknown' ? 1 : b === 'unknown' ? -1 : b.localeCompare(a, 'en', { numeric: true })))
    .map(([version, { instances, last }]) => ({ version, instances: [...instances].sort(), ...(last === undefined ? {} : { lastPolledAt: new Date(last).toISOString() }) }));
}
