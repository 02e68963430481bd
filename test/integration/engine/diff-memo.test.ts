// Dry-run only what changed, against the real API server: an object compared in sync is not dry-run again
// while its desired digest and live resourceVersion stand; an edit of either brings the dry-run back.
import { diffResources, knownInSync } from '../../../activities/cluster/diff';
import { DiffMemo } from '../../../activities/cluster/diff-memo';
import { KubeClient, observeKubeRequests } from '../../../activities/cluster/kube-client';
import { KubeObject } from '../../../domain/resource/types';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';

const kc = kubeConfig();
const kube = new KubeClient(kc);
let namespace: string;
const requests: string[] = [];

beforeAll(async () => {
  namespace = await createTestNamespace(kc, 'diffmemo');
  observeKubeRequests((verb) => requests.push(verb));
});
afterAll(() => deleteNamespace(kc, namespace));

const configMap = (mode: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data: { mode } });

async function diffCounting(memo: DiffMemo, desired: KubeObject): Promise<{ status: string; dryRuns: number }> {
  requests.length = 0;
  const { status } = await diffResources(kube, [desired], [], undefined, { memo });
  return { status, dryRuns: requests.filter((verb) => verb === 'APPLY').length };
}

test('an in-sync comparison is reused until the live object or the desired one changes', async () => {
  const memo = new DiffMemo();
  await kube.apply(configMap('one'));
  expect(await diffCounting(memo, configMap('one'))).toEqual({ status: 'Synced', dryRuns: 1 });
  expect(await diffCounting(memo, configMap('one'))).toEqual({ status: 'Synced', dryRuns: 0 });

  // A kubectl edit: a new resourceVersion, so the dry-run runs and sees the drift.
  await kube.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/settings`, { body: { data: { mode: 'edited' } }, contentType: 'application/merge-patch+json' });
  expect(await diffCounting(memo, configMap('one'))).toEqual({ status: 'OutOfSync', dryRuns: 1 });
  expect(await diffCounting(memo, configMap('one'))).toEqual({ status: 'OutOfSync', dryRuns: 1 });

  // A change in Git: a new digest, so the dry-run runs again.
  expect(await diffCounting(memo, configMap('edited'))).toEqual({ status: 'Synced', dryRuns: 1 });
  expect(await diffCounting(memo, configMap('edited'))).toEqual({ status: 'Synced', dryRuns: 0 });
  expect(await diffCounting(memo, configMap('two'))).toEqual({ status: 'OutOfSync', dryRuns: 1 });
});

test('asking which objects are known in sync reads nothing for an object never found in sync (a cold sync pays no extra GETs)', async () => {
  const memo = new DiffMemo();
  const fresh: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fresh', namespace }, data: { a: 'b' } };
  requests.length = 0;
  expect([...(await knownInSync(kube, memo, [fresh], undefined))]).toEqual([]);
  expect(requests).toEqual([]);

  await kube.apply(fresh);
  await diffResources(kube, [fresh], [], undefined, { memo });
  requests.length = 0;
  expect([...(await knownInSync(kube, memo, [fresh], undefined))]).toEqual([`/ConfigMap/${namespace}/fresh`]);
  expect(requests).toEqual(['GET']);
});
