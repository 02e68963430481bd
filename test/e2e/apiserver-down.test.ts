// End to end (issue 14, "API server down for 30 s"): the worker reaches the API server through a proxy that is
// taken down for 30 s while a sync waits in its second wave (on a Job whose pod needs a node label the test adds
// later). While it is down, the sync's pending health wait in Temporal names the Job and its Unknown health (the
// Application's status cannot be written: it lives on that API server). When the API server is back: the same sync completes, its later waves and PostSync hook run once, the
// prunes it owes (PruneLast) happen whole, and the Application watch and the drift watch work again without the worker
// being restarted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Watch } from '../../activities/cluster/k8s';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest, hookJob } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { stackEnv } from '../support/stack';
import { startSwitchableProxy, SwitchableProxy } from '../support/tcp-proxy';

const NODE = 'kwok-node-0';
let run: E2eRun;
let proxy: SwitchableProxy;
let kubeconfigFile: string;
let gate: string;
let stopWatch: (() => void) | undefined;

beforeAll(async () => {
  const original = fs.readFileSync(stackEnv().KUBECONFIG, 'utf8');
  const server = new URL(/server: (\S+)/.exec(original)![1]);
  proxy = await startSwitchableProxy({ host: server.hostname, port: Number(server.port) });
  kubeconfigFile = path.join(os.tmpdir(), `sluice-apiserver-down-${process.pid}.kubeconfig`);
  // The same credentials and CA, another port: the server's certificate names the host, not the port.
  fs.writeFileSync(kubeconfigFile, original.replace(/server: \S+/g, `server: https://${server.hostname}:${proxy.port}`), { mode: 0o600 });
  run = new E2eRun(18720, { KUBECONFIG: kubeconfigFile });
  gate = `sluice.dev/gate-${run.runId}`;
  await run.start();
});
afterAll(async () => {
  stopWatch?.();
  await run.kube.request('PATCH', `/api/v1/nodes/${NODE}`, { body: { metadata: { labels: { [gate]: null } } }, contentType: 'application/merge-patch+json' }).catch(() => undefined);
  await run.stop();
  await proxy.close();
  fs.rmSync(kubeconfigFile, { force: true });
});

const configMap = (name: string, wave: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  annotations: {argocd.argoproj.io/sync-wave: "${wave}"}\ndata: {wave: "${wave}"}\n`;
const gatedJob = (label: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: gated
  annotations: {argocd.argoproj.io/sync-wave: "2"}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {${label}: open}
      containers: [{name: main, image: busybox, command: ["true"]}]
`;
const postSync = hookJob('smoke', 'PostSync');

test('the API server unreachable for 30 s mid-wave: the sync resumes and completes, prunes whole, hooks once, and the drift watch heals without a restart', async () => {
  const namespace = await run.namespace('api-down');
  const repo = await run.repo('api-down');
  const first = repo.commit('two objects to prune later', { 'app/old-1.yaml': configMap('old-1', 0), 'app/old-2.yaml': configMap('old-2', 0) });
  const manifest = applicationManifest({ name: namespace, namespace, repoURL: repo.url, destination: namespace, runId: run.runId }) as { spec: { syncPolicy: Record<string, unknown> } };
  manifest.spec.syncPolicy.syncOptions = ['PruneLast=true'];
  await run.kube.create(manifest as unknown as KubeObject);
  await run.waitForOperation(namespace, namespace, 'Succeeded', first);

  const added: string[] = [];
  const controller = await new Watch(run.kc).watch(`/apis/batch/v1/namespaces/${namespace}/jobs`, {}, (type: string, obj: KubeObject) => {
    if (type === 'ADDED') added.push(obj.metadata.name!);
  }, () => undefined);
  stopWatch = () => controller.abort();

  const second = await run.push(repo, namespace, namespace, 'waves, a gated Job, a PostSync hook; the old objects go', {
    'app/old-1.yaml': null, 'app/old-2.yaml': null, 'app/one.yaml': configMap('one', 1), 'app/gated.yaml': gatedJob(gate), 'app/three.yaml': configMap('three', 3), 'app/postsync.yaml': postSync,
  });
  const waiting = await eventually('the sync to wait in wave 2', async () => {
    const op = (await run.application(namespace, namespace))?.status?.operationState;
    return op?.phase === 'Running' && op.operation?.sync?.revision === second && (await run.kube.get('batch/v1', 'Job', namespace, 'gated')) ? op : undefined;
  }, 60_000);
  const operationId = waiting.operation.operationId;
  const workerPid = run.worker.pid;

  await proxy.down();
  const downAt = Date.now();
  // The outage shows where it can be read while the API server holding the Application cannot: on the sync's
  // pending health wait in Temporal, whose heartbeat names the resource and why its health is Unknown.
  const handle = run.temporal.workflow.getHandle(`sluice-sync/${namespace}/${namespace}/${operationId}`);
  const shown = await eventually('the pending health wait to report the API server unreachable', async () => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    for (const activity of pending) {
      // An attempt that has not heartbeated yet shows nothing: read the next poll.
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const details = run.temporal.options.loadedDataConverter.payloadConverter.fromPayload<{ waiting?: { subject: string; health?: string }[] } | undefined>(payload);
      const unknown = details?.waiting?.find((w) => w.subject.includes('Job/') && /^Unknown: cannot read it: .*(ECONNREFUSED|ECONNRESET|socket hang up)/.test(w.health ?? ''));
      if (unknown) return unknown;
    }
    return undefined;
  }, 25_000);
  console.log(`during the outage, Temporal showed: ${shown.subject}: ${shown.health}`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, downAt + 30_000 - Date.now())));
  // Nothing moved while the worker could not reach the API server: no later wave, no prune.
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'three')).toBeUndefined();
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'old-1')).toBeDefined();
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'old-2')).toBeDefined();
  await proxy.up();
  console.log(`the API server was unreachable for ${((Date.now() - downAt) / 1000).toFixed(1)} s`);
  await run.kube.request('PATCH', `/api/v1/nodes/${NODE}`, { body: { metadata: { labels: { [gate]: 'open' } } }, contentType: 'application/merge-patch+json' });

  const done = await run.waitForOperation(namespace, namespace, 'Succeeded', second, 120_000).catch(async (error) => {
    console.log(JSON.stringify({ job: (await run.kube.get('batch/v1', 'Job', namespace, 'gated'))?.status, op: (await run.application(namespace, namespace))?.status?.operationState }, null, 1));
    console.log(run.worker.output().slice(-6000));
    throw error;
  });
  console.log(`resumed and completed ${((Date.now() - downAt) / 1000).toFixed(1)} s after the outage began`);
  expect(done.status.operationState.operation.operationId).toBe(operationId);
  expect(run.worker.pid).toBe(workerPid);
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'three')).toBeDefined();
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'old-1')).toBeUndefined();
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'old-2')).toBeUndefined();
  expect(added.filter((n) => n === 'smoke')).toHaveLength(1);
  expect(added.filter((n) => n === 'gated')).toHaveLength(1);

  // The Application watch came back by itself too: a spec change (a new generation) is refreshed long before the
  // 2-minute poll, as its status.observedGeneration shows.
  const patched = await run.kube.request<KubeObject>('PATCH', `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/${namespace}`, { body: { spec: { info: [{ name: 'after-outage', value: 'yes' }] } }, contentType: 'application/merge-patch+json' });
  await eventually('the spec change to be refreshed', async () => ((await run.application(namespace, namespace))?.status?.observedGeneration === patched.metadata.generation ? true : undefined), 30_000);
  // The drift watch came back by itself: an edit is healed long before the 2-minute poll.
  await run.kube.request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/one`, { body: { data: { wave: 'edited' } }, contentType: 'application/merge-patch+json' });
  await eventually('the edit to be healed by self-heal', async () => (((await run.kube.get('v1', 'ConfigMap', namespace, 'one'))?.data as Record<string, string> | undefined)?.wave === '1' ? true : undefined), 45_000);
}, 300_000);
