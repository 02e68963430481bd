// RollingSync promotion dev → staging → prod, prod gated on a named approver (Sluice's extension of Argo CD's
// progressive sync): a push reaches dev, then staging once dev is Healthy, then waits for approval; `sluice app
// approve` releases prod. A second push during the wait supersedes the first promotion (its approval can no longer be
// given), and a failing hook in dev stops a promotion before staging.
import { KubeObject } from '../../domain/resource/types';
import { hookJob } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { TestRepo } from '../support/git';

const run = new E2eRun(18870);
const { kube, runId } = run;

beforeAll(() => run.start());
afterAll(() => run.stop());

const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;
const ENVS = ['dev', 'staging', 'prod'];

async function setup(prefix: string): Promise<{ namespace: string; repo: TestRepo; first: string }> {
  const namespace = await run.namespace(prefix);
  const repo = await run.repo(prefix);
  const first = repo.commit('v1', Object.fromEntries(ENVS.map((env) => [`manifests/${env}/config.yaml`, configMap('v1')])));
  run.namespaces.push(...ENVS.map((env) => `${namespace}-${env}`));
  await kube.create({
    apiVersion: 'sluice.dev/v1alpha1', kind: 'ApplicationSet',
    metadata: { name: 'monitor', namespace, labels: { 'sluice.dev/test-run': runId } },
    spec: {
      generators: [{ list: { elements: ENVS.map((env) => ({ env })) } }],
      strategy: {
        type: 'RollingSync',
        rollingSync: {
          steps: [
            { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] },
            { matchExpressions: [{ key: 'env', operator: 'In', values: ['staging'] }] },
            { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }], approval: { approvers: ['sluice-admin'] } },
          ],
        },
      },
      template: {
        metadata: { name: 'monitor-{{env}}', labels: { 'sluice.dev/test-run': runId, env: '{{env}}' } },
        spec: {
          project: 'e2e',
          source: { repoURL: repo.url, targetRevision: 'main', path: 'manifests/{{env}}' },
          destination: { server: 'https://kubernetes.default.svc', namespace: `${namespace}-{{env}}` },
          // Argo CD turns automated sync off under RollingSync: the promotion syncs, step by step.
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'], retry: { limit: 0 } },
        },
      },
    },
  } as unknown as KubeObject);
  return { namespace, repo, first };
}

const promotion = async (namespace: string) => ((await kube.get('sluice.dev/v1alpha1', 'ApplicationSet', namespace, 'monitor')) as any)?.status?.promotion;
const value = async (namespace: string, env: string) => ((await kube.get('v1', 'ConfigMap', `${namespace}-${env}`, 'settings')) as any)?.data?.value;
const app = (namespace: string, env: string) => kube.get('sluice.dev/v1alpha1', 'Application', namespace, `monitor-${env}`) as Promise<any>;

function awaitingApproval(namespace: string, revision: string) {
  return eventually(`the promotion of ${revision.slice(0, 8)} waiting for approval of prod`, async () => {
    const p = await promotion(namespace);
    return p?.revision === revision && p.phase === 'AwaitingApproval' ? p : undefined;
  }, 120_000);
}

async function approveProd(namespace: string): Promise<void> {
  await eventually('the prod approval request', async () => ((await app(namespace, 'prod'))?.status?.approval?.state === 'Pending' ? true : undefined));
  const approved = run.sluice(namespace, 'app', 'approve', 'monitor-prod', '--yes');
  expect(approved).toMatchObject({ code: 0, out: expect.stringContaining('Approved by sluice-admin') });
}

function succeeded(namespace: string, revision: string) {
  return eventually(`the promotion of ${revision.slice(0, 8)} Succeeded`, async () => {
    const p = await promotion(namespace);
    return p?.revision === revision && p.phase === 'Succeeded' ? p : undefined;
  }, 120_000);
}

/** Announces a push to the set (as a webhook for its apps' repository does) and returns the commit. */
async function push(namespace: string, repo: TestRepo, message: string, files: Record<string, string>): Promise<string> {
  const sha = repo.commit(message, files);
  for (const env of ENVS) await run.appHandle(namespace, `monitor-${env}`).signal('refresh');
  return sha;
}

test('a commit goes to dev, then staging once dev is Healthy, then waits for a named approver before prod', async () => {
  const { namespace, repo, first } = await setup('promote');
  // The generated apps have no automated sync: only the promotion syncs them.
  await eventually('the apps generated', async () => ((await app(namespace, 'prod'))?.spec ? true : undefined));
  expect((await app(namespace, 'dev')).spec.syncPolicy.automated).toBeUndefined();
  expect((await app(namespace, 'prod')).spec.syncPolicy.approval).toEqual({ approvers: ['sluice-admin'] });

  const waiting = await awaitingApproval(namespace, first);
  expect(waiting.steps.map((s: { state: string }) => s.state)).toEqual(['Healthy', 'Healthy', 'AwaitingApproval']);
  expect([await value(namespace, 'dev'), await value(namespace, 'staging'), await value(namespace, 'prod')]).toEqual(['v1', 'v1', undefined]);
  // The Temporal UI lists it: every promotion waiting for approval.
  const listed = [];
  for await (const w of run.temporal.workflow.list({ query: `SluiceKind = "Promotion" AND SluiceOperationPhase = "AwaitingApproval" AND SluiceAppNamespace = "${namespace}"` })) listed.push(w.workflowId);
  expect(listed).toEqual([`sluice-promotion/${namespace}/monitor/${first.slice(0, 12)}`]);

  await approveProd(namespace);
  await succeeded(namespace, first);
  expect(await value(namespace, 'prod')).toBe('v1');

  // The next commit walks the same path: dev first, staging after, and prod waits again.
  const second = await push(namespace, repo, 'v2', Object.fromEntries(ENVS.map((env) => [`manifests/${env}/config.yaml`, configMap('v2')])));
  await awaitingApproval(namespace, second);
  expect([await value(namespace, 'dev'), await value(namespace, 'staging'), await value(namespace, 'prod')]).toEqual(['v2', 'v2', 'v1']);
  const appset = run.sluice(namespace, 'appset', 'get', 'monitor');
  expect(appset.out).toMatch(new RegExp(`promotion ${second.slice(0, 8)}\\s+AwaitingApproval`));

  // A newer commit while prod waits supersedes that promotion: prod's pending approval is withdrawn, and the new
  // commit starts again from dev.
  const third = await push(namespace, repo, 'v3', Object.fromEntries(ENVS.map((env) => [`manifests/${env}/config.yaml`, configMap('v3')])));
  await awaitingApproval(namespace, third);
  expect([await value(namespace, 'dev'), await value(namespace, 'staging'), await value(namespace, 'prod')]).toEqual(['v3', 'v3', 'v1']);
  const superseded = await run.temporal.workflow.getHandle(`sluice-promotion/${namespace}/monitor/${second.slice(0, 12)}`).result();
  expect(superseded).toMatchObject({ phase: 'Superseded' });
  await approveProd(namespace);
  await succeeded(namespace, third);
  expect(await value(namespace, 'prod')).toBe('v3');
}, 420_000);

test('a failing hook in dev stops the promotion before staging', async () => {
  const { namespace, repo, first } = await setup('promote-fail');
  await awaitingApproval(namespace, first);
  await approveProd(namespace);
  await succeeded(namespace, first);
  const bad = await push(namespace, repo, 'v2 with a failing PreSync hook in dev', {
    'manifests/dev/config.yaml': configMap('v2'), 'manifests/dev/migrate.yaml': hookJob('migrate', 'PreSync', { fail: true }), 'manifests/staging/config.yaml': configMap('v2'),
  });
  const failed = await eventually('the promotion failed', async () => {
    const p = await promotion(namespace);
    return p?.revision === bad && p.phase === 'Failed' ? p : undefined;
  }, 120_000);
  expect(failed.message).toMatch(/^step 1: monitor-dev: /);
  // prod's files did not change in that commit, so prod is Synced and Healthy at it already; staging's did, and waits.
  expect(failed.steps.map((s: { state: string }) => s.state)).toEqual(['Failed', 'Waiting', 'Healthy']);
  expect(await value(namespace, 'staging')).toBe('v1');
}, 300_000);
