// End to end (issue 15, "Scaling across workers"): two workers on one task queue and selector, as two replicas of
// the Deployment. Exactly one holds the Lease and runs the controllers: only its sluice_controller_actions_total
// grows when CRs change, and an app created while both run is synced once per change. The leader is SIGKILLed:
// the other takes the Lease once it has lapsed (not before), lists every app, and syncs an app created after.
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { WorkerProcess } from '../support/worker';

const PORT = 19400;
const REPLICA_PORT = 19402;
const LEASE_DURATION_MS = 15_000;
const run = new E2eRun(PORT);
const CONTROL = run.workerEnv.SLUICE_NAMESPACE;

interface Replica { name: string; port: number; process: () => WorkerProcess }
let replicas: Replica[];

beforeAll(async () => {
  await run.start();
  const second = await run.startReplica(REPLICA_PORT);
  replicas = [{ name: 'worker 1', port: PORT, process: () => run.worker }, { name: 'worker 2', port: REPLICA_PORT, process: () => second }];
});
afterAll(() => run.stop());

// As E2eRun names its workers, like pods: POD_NAME is the holder identity.
const identity = (r: Replica) => `e2e-${run.runId}-${r.port}`;

/** A worker's sluice_leader and its controller actions, by controller, from its /metrics. */
async function scrape(r: Replica): Promise<{ leader: number; actions: Record<string, number>; total: number }> {
  const text = await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text();
  const actions: Record<string, number> = {};
  for (const m of text.matchAll(/^sluice_controller_actions_total\{controller="([a-z]+)"\} (\d+)/gm)) actions[m[1]] = Number(m[2]);
  const leader = /^sluice_leader\{lease="[^"]*"\} (\d+)/m.exec(text);
  if (!leader) throw new Error(`${r.name} reports no sluice_leader`);
  return { leader: Number(leader[1]), actions, total: Object.values(actions).reduce((a, b) => a + b, 0) };
}

const lease = async () => (await run.kube.get('coordination.k8s.io/v1', 'Lease', CONTROL, run.leaseName)) as unknown as { spec: { holderIdentity?: string; leaseTransitions?: number } } | undefined;

/** The replica holding the Lease, once exactly one says it leads and the Lease names it. */
const leaderOf = (among: Replica[], timeoutMs = 30_000) => eventually('exactly one worker to hold the Lease', async () => {
  const holder = (await lease())?.spec.holderIdentity;
  const states = await Promise.all(among.map(scrape));
  const leaders = among.filter((_, i) => states[i].leader === 1);
  return leaders.length === 1 && identity(leaders[0]) === holder ? leaders[0] : undefined;
}, timeoutMs);

const files = (value: string) => ({ 'app/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n` });

/** The sync workflows Temporal lists for an app. */
async function syncsOf(name: string): Promise<number> {
  let count = 0;
  for await (const _ of run.temporal.workflow.list({ query: `SluiceApplication = '${name}' AND SluiceKind = 'Sync'` })) count += 1;
  return count;
}

test('two workers: one holds the Lease and alone acts on CR changes; an app created while both run is synced once per change', async () => {
  const leader = await leaderOf(replicas);
  const follower = replicas.find((r) => r !== leader)!;
  console.log(`${leader.name} (${identity(leader)}) leads; ${follower.name} follows`);
  const before = await Promise.all([scrape(leader), scrape(follower)]);

  const { namespace, name, repo } = await run.scenario('lease', files('one'));
  const first = repo.git('rev-parse', 'HEAD');
  await run.waitForOperation(namespace, name, 'Succeeded', first);
  const second = await run.push(repo, namespace, name, 'change', files('two'));
  await run.waitForOperation(namespace, name, 'Succeeded', second);
  // A spec change (a new generation) wakes the app's workflow: the leader's controller, not the follower's.
  await run.kube.request('PATCH', `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/${name}`, {
    body: { spec: { info: [{ name: 'owner', value: 'team-a' }] } }, contentType: 'application/merge-patch+json',
  });
  await eventually('the leader to act on the spec change', async () => ((await scrape(leader)).actions.application ?? 0) >= (before[0].actions.application ?? 0) + 2 ? true : undefined);

  const after = await Promise.all([scrape(leader), scrape(follower)]);
  console.log(`controller actions: leader ${JSON.stringify(before[0].actions)} -> ${JSON.stringify(after[0].actions)}; follower ${JSON.stringify(before[1].actions)} -> ${JSON.stringify(after[1].actions)}`);
  expect(after[0].leader).toBe(1);
  expect(after[1].leader).toBe(0);
  expect(after[1].total).toBe(before[1].total);
  expect(after[1].total).toBe(0);
  // Synced once per change: two commits, two syncs, two history entries.
  const app = await run.application(namespace, name);
  expect(app.status.history.map((h: { revision: string }) => h.revision)).toEqual([first, second]);
  expect(await eventually('Temporal to list both syncs', async () => ((await syncsOf(name)) >= 2 ? syncsOf(name) : undefined))).toBe(2);
});

test('the leader SIGKILLed: the other takes the Lease once it has lapsed, lists every app, and syncs an app created after', async () => {
  const leader = await leaderOf(replicas);
  const survivor = replicas.find((r) => r !== leader)!;
  const transitions = (await lease())!.spec.leaseTransitions ?? 0;
  const before = await scrape(survivor);
  expect(before.leader).toBe(0);

  const killed = Date.now();
  await leader.process().stop('SIGKILL');
  const took = await eventually('the survivor to take the Lease', async () => {
    const [state, held] = await Promise.all([scrape(survivor), lease()]);
    return state.leader === 1 && held?.spec.holderIdentity === identity(survivor) ? Date.now() - killed : undefined;
  }, 60_000);
  console.log(`${survivor.name} took the Lease ${took} ms after ${leader.name} was SIGKILLed (leaseDuration ${LEASE_DURATION_MS} ms)`);
  // Not before the Lease lapsed: the killed leader renewed it at most one retry period (2 s) before it died.
  expect(took).toBeGreaterThanOrEqual(LEASE_DURATION_MS - 2_000 - 1_000);
  // And soon after: it reads the Lease every 2-4.4 s (jittered), so at most two reads past the lapse, and a slow machine.
  expect(took).toBeLessThanOrEqual(LEASE_DURATION_MS + 2 * 2.2 * 2_000 + 5_000);
  expect((await lease())!.spec.leaseTransitions).toBe(transitions + 1);
  expect(survivor.process().output()).toContain('this replica leads');
  // The new leader lists every app and signal-with-starts it (the first test's app is one).
  await eventually('the new leader to act on the apps it listed', async () => (((await scrape(survivor)).actions.application ?? 0) > (before.actions.application ?? 0) ? true : undefined));

  const namespace = await run.namespace('lease-after');
  const repo = await run.repo('lease-after');
  const head = repo.commit('initial', files('after'));
  await run.kube.create(applicationManifest({ name: namespace, namespace, repoURL: repo.url, destination: namespace, runId: run.runId }) as unknown as KubeObject);
  await run.waitForOperation(namespace, namespace, 'Succeeded', head);
  expect((await run.kube.get('v1', 'ConfigMap', namespace, 'settings'))?.data).toEqual({ value: 'after' });
}, 240_000);
