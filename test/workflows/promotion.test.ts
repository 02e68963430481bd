// The promotion workflow on the time-skipping server, with in-memory apps standing in for the set's Applications:
// each sync the promotion asks for lands (or waits for approval) in that memory. What the e2e test cannot reach
// cheaply: every batch of an approval step (maxUpdate 1) goes through the gate, not just the first; and a promotion
// cancelled as superseded withdraws the syncs it started that have not ended.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { PromotionApp } from '../../domain/appset/rollout';
import type { RollingSyncStep } from '../../domain/appset/types';
import { promotionWorkflowId } from '../../domain/appset/promotion';
import { applicationSetWorkflow } from '../../workflows/appset';
import { promotionPokeSignal, promotionQuery, promotionWorkflow } from '../../workflows/promotion';
import { workflowTestEnv } from '../support/workflow-env';
import { fromSource } from '../../worker/workflow-source';

const t = workflowTestEnv();
const set = { group: 'sluice.dev' as const, namespace: 'apps', name: 'monitor' };

interface World {
  apps: Map<string, PromotionApp>;
  syncs: Array<{ name: string; requireApproval: boolean }>;
  cancelled: string[];
  statuses: Array<Record<string, unknown>>;
  notified: Array<{ trigger: string; app: { name: string }; message: string }>;
}

function world(names: Array<[string, string]>): World {
  return {
    apps: new Map(names.map(([name, env]) => [name, { name, labels: { env }, syncStatus: 'OutOfSync', health: 'Healthy', syncedRevision: 'old' }])),
    syncs: [], cancelled: [], statuses: [], notified: [],
  };
}

/** A sync without approval succeeds at once; one with approval waits (Running, approval Pending) until `approve`. */
function activities(w: World, steps: RollingSyncStep[]) {
  return {
    async promotionSnapshot() {
      return { found: true, steps, apps: [...w.apps.values()].map((a) => ({ ...a })) };
    },
    async startPromotionSync(input: { name: string; revision: string; requireApproval: boolean }) {
      w.syncs.push({ name: input.name, requireApproval: input.requireApproval });
      const app = w.apps.get(input.name)!;
      if (input.requireApproval) Object.assign(app, { operationPhase: 'Running', operationRevision: input.revision, approvalPending: input.revision });
      else Object.assign(app, { syncStatus: 'Synced', syncedRevision: input.revision, operationPhase: 'Succeeded', operationRevision: input.revision });
    },
    async cancelPromotionSync(input: { name: string }) {
      w.cancelled.push(input.name);
      Object.assign(w.apps.get(input.name)!, { operationPhase: 'Failed', approvalPending: undefined });
    },
    async writePromotionStatus(input: { promotion: Record<string, unknown> }) {
      w.statuses.push(input.promotion);
    },
    async notificationTargets(input: { event: { trigger: string; app: { name: string }; message: string } }) {
      w.notified.push(input.event);
      return [];
    },
  };
}

function approve(w: World, name: string, revision: string): void {
  Object.assign(w.apps.get(name)!, { syncStatus: 'Synced', syncedRevision: revision, operationPhase: 'Succeeded', approvalPending: undefined });
}

async function withPromotionWorker<T>(w: World, steps: RollingSyncStep[], fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `promo-${randomUUID()}`;
  const worker = await Worker.create({ connection: t.env.nativeConnection, taskQueue, ...fromSource(require.resolve('../../workflows')), activities: activities(w, steps) });
  return worker.runUntil(fn(taskQueue));
}

const steps: RollingSyncStep[] = [
  { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] },
  { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }], maxUpdate: 1, approval: { approvers: ['alice'] } },
];

test('every batch of an approval step goes through the gate: with maxUpdate 1, both prod apps wait for an approver', async () => {
  const w = world([['dev', 'dev'], ['prod-eu', 'prod'], ['prod-us', 'prod']]);
  await withPromotionWorker(w, steps, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(promotionWorkflow, { taskQueue, workflowId: `promo-${randomUUID()}`, args: [{ set, revision: 'new', searchAttributes: false }] });
    await t.until('prod-eu waiting for approval', async () => ((await handle.query(promotionQuery)).phase === 'AwaitingApproval' ? true : undefined));
    expect(w.syncs).toEqual([{ name: 'dev', requireApproval: false }, { name: 'prod-eu', requireApproval: true }]);
    approve(w, 'prod-eu', 'new');
    await handle.signal(promotionPokeSignal);
    await t.until('prod-us asked through the gate too', async () => (w.syncs.length === 3 ? true : undefined));
    expect(w.syncs[2]).toEqual({ name: 'prod-us', requireApproval: true });
    approve(w, 'prod-us', 'new');
    await handle.signal(promotionPokeSignal);
    expect(await handle.result()).toMatchObject({ phase: 'Succeeded', steps: [{ state: 'Healthy' }, { state: 'Healthy' }] });
  });
});

test('a superseded promotion withdraws the sync still waiting for approval, and leaves the set\'s status to the newer one', async () => {
  const w = world([['dev', 'dev'], ['prod-eu', 'prod']]);
  await withPromotionWorker(w, steps, async (taskQueue) => {
    const handle = await t.env.client.workflow.start(promotionWorkflow, { taskQueue, workflowId: `promo-${randomUUID()}`, args: [{ set, revision: 'first', searchAttributes: false }] });
    await t.until('prod-eu waiting for approval', async () => ((await handle.query(promotionQuery)).phase === 'AwaitingApproval' ? true : undefined));
    const written = w.statuses.length;
    await handle.cancel();
    expect(await handle.result()).toMatchObject({ phase: 'Superseded', message: 'a newer commit started a new promotion' });
    expect(w.cancelled).toEqual(['prod-eu']);
    expect(w.statuses.length).toBe(written);
  });
});

test('a failed sync in the first step stops the promotion, and says so to the failing app\'s subscribers: the next step is never asked', async () => {
  const w = world([['dev', 'dev'], ['prod-eu', 'prod']]);
  const failing = activities(w, steps);
  const original = failing.startPromotionSync;
  failing.startPromotionSync = async (input) => {
    await original(input);
    if (input.name === 'dev') Object.assign(w.apps.get('dev')!, { syncStatus: 'OutOfSync', syncedRevision: 'old', operationPhase: 'Failed', operationMessage: 'Job/migrate is Degraded' });
  };
  const taskQueue = `promo-${randomUUID()}`;
  const worker = await Worker.create({ connection: t.env.nativeConnection, taskQueue, ...fromSource(require.resolve('../../workflows')), activities: failing });
  await worker.runUntil(async () => {
    const result = await t.env.client.workflow.execute(promotionWorkflow, { taskQueue, workflowId: `promo-${randomUUID()}`, args: [{ set, revision: 'new', searchAttributes: false }] });
    expect(result).toMatchObject({ phase: 'Failed', message: expect.stringMatching(/^step 1: dev: .*Job\/migrate is Degraded.*the promotion stopped before the next step$/) });
    // A notification says where and why, to whoever subscribes to on-promotion-failed on the failing app.
    await t.until('the notification', async () => (w.notified.length ? true : undefined));
  });
  expect(w.syncs.map((s) => s.name)).toEqual(['dev']);
  expect(w.notified).toEqual([expect.objectContaining({ trigger: 'on-promotion-failed', app: expect.objectContaining({ name: 'dev' }), message: expect.stringMatching(/^ApplicationSet monitor: promotion of new failed at step 1: dev: /) })]);
});

test('a set whose promotion of a commit is already running (the set made again meanwhile) adopts it instead of failing', async () => {
  const w = world([['dev', 'dev'], ['prod-eu', 'prod']]);
  const reconciles: number[] = [];
  const stubs = {
    ...activities(w, steps),
    async reconcileApplicationSet() {
      reconciles.push(reconciles.length);
      return { found: true, applications: ['dev', 'prod-eu'], revisions: {}, conflictsWith: [], promotionTarget: 'first' };
    },
  };
  const taskQueue = `promo-${randomUUID()}`;
  const worker = await Worker.create({ connection: t.env.nativeConnection, taskQueue, ...fromSource(require.resolve('../../workflows')), activities: stubs });
  await worker.runUntil(async () => {
    const promotion = await t.env.client.workflow.start(promotionWorkflow, { taskQueue, workflowId: promotionWorkflowId(set, 'first'), args: [{ set, revision: 'first', searchAttributes: false }] });
    await t.until('the promotion waiting for approval', async () => ((await promotion.query(promotionQuery)).phase === 'AwaitingApproval' ? true : undefined));
    const handle = await t.env.client.workflow.start(applicationSetWorkflow, { taskQueue, workflowId: `set-${randomUUID()}`, args: [{ set, options: { intervalMs: 60_000 } }] });
    await t.until('two reconciles', async () => (reconciles.length >= 2 ? true : undefined), '30s');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await promotion.describe()).status.name).toBe('RUNNING');
    await handle.terminate();
    await promotion.terminate();
  });
});
