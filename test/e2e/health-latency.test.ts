// End to end: an app's health follows the cluster within seconds, not at the next poll. Polling is every
// 2 minutes here, so only the watch on the tracked Deployment's status can report it Healthy in time.
import { deploymentYaml } from '../fixtures/sources';
import { E2eRun } from '../support/e2e';

const run = new E2eRun(18302);
const { kube, scenario, waitForOperation, application } = run;

beforeAll(() => run.start());
afterAll(() => run.stop());

test('an app reports Healthy within 5 s of its last Deployment becoming Available', async () => {
  // minReadySeconds holds Available back until after the one-wave sync has ended (and its own refresh is done).
  const files = { 'app/deployment.yaml': deploymentYaml('web', 2).replace('spec:\n  replicas: 2\n', 'spec:\n  minReadySeconds: 4\n  replicas: 2\n') };
  const { namespace, name, repo } = await scenario('health', files);
  const synced = await waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
  expect(synced.status.health.status).not.toBe('Healthy');

  // Polled every 200 ms, so the moment it turns Healthy is known to within that.
  let app = synced;
  for (const deadline = Date.now() + 30_000; app?.status?.health?.status !== 'Healthy'; app = await application(namespace, name)) {
    if (Date.now() > deadline) throw new Error(`the app is still ${app?.status?.health?.status} (${app?.status?.health?.message ?? ''}) 30 s after its sync`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const healthyAt = Date.now();
  const deployment = await kube.get('apps/v1', 'Deployment', namespace, 'web');
  const available = ((deployment!.status as any).conditions as any[]).find((c) => c.type === 'Available' && c.status === 'True');
  // The condition's time has one-second resolution: the latency measured is at most a second too long.
  const becameAvailable = Date.parse(available.lastTransitionTime);
  expect(becameAvailable).toBeGreaterThanOrEqual(Date.parse(synced.status.operationState.finishedAt) - 1000);
  const latencyMs = healthyAt - becameAvailable;
  console.log(`Deployment Available at ${available.lastTransitionTime}; the app reported Healthy ${latencyMs} ms later`);
  expect(latencyMs).toBeLessThan(5000);
});
