// End to end (issue 14, "Git server down"): the app's repository goes away behind a proxy that refuses
// connections, while a commit that changes one object and drops another waits on the server. Refreshes report
// a condition naming the repo, nothing is applied or pruned from input that could not be read, a manual sync
// is answered (refused, naming why), and once the server is back the app catches up by itself (its polling,
// no signal from the test): the new commit applied, the dropped object pruned, the condition gone.
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { startSwitchableProxy, SwitchableProxy } from '../support/tcp-proxy';

// Polling every few seconds: recovery must come from the app's own refreshes.
const run = new E2eRun(18920, { SLUICE_REFRESH_INTERVAL: '3s', SLUICE_REFRESH_JITTER: '1s' });
let proxy: SwitchableProxy;
beforeAll(async () => {
  const git = new URL(run.env.SLUICE_GIT_URL);
  proxy = await startSwitchableProxy({ host: git.hostname, port: Number(git.port) });
  await run.start();
});
afterAll(async () => {
  await run.stop();
  await proxy?.close();
});

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: {value: "${value}"}\n`;

test('git down: a condition naming the repo, nothing applied or pruned, requests answered; back up: the app catches up by itself', async () => {
  const namespace = await run.namespace('git-down');
  const repo = await run.repo('git-down');
  const first = repo.commit('two objects', { 'app/a.yaml': configMap('a', 'one'), 'app/b.yaml': configMap('b', 'one') });
  const repoURL = repo.url.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${proxy.port}`);
  await run.kube.create(applicationManifest({ name: namespace, namespace, repoURL, destination: namespace, runId: run.runId }) as unknown as KubeObject);
  const synced = await run.waitForOperation(namespace, namespace, 'Succeeded', first);
  const operationStarted = synced.status.operationState.startedAt;

  await proxy.down();
  const second = repo.commit('a changes, b goes', { 'app/a.yaml': configMap('a', 'two'), 'app/b.yaml': null });
  const down = await eventually('a condition naming the unreachable repo', async () => {
    const app = await run.application(namespace, namespace);
    const condition = (app?.status?.conditions ?? []).find((c: { message: string }) => c.message.includes(repoURL));
    return condition ? { app, condition } : undefined;
  }, 60_000);
  console.log(`while down: ${down.condition.type}: ${down.condition.message}`);
  expect(down.condition.type).toBe('ComparisonError');
  // A few more refreshes while down (every 3 s): still nothing applied, nothing pruned, no sync started.
  await new Promise((resolve) => setTimeout(resolve, 8000));
  const manual = run.sluice(namespace, 'app', 'sync', namespace);
  console.log(`manual sync while down: exit ${manual.code}: ${manual.out.trim().split('\n').pop()}`);
  expect(manual.code).not.toBe(0);
  expect(manual.code).not.toBe(-1);
  expect(manual.out).toContain('ComparisonError');
  expect((await run.kube.get('v1', 'ConfigMap', namespace, 'a'))?.data).toEqual({ value: 'one' });
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'b')).toBeDefined();
  const during = await run.application(namespace, namespace);
  expect(during.status.operationState.startedAt).toBe(operationStarted);
  expect(during.status.sync.revision).toBe(first);

  await proxy.up();
  await run.waitForOperation(namespace, namespace, 'Succeeded', second, 60_000);
  await eventually('b pruned and the condition gone', async () => {
    const app = await run.application(namespace, namespace);
    const gone = !(app?.status?.conditions ?? []).some((c: { type: string }) => c.type === 'ComparisonError');
    return gone && !(await run.kube.get('v1', 'ConfigMap', namespace, 'b')) ? true : undefined;
  }, 30_000);
  expect((await run.kube.get('v1', 'ConfigMap', namespace, 'a'))?.data).toEqual({ value: 'two' });
});
