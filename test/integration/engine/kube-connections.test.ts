// The worker's Kubernetes client keeps its TLS connections open and reuses them: a fleet makes thousands of
// requests, and a handshake each (a new agent, secure context and peer-certificate check per request) was the
// largest single cost in the worker's CPU profile. Counted from outside, by a TLS proxy in front of the real
// API server.
import { KubeClient } from '../../../activities/cluster/kube-client';
import { RecordingProxy, startKubeRecorder } from '../../support/recording-proxy';
import { stackEnv } from '../../support/stack';

let proxy: RecordingProxy & { kubeconfig: string };

beforeAll(async () => {
  proxy = await startKubeRecorder(stackEnv().KUBECONFIG);
});

afterAll(async () => {
  await proxy?.close();
});

test('sequential requests reuse one connection, and concurrent ones a bounded few', async () => {
  const client = KubeClient.fromFile(proxy.kubeconfig);
  for (let i = 0; i < 30; i++) await client.get('v1', 'Namespace', undefined, 'default');
  const sequential = proxy.connections();
  console.log(`30 sequential GETs: ${sequential} connections`);
  expect(sequential).toBeLessThanOrEqual(2);

  await Promise.all(Array.from({ length: 200 }, () => client.get('v1', 'Namespace', undefined, 'kube-system')));
  const concurrent = proxy.connections() - sequential;
  console.log(`200 concurrent GETs: ${concurrent} more connections`);
  expect(concurrent).toBeLessThanOrEqual(KubeClient.MAX_SOCKETS);
  expect(proxy.requests.length).toBeGreaterThanOrEqual(230);
});
