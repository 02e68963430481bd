// End to end: approvals that Kubernetes authenticates (issue 13). Users are ServiceAccounts with their own
// tokens, allowed to approve by deploy/rbac/approver; deploy/admission is installed as shipped (with the CRDs). A SyncApproval
// claiming someone else's name or groups never gets past the API server; the worker refuses, on the object's
// status, a user who is not an approver, a stale revision or diff, and (separation of duties) the author of the
// commit; a member of an approvers group approves through the CLI binary, and the sync completes.
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyObjects } from '../../activities/cluster/apply';
import { KubeApiError, KubeClient } from '../../activities/cluster/kube-client';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { repoRoot } from '../support/stack';
import { serviceAccountUser, TestUser } from '../support/users';
import { approveUpdate } from '../../workflows/approval';

const PORT = 18990;
const run = new E2eRun(PORT);
const { kube, runId } = run;
const API = 'sluice.dev/v1alpha1';
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;
const deployed = (file: string) => parseAllDocuments(fs.readFileSync(path.join(repoRoot, file), 'utf8')).map((d) => d.toJS() as KubeObject);
// The policy stays installed (every run's harness applies it, and other runs' CLIs rely on it); the role goes.
const approverRole = deployed('deploy/rbac/approver/approver.yaml');

interface User extends TestUser { name: string }

/** A ServiceAccount in `namespace` that may approve in `appNamespace`, with a kubeconfig of its own token. */
async function user(name: string, namespace: string, appNamespace: string): Promise<User> {
  const account = await serviceAccountUser(kube, namespace, name, path.join(run.scratch, `${name}.kubeconfig`));
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `approver-${name}`, namespace: appNamespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'sluice-approver' }, subjects: [{ kind: 'ServiceAccount', name, namespace }],
  } as unknown as KubeObject);
  return { name, ...account };
}

const groupsOf = (u: User) => [`system:serviceaccounts`, `system:serviceaccounts:${u.username.split(':')[2]}`, 'system:authenticated'];

function syncApproval(namespace: string, spec: Record<string, unknown>, labels = { 'sluice.dev/test-run': runId }): KubeObject {
  return { apiVersion: API, kind: 'SyncApproval', metadata: { generateName: 'direct-', namespace, labels }, spec } as unknown as KubeObject;
}

/** The API server's refusal of a create, or undefined when it was admitted. */
async function admission(client: KubeClient, obj: KubeObject): Promise<string | undefined> {
  try {
    await client.create(obj);
    return undefined;
  } catch (error) {
    if (error instanceof KubeApiError) return error.message;
    throw error;
  }
}

const outcome = (namespace: string, name: string) => eventually(`the outcome of SyncApproval ${name}`, async () => {
  const obj = (await kube.get(API, 'SyncApproval', namespace, name)) as { status?: { outcome?: string; message?: string } } | undefined;
  return obj?.status?.outcome ? obj.status : undefined;
}, 30_000);

let namespace: string;
let team: string;
let alice: User;
let carol: User;
let mallory: User;

beforeAll(async () => {
  await run.start();
  await applyObjects(kube, approverRole);
  namespace = await run.namespace('approvals');
  team = await run.namespace('approvals-team');
  alice = await user('alice', namespace, namespace);
  mallory = await user('mallory', namespace, namespace);
  carol = await user('carol', team, namespace);
  // The policy takes a moment to be enforced: probe with a forged claim on an app nobody serves, unlabelled so
  // that no worker looks at it (one admitted early stays unlabelled, outside the records checked below).
  const probe = syncApproval(namespace, { application: 'no-such-app', revision: 'x', diffDigest: 'x', decision: 'Approve', approver: alice.username }, {} as never);
  await eventually('the admission policy to be enforced', async () => {
    const refusal = await admission(mallory.kube, probe);
    return refusal?.includes('spec.approver must be you') ? true : undefined;
  }, 30_000);
});

afterAll(async () => {
  await run.stop();
  for (const obj of approverRole) await kube.delete(obj.apiVersion, obj.kind, undefined, obj.metadata.name!).catch(() => undefined);
});

test('a SyncApproval counts only as the caller: forged claims are refused at admission, the worker refuses non-approvers, stale decisions and the author; a group member approves and the sync completes', async () => {
  const repo = await run.repo('approvals');
  // The pending commit is alice's (by the app's author mapping): separation of duties keeps her from approving it.
  repo.git('config', 'user.email', 'alice@example.com');
  const sha = repo.commit('settings', { 'app/settings.yaml': configMap('one') });
  await kube.create(applicationManifest({
    name: 'gated', namespace, repoURL: repo.url, destination: namespace, runId,
    approval: { approvers: [alice.username, `group:system:serviceaccounts:${team}`], separationOfDuties: true, authorIdentities: { 'alice@example.com': alice.username } },
  }) as unknown as KubeObject);
  const app = await run.pendingApproval(namespace, 'gated');
  const { revision, diffDigest } = app.status.approval;
  expect(revision).toBe(sha);
  expect(app.status.approval.authors).toEqual([{ commit: sha, email: 'alice@example.com', user: alice.username }]);
  const spec = { application: 'gated', revision, diffDigest, decision: 'Approve' };

  // Forged: another's name, or groups one is not in. The API server says no; nothing reaches the worker.
  expect(await admission(mallory.kube, syncApproval(namespace, { ...spec, approver: carol.username, approverGroups: groupsOf(carol) }))).toContain(`spec.approver must be you (${mallory.username})`);
  expect(await admission(mallory.kube, syncApproval(namespace, { ...spec, approver: mallory.username, approverGroups: [...groupsOf(mallory), `system:serviceaccounts:${team}`] }))).toContain('spec.approverGroups must be your groups');
  expect(await admission(mallory.kube, syncApproval(namespace, { ...spec, approver: mallory.username }))).toContain('spec.approverGroups must be your groups');

  // Authenticated, but not an approver: the CLI creates the SyncApproval, and the worker's refusal exits 1.
  const asMallory = await run.sluiceAsync({ KUBECONFIG: mallory.kubeconfig }, 'app', 'approve', 'gated', '--yes', '-n', namespace);
  expect(asMallory).toMatchObject({ code: 1, out: expect.stringContaining(`refused: ${mallory.username} is not an approver`) });

  // Stale revision and stale diff, from a real approver (carol, by group), written directly.
  const stale = async (fields: Record<string, string>) => {
    const created = await carol.kube.create(syncApproval(namespace, { ...spec, ...fields, approver: carol.username, approverGroups: groupsOf(carol) }));
    return outcome(namespace, created.metadata.name!);
  };
  expect(await stale({ revision: 'b'.repeat(40) })).toMatchObject({ outcome: 'Refused', message: expect.stringMatching(/^stale decision: it names revision bbbbbbbbbbbb/) });
  expect(await stale({ diffDigest: 'sha256:0000' })).toMatchObject({ outcome: 'Refused', message: expect.stringMatching(/^stale decision: it names diff/) });

  // The author may not approve her own commit.
  const asAlice = await run.sluiceAsync({ KUBECONFIG: alice.kubeconfig }, 'app', 'approve', 'gated', '--yes', '-n', namespace);
  expect(asAlice).toMatchObject({ code: 1, out: expect.stringContaining(`refused: separation of duties: ${alice.username} authored commit ${sha.slice(0, 12)} (alice@example.com)`) });

  // A decision's spec never changes (the policy and the CRD both say so).
  const decided = (await kube.list(API, 'SyncApproval', { namespace, labelSelector: `sluice.dev/test-run=${runId}` }))[0];
  await expect(kube.request('PATCH', `/apis/${API}/namespaces/${namespace}/syncapprovals/${decided.metadata.name}`, { body: { spec: { comment: 'edited afterwards' } }, contentType: 'application/merge-patch+json' }))
    .rejects.toThrow(/immutable/);

  // carol, in the approvers group, approves through the CLI: accepted, and the sync applies. She may read
  // nothing in the destination, yet she is shown the diff the digest names: the SyncDiff the worker published,
  // owned by the Application.
  await expect(carol.kube.get('v1', 'ConfigMap', namespace, 'settings')).rejects.toThrow(/forbidden/);
  const asCarol = await run.sluiceAsync({ KUBECONFIG: carol.kubeconfig }, 'app', 'approve', 'gated', '--yes', '--comment', 'ship it', '-n', namespace);
  expect(asCarol).toMatchObject({ code: 0, out: expect.stringContaining(`Approved by ${carol.username}`) });
  expect(asCarol.out).toContain(`+++ ConfigMap/${namespace}/settings (desired)`);
  expect(asCarol.out).toContain('+  value: one');
  expect(asCarol.out).toContain(`This is the diff of the pending request (${diffDigest}), as the worker published it (syncdiff.sluice.dev/gated).`);
  const published = await kube.get(API, 'SyncDiff', namespace, 'gated');
  expect(published?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Application', name: 'gated', uid: app.metadata.uid })]);
  const done = await run.waitForOperation(namespace, 'gated', 'Succeeded', sha);
  expect(done.status.approval).toMatchObject({ state: 'Approved', decidedBy: carol.username, comment: 'ship it' });
  expect(done.status.history.at(-1).approvedBy).toBe(carol.username);
  expect((await kube.get('v1', 'ConfigMap', namespace, 'settings'))?.data).toEqual({ value: 'one' });

  // Every decision is on record, each once: what the worker made of it, and the groups it was made with.
  const records = (await kube.list(API, 'SyncApproval', { namespace, labelSelector: `sluice.dev/test-run=${runId}` })) as unknown as Array<{ spec: { approver: string }; status: { outcome: string; message: string; approverGroups: string[] } }>;
  const summary = records.map((r) => [r.spec.approver, r.status.outcome]).sort();
  expect(summary).toEqual([[alice.username, 'Refused'], [carol.username, 'Accepted'], [carol.username, 'Refused'], [carol.username, 'Refused'], [mallory.username, 'Refused']].sort());
  expect(records.find((r) => r.status.outcome === 'Accepted')?.status.approverGroups).toEqual(expect.arrayContaining([`system:serviceaccounts:${team}`]));
});

test('a decision sent twice with the same id (a worker that died before writing the status, or a second replica) is accepted once, never refused as already decided', async () => {
  const { name, namespace: ns } = await run.scenario('approvals-once', { 'app/settings.yaml': configMap('two') }, { approval: { approvers: [`group:system:serviceaccounts:${team}`] } });
  await kube.create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'approver-carol', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'sluice-approver' }, subjects: [{ kind: 'ServiceAccount', name: 'carol', namespace: team }],
  } as unknown as KubeObject);
  const { revision, diffDigest } = (await run.pendingApproval(ns, name)).status.approval;
  const created = await carol.kube.create(syncApproval(ns, { application: name, revision, diffDigest, decision: 'Approve', approver: carol.username, approverGroups: groupsOf(carol) }));
  // What the worker sends for this object, sent again by someone else: whichever comes second gets the first's answer.
  const app = await run.application(ns, name);
  const syncId = `sluice-sync/${ns}/${name}/${app.status.operationState.operation.operationId}`;
  const again = await run.temporal.workflow.getHandle(syncId).executeUpdate(approveUpdate, {
    args: [{ approve: true, revision, diffDigest, user: carol.username, groups: groupsOf(carol) }], updateId: `syncapproval/${created.metadata.uid}`,
  });
  expect(again).toMatchObject({ state: 'Approved', decidedBy: carol.username });
  const first = await outcome(ns, created.metadata.name!);
  expect(first).toMatchObject({ outcome: 'Accepted', message: `Approved by ${carol.username}` });
  await run.waitForOperation(ns, name, 'Succeeded', revision);

  // A restarted worker lists every SyncApproval again and leaves the decided ones alone: once a decision made
  // after the restart has its outcome, the earlier one (listed before it) is untouched and was not sent again.
  await run.restartWorker();
  const marker = await carol.kube.create(syncApproval(ns, { application: 'no-such-app', revision, diffDigest, decision: 'Approve', approver: carol.username, approverGroups: groupsOf(carol) }));
  expect(await outcome(ns, marker.metadata.name!)).toMatchObject({ outcome: 'Refused', message: `no Application no-such-app in namespace ${ns}` });
  expect(await outcome(ns, created.metadata.name!)).toEqual(first);
  expect(run.worker.output().match(/sync approval decided/g)).toHaveLength(1);

  // A second decision on the same request: refused, whether the sync still runs or is over.
  const late = await carol.kube.create(syncApproval(ns, { application: name, revision, diffDigest, decision: 'Reject', approver: carol.username, approverGroups: groupsOf(carol) }));
  expect(await outcome(ns, late.metadata.name!)).toMatchObject({ outcome: 'Refused', message: expect.stringMatching(/^(the request is already approved by |no approval is pending \(sync .* is over\))/) });
});
