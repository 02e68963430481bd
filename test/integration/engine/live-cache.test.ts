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

beforeAll(async () => {
  namespace = await createTestNamespace(kc, 'livecache');
  observeKubeRequests(() => requests++);
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
