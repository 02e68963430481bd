// Which replica runs the controllers: leader election on a Lease in the control namespace, from the environment.
//   SLUICE_LEADER_ELECTION                 true (default) or false: without it every replica acts as the leader
//                                          (one replica only, or a developer's worker)
//   SLUICE_LEADER_ELECTION_LEASE           the Lease's name: `sluice-controller`, or, for a worker scoped by
//                                          SLUICE_APP_SELECTOR, `sluice-controller-<hash of the selector>`, so each
//                                          shard elects its own leader
//   SLUICE_LEADER_ELECTION_LEASE_DURATION  15s: how long another replica waits, after it last saw the Lease change,
//                                          before it takes it
//   SLUICE_LEADER_ELECTION_RENEW_DEADLINE  10s: a leader that has not renewed for this long stops leading
//   SLUICE_LEADER_ELECTION_RETRY_PERIOD    2s: how often a replica reads (and a leader renews) the Lease
//   POD_NAME is the holder identity (else the host name and the pid).
import { DEFAULT_TIMING, ElectionConfig, timingProblem } from '../domain/leader/election';
import { parseDuration } from '../domain/duration';
import { stableHash } from '../domain/hash';

export const LEASE_NAME = 'sluice-controller';

export interface LeaderElectionSettings extends ElectionConfig {
  enabled: boolean;
  namespace: string;
  name: string;
}

/** The Lease a worker competes for: one per set of Applications served (a label selector is a shard). */
export function defaultLeaseName(selector: string | undefined): string {
  const scope = selector?.trim();
  return scope ? `${LEASE_NAME}-${stableHash(scope).slice(0, 10)}` : LEASE_NAME;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const TIMING_VARIABLES = {
  leaseDurationMs: 'SLUICE_LEADER_ELECTION_LEASE_DURATION',
  renewDeadlineMs: 'SLUICE_LEADER_ELECTION_RENEW_DEADLINE',
  retryPeriodMs: 'SLUICE_LEADER_ELECTION_RETRY_PERIOD',
} as const;

/** The settings the environment asks for; a bad value is an error naming its variable. */
export function leaderElectionSettings(env: Record<string, string | undefined>, host: { hostname: string; pid: number }): LeaderElectionSettings {
  const enabled = env.SLUICE_LEADER_ELECTION?.trim() || 'true';
  if (enabled !== 'true' && enabled !== 'false') throw new Error(`SLUICE_LEADER_ELECTION=${enabled}: expected true or false`);
  const timing: Record<keyof typeof TIMING_VARIABLES, number> = { ...DEFAULT_TIMING };
  for (const [field, variable] of Object.entries(TIMING_VARIABLES) as Array<[keyof typeof TIMING_VARIABLES, string]>) {
    const raw = env[variable]?.trim();
    if (!raw) continue;
    const ms = parseDuration(raw);
    if (ms === undefined || ms <= 0) throw new Error(`${variable}=${raw}: expected a positive duration such as 15s`);
    timing[field] = ms;
  }
  const problem = timingProblem(timing);
  if (problem) throw new Error(`${Object.values(TIMING_VARIABLES).map((v) => `${v}=${env[v]?.trim() || 'default'}`).join(', ')}: ${problem}`);
  const name = env.SLUICE_LEADER_ELECTION_LEASE?.trim() || defaultLeaseName(env.SLUICE_APP_SELECTOR);
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) throw new Error(`SLUICE_LEADER_ELECTION_LEASE=${name}: expected a DNS subdomain name (lower case letters, digits, '-' and '.')`);
  // A pod's name is unique while it lives, and a container restarted in it (its predecessor dead) takes its Lease
  // back at once instead of waiting a lease duration, as client-go's leader election does with the pod name. Without
  // one, the host name and pid tell processes apart.
  const pod = env.POD_NAME?.trim();
  return { enabled: enabled === 'true', namespace: env.SLUICE_NAMESPACE?.trim() || 'sluice', name, identity: pod || `${host.hostname}_${host.pid}`, ...timing };
}
