// End to end (issue 14): a hook that never finishes fails the sync at its deadline, naming the hook, and nothing
// after it is applied. The hook's pod can never be scheduled (it asks for a node that does not exist), so the
// Job stays Progressing for good. With activeDeadlineSeconds the Job controller fails the Job at that deadline
// (Argo CD's advice for hooks); without it, spec.syncPolicy.stepTimeout (default 15m) bounds the wait. Before
// this, the wait ran until its activity's retries were spent: 5 x 30 minutes, and the timeout named nothing.
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';

const run = new E2eRun(18930);
beforeAll(() => run.start());
afterAll(() => run.stop());

const stuckJob = (name: string, activeDeadlineSeconds?: number) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  backoffLimit: 0
${activeDeadlineSeconds ? `  activeDeadlineSeconds: ${activeDeadlineSeconds}\n` : ''}  template:
    spec:
      restartPolicy: Never
      nodeSelector: {sluice.dev/no-such-node: "true"}
      containers: [{name: main, image: busybox, command: ["true"]}]
`;
const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-the-hook\ndata: {applied: "yes"}\n';

async function stuckApp(prefix: string, hook: string, syncPolicy: Record<string, unknown>): Promise<{ namespace: string; name: string }> {
  const namespace = await run.namespace(prefix);
  const repo = await run.repo(prefix);
  repo.commit('a hook that never finishes', { 'app/presync.yaml': hook, 'app/config.yaml': configMap });
  const manifest = applicationManifest({ name: namespace, namespace, repoURL: repo.url, destination: namespace, runId: run.runId }) as { spec: { syncPolicy: Record<string, unknown> } };
  Object.assign(manifest.spec.syncPolicy, syncPolicy);
  await run.kube.create(manifest as unknown as KubeObject);
  return { namespace, name: namespace };
}

test('without activeDeadlineSeconds: the sync fails at spec.syncPolicy.stepTimeout, naming the hook and its health; the Sync phase is never applied', async () => {
  const { namespace, name } = await stuckApp('stuck-hook', stuckJob('migrate'), { stepTimeout: '8s' });
  const started = Date.now();
  const app = await run.waitForOperation(namespace, name, 'Failed', undefined, 90_000);
  const message: string = app.status.operationState.message;
  console.log(`failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${message}`);
  expect(message).toContain(`PreSync hook Job/${namespace}/migrate did not become Healthy within spec.syncPolicy.stepTimeout of 8s`);
  expect(message).toMatch(/it is Progressing/);
  const hookRow = app.status.operationState.syncResult.resources.find((r: { name: string }) => r.name === 'migrate');
  expect(hookRow).toMatchObject({ kind: 'Job', hookPhase: expect.anything() });
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'after-the-hook')).toBeUndefined();
});

test('with activeDeadlineSeconds: the Job controller fails the hook at its deadline and the sync fails naming it', async () => {
  // The default step timeout (15m) is far away: what ends this sync is the Job's own deadline.
  const { namespace, name } = await stuckApp('deadline-hook', stuckJob('migrate', 3), {});
  const app = await run.waitForOperation(namespace, name, 'Failed', undefined, 90_000);
  const message: string = app.status.operationState.message;
  console.log(`failed: ${message}`);
  expect(message).toContain(`Job/${namespace}/migrate`);
  expect(message).toMatch(/deadline/i);
  expect(await run.kube.get('v1', 'ConfigMap', namespace, 'after-the-hook')).toBeUndefined();
});
