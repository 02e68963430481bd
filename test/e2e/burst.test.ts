// End to end (issue 14, "Concurrency"): a burst of refresh signals, signed webhooks, manual syncs from the CLI
// and pushes, all at once, against one automated app whose sync has hooks and waves. Every request is answered
// (accepted, or refused with a reason); the app's syncs never overlap in time (one operation at a time); and the
// app ends Synced and Healthy at the last commit.
import { createHmac } from 'node:crypto';
import { wavesApp } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const run = new E2eRun(18900);
beforeAll(() => run.start());
afterAll(() => run.stop());

test('refreshes, webhooks, manual syncs and pushes at once: all answered, one operation at a time, ends at the last commit', async () => {
  const { namespace, name, repo } = await run.scenario('burst', wavesApp());
  await run.waitForOperation(namespace, name, 'Succeeded');
  const url = `http://127.0.0.1:${run.httpPort}/api/webhook`;
  const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.url } });
  const signature = `sha256=${createHmac('sha256', run.webhookSecret).update(body).digest('hex')}`;
  const webhook = () => fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature } }).then((r) => r.status);
  const handle = run.appHandle(namespace, name);

  let last = '';
  const burst: Promise<unknown>[] = [];
  for (let round = 1; round <= 3; round += 1) {
    last = repo.commit(`replicas ${round + 1}`, { 'app/deployment.yaml': wavesApp({ replicas: round + 1 })['app/deployment.yaml'] });
    for (let i = 0; i < 7; i += 1) burst.push(handle.signal('refresh'));
    for (let i = 0; i < 3; i += 1) burst.push(webhook());
    burst.push(run.sluiceAsync({}, 'app', 'sync', name, '-n', namespace, '--async'));
  }
  const answers = await Promise.all(burst);
  const webhooks = answers.filter((a): a is number => typeof a === 'number');
  const syncs = answers.filter((a): a is { code: number; out: string } => typeof a === 'object' && a !== null && 'code' in a);
  console.log(`webhooks: ${webhooks.join(' ')}\nmanual syncs:\n${syncs.map((s) => `  exit ${s.code}: ${s.out.trim().split('\n').pop()}`).join('\n')}`);
  expect(webhooks.every((status) => status === 200)).toBe(true);
  // Each manual sync was answered: accepted (0), or refused with its reason (2), never left hanging.
  for (const s of syncs) {
    expect([0, 2]).toContain(s.code);
    if (s.code === 2) expect(s.out).toMatch(/refused|in progress/i);
  }

  const app = await eventually('Synced and Healthy at the last commit, with nothing running', async () => {
    const a = await run.application(namespace, name);
    const s = a?.status;
    return s?.sync?.status === 'Synced' && s.sync.revision === last && s.health?.status === 'Healthy' && s.operationState?.phase !== 'Running' ? a : undefined;
  }, 120_000);
  expect(app.status.operationState.phase).toBe('Succeeded');

  const intervals: { id: string; start: number; end: number }[] = [];
  for await (const wf of run.temporal.workflow.list({ query: `WorkflowId STARTS_WITH 'sluice-sync/${namespace}/${name}/'` })) {
    intervals.push({ id: wf.workflowId, start: wf.startTime.getTime(), end: (wf.closeTime ?? new Date(8.64e15)).getTime() });
  }
  intervals.sort((a, b) => a.start - b.start);
  console.log(`${intervals.length} syncs: ${intervals.map((i) => `${i.id.split('/').pop()} ${(i.end - i.start)} ms`).join(', ')}`);
  expect(intervals.length).toBeGreaterThan(1);
  for (let i = 1; i < intervals.length; i += 1) expect(intervals[i].start).toBeGreaterThanOrEqual(intervals[i - 1].end);
});
