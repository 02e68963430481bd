// The leader-election loop (worker/leader-election.ts) against the real API server, with short timings: two
// replicas compete for one Lease; the leader is cut off from the API server (a proxy taken down) and stops leading
// at its renew deadline, before the other takes the Lease once it lapsed; back online, it stays a follower; a
// leader that stops hands the Lease back, and the other leads at once instead of waiting for it to lapse.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { KubeClient } from '../../../activities/cluster/kube-client';
import { LeaderElectionSettings } from '../../../config/leader-election';
import { LeaseElector } from '../../../worker/leader-election';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../../support/kube';
import { stackEnv } from '../../support/stack';
import { startSwitchableProxy, SwitchableProxy } from '../../support/tcp-proxy';

const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 400 };
const logger = pino({ level: 'silent' });
const kube = KubeClient.fromFile(stackEnv().KUBECONFIG);
let namespace: string;
let proxy: SwitchableProxy;
let proxiedConfig: string;
const electors: LeaseElector[] = [];

beforeAll(async () => {
  namespace = await createTestNamespace(kubeConfig(), 'lease');
  const original = fs.readFileSync(stackEnv().KUBECONFIG, 'utf8');
  const server = new URL(/server: (\S+)/.exec(original)![1]);
  proxy = await startSwitchableProxy({ host: server.hostname, port: Number(server.port) });
  proxiedConfig = path.join(os.tmpdir(), `sluice-lease-${process.pid}.kubeconfig`);
  // The same credentials and CA, another port: the server's certificate names the host, not the port.
  fs.writeFileSync(proxiedConfig, original.replace(/server: \S+/g, `server: https://${server.hostname}:${proxy.port}`), { mode: 0o600 });
});

afterAll(async () => {
  for (const e of electors) await e.stop();
  await proxy.close();
  fs.rmSync(proxiedConfig, { force: true });
  await deleteNamespace(kubeConfig(), namespace);
});

/** An elector, and the times it started and stopped leading. */
function elector(identity: string, client: KubeClient) {
  const settings: LeaderElectionSettings = { enabled: true, namespace, name: 'sluice-controller', identity, ...TIMING };
  const e = new LeaseElector(client, settings, logger);
  electors.push(e);
  const changes: Array<{ leading: boolean; at: number }> = [];
  e.onChange((leading) => changes.push({ leading, at: Date.now() }));
  return { e, changes };
}

const lease = async () => (await kube.get('coordination.k8s.io/v1', 'Lease', namespace, 'sluice-controller')) as unknown as { spec: { holderIdentity: string; leaseTransitions: number; leaseDurationSeconds: number } };

test('one leader at a time: a cut-off leader stops at its renew deadline, before the other takes the lapsed Lease; a stopping leader hands it back', async () => {
  const a = elector('replica-a_1', KubeClient.fromFile(proxiedConfig));
  const b = elector('replica-b_2', kube);
  await a.e.start();
  expect(a.e.leading).toBe(true);
  await b.e.start();
  expect(b.e.leading).toBe(false);
  expect(await lease()).toMatchObject({ spec: { holderIdentity: 'replica-a_1', leaseTransitions: 0, leaseDurationSeconds: 3 } });
  await eventually('B to see A renew the Lease', async () => (b.e.holder === 'replica-a_1' ? true : undefined), 10_000);

  // A is cut off from the API server: it stops at its renew deadline; B takes over only once the Lease lapsed.
  const cut = Date.now();
  await proxy.down();
  await eventually('B to lead', async () => (b.e.leading ? true : undefined), 15_000);
  const aStopped = a.changes.find((c) => !c.leading)?.at;
  const bStarted = b.changes.find((c) => c.leading)!.at;
  console.log(`cut at 0 ms: A stopped leading at ${aStopped! - cut} ms, B started at ${bStarted - cut} ms`);
  expect(aStopped).toBeDefined();
  expect(a.e.leading).toBe(false);
  expect(aStopped! - cut).toBeLessThanOrEqual(TIMING.renewDeadlineMs + 200);
  expect(bStarted).toBeGreaterThan(aStopped!);
  expect(bStarted - cut).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs);
  expect(await lease()).toMatchObject({ spec: { holderIdentity: 'replica-b_2', leaseTransitions: 1 } });

  // Back online, A reads a Lease B keeps renewing: it follows.
  await proxy.up();
  await eventually('A to see B hold the Lease', async () => (a.e.holder === 'replica-b_2' ? true : undefined), 10_000);
  expect(a.e.leading).toBe(false);
  expect(a.changes.filter((c) => c.leading)).toHaveLength(1);

  // B stops: it hands the Lease back, and A leads well before the Lease would have lapsed.
  const stopped = Date.now();
  await b.e.stop();
  expect(b.e.leading).toBe(false);
  await eventually('A to lead again', async () => (a.e.leading ? true : undefined), 10_000);
  console.log(`B handed the Lease back; A led ${Date.now() - stopped} ms later`);
  expect(Date.now() - stopped).toBeLessThan(TIMING.leaseDurationMs);
  expect(await lease()).toMatchObject({ spec: { holderIdentity: 'replica-a_1', leaseTransitions: 2 } });
});
