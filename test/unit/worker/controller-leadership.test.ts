// The controllers' two halves: every replica observes each Application event (the worker's webhooks and drift
// watches need to know the apps), and only the leader signal-with-starts its workflow. The Temporal client is a
// stand-in that records the starts; the kubeconfig points nowhere (no watch is started).
import pino from 'pino';
import { Client } from '@temporalio/client';
import { KubeConfig } from '../../../activities/cluster/k8s';
import { ApplicationController } from '../../../worker/controller';
import { Leadership } from '../../../worker/leader-election';

const logger = pino({ level: 'silent' });

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }], users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x',
  });
  return kc;
}

class Switch implements Leadership {
  leading = false;
  readonly listeners: Array<(leading: boolean) => void> = [];
  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }
}

function controller(leadership: Leadership) {
  const started: string[] = [];
  const observed: string[] = [];
  const client = { workflow: { signalWithStart: async (_wf: unknown, o: { workflowId: string }) => void started.push(o.workflowId) } } as unknown as Client;
  const c = new ApplicationController({
    kubeConfig: kubeConfig(), client, groups: ['sluice.dev'], logger, leadership, workflowOptions: { searchAttributes: false },
    onApplication: (app) => observed.push(app.name),
  });
  const event = (type: string, name: string, generation: number) =>
    (c as unknown as { onEvent(group: string, type: string, obj: unknown): void }).onEvent('sluice.dev', type, { metadata: { name, namespace: 'apps', generation } });
  return { c, started, observed, event };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('a follower observes every event and starts nothing; the same events on the leader start the workflows', async () => {
  const leadership = new Switch();
  const { started, observed, event } = controller(leadership);
  event('ADDED', 'web', 1);
  event('MODIFIED', 'web', 2);
  await flush();
  expect(observed).toEqual(['web', 'web']);
  expect(started).toEqual([]);

  leadership.leading = true;
  event('MODIFIED', 'web', 3);
  event('ADDED', 'api', 1);
  // A status-only update (same generation) wakes nothing, leader or not.
  event('MODIFIED', 'api', 1);
  await flush();
  expect(started).toEqual(['sluice-app/apps/web', 'sluice-app/apps/api']);
  expect(observed).toEqual(['web', 'web', 'web', 'api', 'api']);
});

test('a replica that stops leading starts nothing more, at once', async () => {
  const leadership = new Switch();
  leadership.leading = true;
  const { started, event } = controller(leadership);
  event('ADDED', 'web', 1);
  leadership.leading = false;
  event('MODIFIED', 'web', 2);
  event('DELETED', 'web', 2);
  await flush();
  expect(started).toEqual(['sluice-app/apps/web']);
});

test('a stopped controller acts on nothing, even while this replica leads', async () => {
  const leadership = new Switch();
  leadership.leading = true;
  const { c, started, event } = controller(leadership);
  c.stop();
  event('ADDED', 'web', 1);
  await flush();
  expect(started).toEqual([]);
});
