// Workflow logic on the time-skipping test server: retry back-off, supersede during back-off, approval
// timeout and refusals, continue-as-new. Hours of workflow time pass in seconds.
import { randomUUID } from 'node:crypto';
import { AppRef, SyncRequest } from '../../domain/operation/types';
import { ApplicationStatus, applicationWorkflow, refreshSignal, statusQuery, syncUpdate, terminateUpdate } from '../../workflows/application';
import { approveSignal, approveUpdate, rejectUpdate, syncProgressQuery, syncWorkflow } from '../../workflows/sync';
import { workflowTestEnv } from '../support/workflow-env';
import { Script, script } from './stub-activities';

const t = workflowTestEnv();
const { withWorker, until } = t;

const app: AppRef = { group: 'sluice.dev', namespace: 'team', name: 'web' };
// Notifications are off: their abandoned child workflows would outlive each test's worker and stop time skipping.
const options = { refreshIntervalMs: 3_600_000, jitterMs: 0, searchAttributes: false, notifications: false };

/** The app's status once it has given its revision up (no retry left, or none allowed). */
const givenUp = (handle: { query: (q: typeof statusQuery) => Promise<ApplicationStatus> }) => until('the revision to be given up', async () => {
  const st = await handle.query(statusQuery);
  return st.state.failedRevision ? st : undefined;
});

test("a failing automated sync is retried on Argo CD's back-off schedule, then the revision is left alone", async () => {
  const s = script({ syncPolicy: { automated: { prune: true }, retry: { limit: 3, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } } } });
  s.dryRunFails = true;
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `retry-${randomUUID()}`, args: [{ app, options }] });
    const status = await givenUp(handle);
    const attempts = [...s.operations.values()].sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((a) => [a.attempt, a.phase])).toEqual([[1, 'Failed'], [2, 'Failed'], [3, 'Failed'], [4, 'Failed']]);
    const gaps = attempts.slice(1).map((a, i) => (Date.parse(a.startedAt) - Date.parse(attempts[i].startedAt)) / 1000);
    // Each gap is the back-off (5s, 10s, 20s) plus the seconds a failing attempt itself takes.
    expect(gaps.map((g) => Math.floor(g / 5) * 5)).toEqual([5, 10, 20]);
    expect(status.state.lastOutcome?.outcome).toBe('Failed');
    expect(s.steps).toBe(0); // a failed dry-run applies nothing
    await handle.terminate();
  });
});

test('a sync the API server forbids is not retried whatever the retry policy; a SyncError naming who, the verb and the resource stands until a sync succeeds', async () => {
  const s = script({ syncPolicy: { automated: { prune: true }, retry: { limit: -1, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } } } });
  s.dryRunForbidden = true;
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `forbidden-${randomUUID()}`, args: [{ app, options }] });
    const status = await givenUp(handle);
    expect(status.state.retry).toBeUndefined();
    expect(status.state.lastOutcome).toMatchObject({ outcome: 'Failed', failure: 'PermissionDenied' });
    const standing = await until('a refresh to keep the SyncError standing', async () => s.syncErrors.find((e) => e !== undefined));
    expect(standing).toBe(`sync to ${s.revision.slice(0, 12)} forbidden: system:serviceaccount:app:deployer may not patch configmaps "settings" in namespace app; not retried: grant it (or change the project), then sync again`);
    // Minutes later (an unlimited retry policy's back-off long passed): still the one attempt.
    await t.env.sleep('10m');
    await handle.signal(refreshSignal);
    await until('another refresh', async () => (s.syncErrors.length > 2 ? true : undefined));
    expect([...s.operations.values()].map((o) => [o.attempt, o.phase])).toEqual([[1, 'Failed']]);
    expect(s.syncErrors.at(-1)).toBe(standing);

    // Granted: a manual sync succeeds, and the next refresh clears the condition.
    s.dryRunForbidden = false;
    await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'alice' }] });
    await until('the sync to succeed', async () => ((await handle.query(statusQuery)).state.lastSyncedRevision === s.revision ? true : undefined));
    const refreshesBefore = s.syncErrors.length;
    await handle.signal(refreshSignal);
    await until('a refresh after the success', async () => (s.syncErrors.length > refreshesBefore ? true : undefined));
    expect(s.syncErrors.at(-1)).toBeUndefined();
    await handle.terminate();
  });
});

test('a newer revision supersedes a retry that is waiting out its back-off', async () => {
  const s = script({ syncPolicy: { automated: {}, retry: { limit: 5, backoff: { duration: '1h', factor: 2, maxDuration: '3h' } } } });
  s.dryRunFails = true;
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `supersede-${randomUUID()}`, args: [{ app, options }] });
    const first = await until('a retry to be scheduled', async () => (await handle.query(statusQuery)).state.retry);
    expect(first.nextAt - Date.parse([...s.operations.values()][0].startedAt)).toBeGreaterThanOrEqual(3_600_000);
    s.dryRunFails = false;
    s.revision = 'b'.repeat(40);
    const signalledAt = await t.env.currentTimeMs();
    await handle.signal(refreshSignal);
    const synced = await until('the new revision to sync', async () => {
      const st = await handle.query(statusQuery);
      return st.state.lastSyncedRevision === s.revision ? st : undefined;
    });
    const second = [...s.operations.values()].find((o) => o.revision === s.revision)!;
    expect(second.attempt).toBe(1);
    expect(Date.parse(second.startedAt)).toBeLessThan(first.nextAt);
    expect(Date.parse(second.startedAt) - signalledAt).toBeLessThan(60_000);
    expect(synced.state.retry).toBeUndefined();
    await handle.terminate();
  });
});

test('continue-as-new carries the state into the next run', async () => {
  const s = script({ syncPolicy: { automated: {} } });
  await withWorker(s, async (taskQueue) => {
    const workflowId = `can-${randomUUID()}`;
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId, args: [{ app, options: { ...options, continueAsNewAfter: 2 } }] });
    const firstRun = (await handle.describe()).runId;
    const before = await until('the first sync', async () => {
      const st = await handle.query(statusQuery);
      return st.state.lastSyncedRevision ? st : undefined;
    });
    await handle.signal(refreshSignal);
    const latest = t.env.client.workflow.getHandle(workflowId);
    const after = await until('a new run', async () => ((await latest.describe()).runId !== firstRun ? latest.query(statusQuery) : undefined));
    expect(after.state.lastSyncedRevision).toBe(before.state.lastSyncedRevision);
    expect(after.state.history).toEqual(before.state.history);
    expect(after.state.operations).toBe(before.state.operations);
    await latest.terminate();
  });
});

function syncRequest(s: Script, timeout?: string): SyncRequest {
  return {
    app, spec: { ...s.spec, syncPolicy: { approval: { required: true, approvers: ['alice'], ...(timeout ? { timeout } : {}) } } }, revision: s.revision, prune: false,
    operationId: randomUUID(), initiatedBy: { username: 'automated sync policy', automated: true }, attempt: 1, managedKinds: [], approvalRequired: true, searchAttributes: false, notifications: false,
  };
}

test('an approval that nobody gives expires after approval.timeout, with nothing applied', async () => {
  const s = script();
  await withWorker(s, async (taskQueue) => {
    const started = await t.env.currentTimeMs();
    const result = await t.env.client.workflow.execute(syncWorkflow, { taskQueue, workflowId: `expire-${randomUUID()}`, args: [syncRequest(s, '2h')] });
    expect(result.outcome).toBe('ApprovalExpired');
    expect(result.progress.approval?.state).toBe('Expired');
    expect((await t.env.currentTimeMs()) - started).toBeGreaterThanOrEqual(7_200_000);
    expect(s.steps).toBe(0);
  });
});

test('stale and unauthorised decisions are refused by the validator; a rejection ends the sync with nothing applied', async () => {
  const s = script();
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(syncWorkflow, { taskQueue, workflowId: `reject-${randomUUID()}`, args: [syncRequest(s)] });
    const pending = await until('the approval request', async () => (await handle.query(syncProgressQuery)).approval);
    const decision = { approve: false, revision: pending.revision, diffDigest: pending.diffDigest, user: 'alice', comment: 'not today' };
    const refused = async (d: typeof decision) => handle.executeUpdate(rejectUpdate, { args: [d] }).then(() => 'accepted', (e) => e.cause?.message ?? e.message);
    expect(await refused({ ...decision, revision: 'c'.repeat(40) })).toMatch(/stale decision: it names revision/);
    expect(await refused({ ...decision, diffDigest: 'sha256:old' })).toMatch(/stale decision: it names diff/);
    expect(await refused({ ...decision, user: 'mallory' })).toMatch(/mallory is not an approver/);
    expect(await handle.executeUpdate(rejectUpdate, { args: [decision] })).toMatchObject({ state: 'Rejected', decidedBy: 'alice' });
    const result = await handle.result();
    expect(result.outcome).toBe('Rejected');
    expect(result.message).toBe('rejected by alice: not today');
    expect(s.steps).toBe(0);
  });
});

test('separation of duties: the author of a pending commit may not approve it, by Update or by Signal; another approver may', async () => {
  const s = script();
  s.authors = [{ commit: s.revision, email: 'alice@example.com', user: 'alice' }];
  await withWorker(s, async (taskQueue) => {
    const request = syncRequest(s);
    request.spec.syncPolicy!.approval!.approvers = ['alice', 'bob'];
    const handle = await t.env.client.workflow.start(syncWorkflow, { taskQueue, workflowId: `sod-${randomUUID()}`, args: [request] });
    const pending = await until('the approval request', async () => (await handle.query(syncProgressQuery)).approval);
    expect(pending.authors).toEqual(s.authors);
    const decision = { approve: true, revision: pending.revision, diffDigest: pending.diffDigest, user: 'alice' };
    const own = await handle.executeUpdate(approveUpdate, { args: [decision] }).then(() => 'accepted', (e) => e.cause?.message ?? e.message);
    expect(own).toBe(`separation of duties: alice authored commit ${s.revision.slice(0, 12)} (alice@example.com) and may not approve it`);
    await handle.signal(approveSignal, decision);
    const recorded = await until('the refused signal', async () => {
      const p = await handle.query(syncProgressQuery);
      return p.approval?.refused.length ? p.approval : undefined;
    });
    expect(recorded).toMatchObject({ state: 'Pending', refused: [{ user: 'alice', reason: expect.stringMatching(/^separation of duties/) }] });
    expect(await handle.executeUpdate(approveUpdate, { args: [{ ...decision, user: 'bob' }] })).toMatchObject({ state: 'Approved', decidedBy: 'bob' });
    expect((await handle.result()).outcome).toBe('Succeeded');
  });
});

test('allowEmpty: with prune on, an empty render does not auto-sync unless allowEmpty is set', async () => {
  const s = script({ syncPolicy: { automated: { prune: true } } });
  s.desiredCount = 0;
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `empty-${randomUUID()}`, args: [{ app, options }] });
    const status = await until('a refresh', async () => {
      const st = await handle.query(statusQuery);
      return st.refreshes > 0 && st.autoSyncBlocked ? st : undefined;
    });
    expect(status.autoSyncBlocked).toMatch(/allowEmpty is false/);
    expect(s.operations.size).toBe(0);
    s.spec = { ...s.spec, syncPolicy: { automated: { prune: true, allowEmpty: true } } };
    await handle.signal(refreshSignal);
    await until('the empty sync', async () => ((await handle.query(statusQuery)).state.lastSyncedRevision ? true : undefined));
    expect(s.operations.size).toBe(1);
    await handle.terminate();
  });
});

test('terminateOperation cancels a running sync, which ends Failed ("terminated") and is not retried automatically', async () => {
  const s = script({ syncPolicy: { automated: {}, retry: { limit: 3 } } });
  s.holdStep = true;
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `terminate-${randomUUID()}`, args: [{ app, options }] });
    const running = await until('a sync applying a step', async () => (s.holding ? (await handle.query(statusQuery)).operation : undefined));
    // A sync that is still running when a request has waited out the grace is refused, as Argo CD refuses it.
    const busy = await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: 'bob' }] }).then(() => 'accepted', (e) => e.cause?.message);
    expect(busy).toBe(`another operation is already in progress (${running.workflowId})`);
    expect(await handle.executeUpdate(terminateUpdate, { args: [{ initiatedBy: 'alice' }] })).toEqual({ terminated: running.workflowId, escalated: false });
    const status = await until('the sync to end', async () => {
      const st = await handle.query(statusQuery);
      return st.state.lastOutcome ? st : undefined;
    });
    expect(status.state.lastOutcome).toMatchObject({ outcome: 'Terminated', message: 'terminated by alice: the operation was terminated' });
    expect(status.state.failedRevision).toBe(s.revision);
    const refusal = await handle.executeUpdate(terminateUpdate, { args: [{ initiatedBy: 'alice' }] }).then(() => 'accepted', (e) => e.cause?.message);
    expect(refusal).toMatch(/no operation is in progress/);
    await handle.terminate();
  });
});

test('a newer revision replaces a pending approval request, and the old request can no longer be approved', async () => {
  const s = script({ syncPolicy: { automated: {}, approval: { required: true, approvers: ['alice'] } } });
  await withWorker(s, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(applicationWorkflow, { taskQueue, workflowId: `supersede-approval-${randomUUID()}`, args: [{ app, options }] });
    const first = await until('the first request', async () => (await handle.query(statusQuery)).operation);
    const firstSync = t.env.client.workflow.getHandle(first.workflowId);
    const pending = await until('pending approval', async () => (await firstSync.query(syncProgressQuery)).approval);
    s.revision = 'b'.repeat(40);
    await handle.signal(refreshSignal);
    const superseded = await firstSync.result();
    expect(superseded.outcome).toBe('Superseded');
    expect(superseded.progress.approval?.state).toBe('Superseded');
    const stale = await firstSync.executeUpdate(approveUpdate, { args: [{ approve: true, revision: pending.revision, diffDigest: pending.diffDigest, user: 'alice' }] }).then(() => 'accepted', (e) => e.message);
    expect(stale).not.toBe('accepted');
    const second = await until('a request for the new revision', async () => {
      const op = (await handle.query(statusQuery)).operation;
      return op && op.revision === s.revision ? op : undefined;
    });
    const request = await until('the second request', async () => (await t.env.client.workflow.getHandle(second.workflowId).query(syncProgressQuery)).approval);
    expect(request).toMatchObject({ state: 'Pending', revision: 'b'.repeat(40) });
    await handle.terminate();
  });
});
