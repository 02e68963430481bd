// Which Secret events regenerate the sets that read clusters: fed the events a live-object cache would emit.
import type { Logger } from 'pino';
import { LiveEventListener, LiveObjectCache, WatchScope } from '../../../activities/cluster/live-cache';
import { KubeObject } from '../../../domain/resource/types';
import { ClusterSecretWatch, secretTypeScopes } from '../../../worker/cluster-secrets';

const ARGO = 'argocd.argoproj.io/secret-type';
const SLUICE = 'sluice.dev/secret-type';
const secret = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'sluice', labels } });
const scope = (labelKey: string, namespace = 'sluice'): WatchScope => ({ apiVersion: 'v1', kind: 'Secret', namespace, labelKey });

function harness() {
  const listeners: LiveEventListener[] = [];
  const watched: WatchScope[] = [];
  const live = { subscribe: (l: LiveEventListener) => listeners.push(l), watch: (s: WatchScope) => watched.push(s) } as unknown as LiveObjectCache;
  let changes = 0;
  const logger = { info: () => undefined } as unknown as Logger;
  const watch = new ClusterSecretWatch(live, 'sluice', () => changes++, logger, 0);
  const emit = async (s: WatchScope, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => {
    for (const l of listeners) l(s, type, obj);
    await new Promise((resolve) => setTimeout(resolve, 5));
  };
  return { watch, watched, emit, changes: () => changes };
}

test('it starts the registry\'s Secret watches in the control namespace, under both labels', () => {
  const { watch, watched } = harness();
  expect(watched).toEqual(secretTypeScopes('sluice'));
  expect(watched.map((s) => s.labelKey).sort()).toEqual([ARGO, SLUICE]);
  watch.stop();
});

test.each<[string, Array<[WatchScope, 'ADDED' | 'MODIFIED' | 'DELETED', KubeObject]>, number]>([
  ['a cluster Secret added', [[scope(ARGO), 'ADDED', secret('c', { [ARGO]: 'cluster' })]], 1],
  ['a cluster Secret relabelled', [[scope(ARGO), 'ADDED', secret('c', { [ARGO]: 'cluster' })], [scope(ARGO), 'MODIFIED', secret('c', { [ARGO]: 'cluster', env: 'x' })]], 2],
  ['a cluster Secret deleted', [[scope(SLUICE), 'ADDED', secret('c', { [SLUICE]: 'cluster' })], [scope(SLUICE), 'DELETED', secret('c', { [SLUICE]: 'cluster' })]], 2],
  ['a cluster Secret turned into a repository Secret', [[scope(ARGO), 'ADDED', secret('c', { [ARGO]: 'cluster' })], [scope(ARGO), 'MODIFIED', secret('c', { [ARGO]: 'repository' })]], 2],
  ['a repository Secret added and edited', [[scope(ARGO), 'ADDED', secret('r', { [ARGO]: 'repository' })], [scope(ARGO), 'MODIFIED', secret('r', { [ARGO]: 'repository', x: 'y' })]], 0],
  ['a cluster-labelled Secret in another namespace', [[scope(ARGO, 'other'), 'ADDED', secret('c', { [ARGO]: 'cluster' })]], 0],
  ['a tracked object of another watch', [[{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: '', labelKey: 'app.kubernetes.io/instance' }, 'MODIFIED', secret('c', { [ARGO]: 'cluster' })]], 0],
])('%s', async (_name, events, expected) => {
  const { watch, emit, changes } = harness();
  for (const [s, type, obj] of events) await emit(s, type, obj);
  expect(changes()).toBe(expected);
  watch.stop();
});

test('a burst (one Secret under both labels) is one change', async () => {
  const listeners: LiveEventListener[] = [];
  const live = { subscribe: (l: LiveEventListener) => listeners.push(l), watch: () => undefined } as unknown as LiveObjectCache;
  let burst = 0;
  const debounced = new ClusterSecretWatch(live, 'sluice', () => burst++, { info: () => undefined } as unknown as Logger, 20);
  for (const label of [ARGO, SLUICE]) for (const l of listeners) l(scope(label), 'ADDED', secret('c', { [ARGO]: 'cluster', [SLUICE]: 'cluster' }));
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(burst).toBe(1);
  debounced.stop();
});
