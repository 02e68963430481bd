import { defaultLeaseName, leaderElectionSettings, LEASE_NAME } from '../../../config/leader-election';

const host = { hostname: 'node-7', pid: 4242 };

describe('leaderElectionSettings', () => {
  test.each<[string, Record<string, string>, object]>([
    ['nothing set: on, controller-runtime\'s timing, the Lease sluice-controller in sluice', {}, {
      enabled: true, namespace: 'sluice', name: 'sluice-controller', identity: 'node-7_4242', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
    }],
    ['off', { SLUICE_LEADER_ELECTION: 'false' }, { enabled: false }],
    ['the control namespace', { SLUICE_NAMESPACE: 'gitops' }, { namespace: 'gitops' }],
    ['the pod name is the identity (a container restarted in the pod takes its Lease back at once)', { POD_NAME: 'sluice-worker-5d9c-x2' }, { identity: 'sluice-worker-5d9c-x2' }],
    ['timing', { SLUICE_LEADER_ELECTION_LEASE_DURATION: '30s', SLUICE_LEADER_ELECTION_RENEW_DEADLINE: '20s', SLUICE_LEADER_ELECTION_RETRY_PERIOD: '500ms' }, {
      leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 500,
    }],
    ['a Lease named explicitly', { SLUICE_LEADER_ELECTION_LEASE: 'sluice-prod', SLUICE_APP_SELECTOR: 'env=prod' }, { name: 'sluice-prod' }],
    ['a shard (label selector) has a Lease of its own', { SLUICE_APP_SELECTOR: 'env=prod' }, { name: defaultLeaseName('env=prod') }],
  ])('%s', (_name, env, expected) => {
    expect(leaderElectionSettings(env, host)).toMatchObject(expected);
  });

  test('each selector gets its own Lease name, a valid one, stable from one start to the next', () => {
    const names = ['env=prod', 'env=staging', 'team in (a,b),tier!=db'].map(defaultLeaseName);
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(name).toMatch(/^sluice-controller-[0-9a-f]{10}$/);
    expect(defaultLeaseName(' env=prod ')).toBe(names[0]);
    expect(defaultLeaseName(undefined)).toBe(LEASE_NAME);
    expect(defaultLeaseName('')).toBe(LEASE_NAME);
  });

  test.each<[Record<string, string>, string]>([
    [{ SLUICE_LEADER_ELECTION: 'yes' }, 'SLUICE_LEADER_ELECTION=yes: expected true or false'],
    [{ SLUICE_LEADER_ELECTION_RETRY_PERIOD: 'often' }, 'SLUICE_LEADER_ELECTION_RETRY_PERIOD=often: expected a positive duration such as 15s'],
    [{ SLUICE_LEADER_ELECTION_RENEW_DEADLINE: '20s' }, 'SLUICE_LEADER_ELECTION_RENEW_DEADLINE=20s, SLUICE_LEADER_ELECTION_RETRY_PERIOD=default: the lease duration must be longer than the renew deadline'],
    [{ SLUICE_LEADER_ELECTION_LEASE: 'Sluice_Controller' }, 'SLUICE_LEADER_ELECTION_LEASE=Sluice_Controller: expected a DNS subdomain name'],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => leaderElectionSettings(env, host)).toThrow(message);
  });
});
