// End to end (issue 14, "Deletion during a sync"): an Application with the resources finalizer is deleted while
// its sync waits on a PreSync hook that never finishes. The sync must end (cancelled), the finalizer must prune
// what the app deployed, and the CR must be released; after that, nothing the app or its sync created is left in
// the cluster: not the stuck hook, and not a SyncFail hook run by the cancelled sync after the prune.
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest, hookJob } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const run = new E2eRun(18910);
beforeAll(() => run.start());
afterAll(() => run.stop());

const stuckHook = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {sluice.dev/no-such-node: "true"}
      containers: [{name: main, image: busybox, command: ["true"]}]
`;
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: {from: git}\n`;

test('deleting an app mid-sync cancels the sync, prunes, releases the CR, and leaves nothing of the app behind', async () => {
  const namespace = await run.namespace('delete-mid-sync');
  const repo = await run.repo('delete-mid-sync');
  const first = repo.commit('one object', { 'app/keep.yaml': configMap('keep') });
  const manifest = applicationManifest({ name: namespace, namespace, repoURL: repo.url, destination: namespace, runId: run.runId }) as { metadata: Record<string, unknown>; spec: { syncPolicy: Record<string, unknown> } };
  manifest.metadata.finalizers = ['resources-finalizer.argocd.argoproj.io'];
  manifest.spec.syncPolicy.stepTimeout = '1h';
  await run.kube.create(manifest as unknown as KubeObject);
  await run.waitForOperation(namespace, namespace, 'Succeeded', first);

  const second = await run.push(repo, namespace, namespace, 'a hook that never finishes', {
    'app/presync.yaml': stuckHook, 'app/syncfail.yaml': hookJob('on-fail', 'SyncFail'), 'app/later.yaml': configMap('later'),
  });
  await eventually('the sync to wait on the stuck hook', async () => {
    const op = (await run.application(namespace, namespace))?.status?.operationState;
    return op?.phase === 'Running' && op.syncResult?.revision === second && (await run.kube.get('batch/v1', 'Job', namespace, 'migrate')) ? true : undefined;
  }, 60_000);

  await run.kube.request('DELETE', `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/applications/${namespace}`);
  await eventually('the CR to be released', async () => ((await run.application(namespace, namespace)) ? undefined : true), 90_000);

  const syncs: string[] = [];
  for await (const wf of run.temporal.workflow.list({ query: `WorkflowId STARTS_WITH 'sluice-sync/${namespace}/${namespace}/'` })) syncs.push(wf.workflowId);
  await eventually('every sync of the app to have ended', async () => {
    for (const id of syncs) if ((await run.temporal.workflow.getHandle(id).describe()).status.name === 'RUNNING') return undefined;
    return true;
  }, 30_000);
  // Give a cancelled sync that kept going time to do damage, then look at what is left.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const left = [
    ...(await run.kube.list('v1', 'ConfigMap', { namespace })).filter((o) => o.metadata.name !== 'kube-root-ca.crt'),
    ...(await run.kube.list('batch/v1', 'Job', { namespace })).filter((o) => !o.metadata.deletionTimestamp),
  ].map((o) => `${o.kind}/${o.metadata.name}`);
  expect(left).toEqual([]);
});
