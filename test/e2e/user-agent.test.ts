// Sluice names itself on every request, as the servers' logs see it: the worker and the CLI run as child
// processes against recording proxies in front of the real API server (TLS) and the real git server.
import { version } from '../../package.json';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { RecordedRequest, RecordingProxy, startHttpRecorder, startKubeRecorder } from '../support/recording-proxy';
import { stackEnv } from '../support/stack';

let kubeProxy: RecordingProxy & { kubeconfig: string };
let gitProxy: RecordingProxy;
let run: E2eRun;

beforeAll(async () => {
  kubeProxy = await startKubeRecorder(stackEnv().KUBECONFIG);
  gitProxy = await startHttpRecorder(stackEnv().SLUICE_GIT_URL);
  run = new E2eRun(18600, { KUBECONFIG: kubeProxy.kubeconfig });
  await run.start();
});

afterAll(async () => {
  await run?.stop();
  await kubeProxy?.close();
  await gitProxy?.close();
});

const agents = (requests: RecordedRequest[]) => [...new Set(requests.map((r) => r.userAgent ?? '(none)'))];

test('the worker and the CLI send User-Agent sluice/<version> (<component>) to Kubernetes, watches included, and to git', async () => {
  const namespace = await run.namespace('agent');
  const repo = await run.repo('agent');
  repo.commit('initial', { 'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: e2e\n' });
  const repoURL = `${gitProxy.url}/${repo.name}.git`;
  await run.kube.create(applicationManifest({ name: namespace, namespace, repoURL, destination: namespace, runId: run.runId }) as unknown as KubeObject);
  await run.waitForOperation(namespace, namespace, 'Succeeded', repo.git('rev-parse', 'HEAD'));
  // The drift watcher starts a ConfigMap watch once the app's status lists one.
  await eventually('the drift watch on ConfigMaps', async () => (kubeProxy.requests.some((r) => r.path.startsWith('/api/v1/configmaps?') && r.path.includes('watch=true')) ? true : undefined));

  const worker = kubeProxy.requests.slice();
  expect(worker.some((r) => r.path.startsWith('/apis/sluice.dev/v1alpha1/applications?') && r.path.includes('watch=true'))).toBe(true);
  expect(worker.some((r) => r.method === 'PATCH')).toBe(true);
  expect(agents(worker)).toEqual([`sluice/${version} (worker)`]);
  expect(gitProxy.requests.length).toBeGreaterThan(0);
  expect(agents(gitProxy.requests)).toEqual([`sluice/${version} (worker)`]);

  const cli = await run.sluiceAsync({ KUBECONFIG: kubeProxy.kubeconfig }, 'app', 'get', namespace, '-n', namespace);
  expect(cli.out).toContain(namespace);
  expect(cli.code).toBe(0);
  // Everything the proxy saw is either the worker's or the CLI's, and the CLI was heard.
  expect(agents(kubeProxy.requests).sort()).toEqual([`sluice/${version} (cli)`, `sluice/${version} (worker)`]);
});
