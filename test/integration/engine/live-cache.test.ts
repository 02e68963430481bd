// The live-object cache against the real API server: once its watch has listed a kind, it answers GET and
// LIST of tracked objects without requests, follows edits and deletions, and sends anything it cannot
// answer (an unlabelled object, an unsupported selector) to the API server.
import { KubeClient, observeKubeRequests } from '../../../activities/cluster/kube-client';
import { LiveObjectCache } from '../../../activities/cluster/live-cache';
import { TRACKING_LABEL } from '../../../domain/resource/identity';
import { KubeObject } from '../../../domain/resource/types';
import { createTestNamespace, deleteNamespace, eventually, kubeConfig } from '../../support/kube';

const kc = kubeConfig();
const kube = new KubeClient(kc);
const live = new LiveObjectCache(kube);
let namespace: string;
let requests = 0;
const lists: string[] = [];

beforeAll(async () => {
  namespace = await createTestNamespace(kc, 'livecache');
  observeKubeRequests((verb) => {
    requests++;
    lists.push(verb);
  });
});
afterAll(async () => {
  live.stop();
  await deleteNamespace(kc, namespace);
});

const configMap = (name: string, labels: Record<string, string>, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data });

test('serves tracked objects from the watch, follows edits and deletions, and falls back for what it does not hold', async () => {
  const selector = `${TRACKING_LABEL}=${namespace}_app`;
  await kube.apply(configMap('tracked', { [TRACKING_LABEL]: `${namespace}_app` }, { v: '1' }));
  await kube.apply(configMap('untracked', {}, { v: '1' }));
  live.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: '', labelKey: TRACKING_LABEL });
  await eventually('the watch to list the tracked ConfigMap', async () => {
    const before = requests;
    const items = await live.list('v1', 'ConfigMap', { labelSelector: selector });
    return requests === before && items.some((o) => o.metadata.name === 'tracked') ? true : undefined;
  }, 30_000);

  let before = requests;
  expect(((await live.get('v1', 'ConfigMap', namespace, 'tracked'))?.data as any).v).toBe('1');
  expect((await live.list('v1', 'ConfigMap', { labelSelector: selector })).map((o) => o.metadata.name)).toEqual(['tracked']);
  expect(requests - before).toBe(0);

  await kube.apply(configMap('tracked', { [TRACKING_LABEL]: `${namespace}_app` }, { v: '2' }));
  await eventually('the edit to reach the cache', async () => (((await live.get('v1', 'ConfigMap', namespace, 'tracked'))?.data as any).v === '2' ? true : undefined), 10_000);

  before = requests;
  expect(((await live.get('v1', 'ConfigMap', namespace, 'untracked'))?.data as any).v).toBe('1');
  expect(await live.list('v1', 'ConfigMap', { namespace, labelSelector: `${TRACKING_LABEL}!=x` })).toBeDefined();
  expect(requests - before).toBe(2);

  await kube.delete('v1', 'ConfigMap', namespace, 'tracked');
  await eventually('the deletion to reach the cache', async () => ((await live.list('v1', 'ConfigMap', { labelSelector: selector })).length === 0 ? true : undefined), 10_000);
});

test('a watch whose resourceVersion is too old (410 Gone) relists, and tells listeners what changed meanwhile', async () => {
  const scope = { apiVersion: 'v1', kind: 'ConfigMap', namespace, labelKey: 'livecache/gone' };
  await kube.apply(configMap('gone-a', { 'livecache/gone': 'x' }, { v: '1' }));
  const events: string[] = [];
  live.subscribe((s, type, obj) => {
    if (s.labelKey === scope.labelKey) events.push(`${type} ${obj.metadata.name} ${(obj.data as any)?.v}`);
  });
  live.watch(scope);
  await eventually('the first list', async () => (events.includes('ADDED gone-a 1') ? true : undefined), 10_000);
  // Only this test's objects are at stake: the watch is told to resume from a long-compacted version.
  const w = (live as any).watches.get(`v1/ConfigMap/${namespace}/livecache/gone`);
  await kube.apply(configMap('gone-a', { 'livecache/gone': 'x' }, { v: '2' }));
  await eventually('the edit', async () => (events.includes('MODIFIED gone-a 2') ? true : undefined), 10_000);
  lists.length = 0;
  w.resourceVersion = '1';
  w.abort();
  await kube.apply(configMap('gone-b', { 'livecache/gone': 'x' }, { v: '1' }));
  await eventually('the relist to see the new object', async () => ((await live.list('v1', 'ConfigMap', { namespace, labelSelector: 'livecache/gone=x' })).length === 2 ? true : undefined), 20_000);
  expect(lists.filter((verb) => verb === 'GET').length).toBeGreaterThanOrEqual(1);
  expect(events).toContain('ADDED gone-b 1');
});
