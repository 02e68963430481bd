// When a cluster Secret changes, apps on that cluster move to watches made with its new client at once (the old
// watches stop), instead of at their next status change. The engine here is a stand-in that answers which client a
// destination gets; the clients are real but never connect (no kind is tracked, so no watch starts).
import pino from 'pino';
import { KubeClient } from '../../../activities/cluster/kube-client';
import { KubeConfig } from '../../../activities/cluster/k8s';
import { LiveObjectCache } from '../../../activities/cluster/live-cache';
import { Engine } from '../../../activities/engine';
import { AppRef } from '../../../domain/operation/types';
import { ClusterWatches } from '../../../worker/cluster-watches';
import { DriftWatcher } from '../../../worker/drift-watcher';

const logger = pino({ level: 'silent' });

function client(token: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }], users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x',
  });
  return new KubeClient(kc);
}

test('retrack moves an app whose cluster Secret now gives a new client to a new watcher; in-cluster apps stay', async () => {
  const local = client('local');
  const localDrift = new DriftWatcher(new LiveObjectCache(local, logger), async () => undefined, logger);
  const watches = new ClusterWatches(localDrift, async () => undefined, logger);
  let remote = client('old-token');
  const engine = {
    client: local,
    clusters: { forDestination: async (d: { name?: string }) => ({ cluster: { name: d.name, server: 'https://127.0.0.1:1', secret: 'sluice/cluster-staging', config: {}, labels: {} }, client: d.name === 'in-cluster' ? local : remote }) },
  } as unknown as Engine;
  watches.attach(engine);
  const staging: AppRef = { group: 'sluice.dev', namespace: 'apps', name: 'web-staging' };
  const dev: AppRef = { group: 'sluice.dev', namespace: 'apps', name: 'web-dev' };
  await watches.track(staging, [], { name: 'staging' });
  await watches.track(dev, [], { name: 'in-cluster' });
  const before = watches.watcherOf(staging);
  expect(before).toBeDefined();
  expect(before).not.toBe(localDrift);
  expect(watches.watcherOf(dev)).toBe(localDrift);

  // The Secret's token is rotated: the registry now builds a new client for it.
  remote = client('new-token');
  await watches.retrack();
  const after = watches.watcherOf(staging);
  expect(after).toBeDefined();
  expect(after).not.toBe(before);
  expect(watches.watcherOf(dev)).toBe(localDrift);
  expect(watches.liveFor(remote)).not.toBe(watches.liveFor(local));

  // Nothing changed since: tracking again keeps the same watcher.
  await watches.retrack();
  expect(watches.watcherOf(staging)).toBe(after);
  watches.stop();
});
