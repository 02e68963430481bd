// End to end (issue 14's "5,000 resources in one app", issue 11's payloads independent of the app's size): one
// automated app of 5,000 tiny ConfigMaps (names of 38 characters) in five multi-document files syncs, Succeeded, Synced and Healthy, in
// one run. The CR's status stays well under etcd's 1.5 MiB request limit (the per-resource lists are capped,
// with counts): with names this long, the uncapped CR was over it and every status write was refused with a 500.
// Logs the sync's history by event (the plan, returned by prepareSync, is the largest: about 230 bytes a task).
import { temporal } from '@temporalio/proto';
import { syncWorkflowId } from '../../domain/operation/types';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const run = new E2eRun(18740);
const { scenario, waitForOperation, application } = run;
const COUNT = 5000;
const FILES = 5;

beforeAll(() => run.start());
afterAll(() => run.stop());

function configMaps(file: number): string {
  const per = COUNT / FILES;
  return Array.from({ length: per }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-for-the-backend-service-${String(file * per + i).padStart(4, '0')}\ndata:\n  k: v\n`).join('---\n');
}

test(`an app of ${COUNT} ConfigMaps syncs, with a bounded status and history`, async () => {
  const files = Object.fromEntries(Array.from({ length: FILES }, (_, f) => [`app/cms-${f}.yaml`, configMaps(f)]));
  const started = Date.now();
  const { namespace, name, repo } = await scenario('bigapp', files);
  // Time is printed, never asserted (bench:large measures it against kubectl); the bound is liveness: it ends.
  const app = await waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'), 300_000);
  const syncedMs = Date.now() - started;
  const healthy = await eventually('the app to be Synced and Healthy', async () => {
    const cr = await application(namespace, name);
    return cr?.status?.sync?.status === 'Synced' && cr?.status?.health?.status === 'Healthy' ? cr : undefined;
  }, 60_000);
  const live = await run.kube.list('v1', 'ConfigMap', { namespace });
  expect(live.filter((cm) => cm.metadata.name?.startsWith('settings-')).length).toBe(COUNT);

  const crBytes = JSON.stringify(healthy).length;
  const operationId = app.status.operationState.operation.operationId;
  const handle = run.temporal.workflow.getHandle(syncWorkflowId({ namespace, name }, operationId));
  const { events } = await handle.fetchHistory();
  const sizes = events!.map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
  const historyBytes = sizes.reduce((a, b) => a + b, 0);
  const largest = Math.max(...sizes);
  const progressBytes = JSON.stringify(await handle.query('progress')).length;
  // Each event's size by what it is: a local activity's marker names its activity in core's own JSON.
  const what = events!.map((e) => {
    const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    const type = data ? (JSON.parse(Buffer.from(data).toString()) as { activity_type?: string }).activity_type : undefined;
    return type ?? e.activityTaskScheduledEventAttributes?.activityType?.name ?? String(e.eventType);
  });
  const byWhat = new Map<string, number[]>();
  what.forEach((w, i) => byWhat.set(w, [...(byWhat.get(w) ?? []), sizes[i]]));
  console.log([...byWhat].filter(([, s]) => Math.max(...s) > 10_000).map(([w, s]) => `${w}: ${s.join(', ')}`).join('\n'));
  console.log(`${COUNT} ConfigMaps: Succeeded ${(syncedMs / 1000).toFixed(1)} s after the CR was created; CR ${crBytes} bytes ` +
    `(syncResult.resources ${healthy.status.operationState.syncResult.resources.length}, status.resources ${healthy.status.resources.length}); ` +
    `sync history ${events!.length} events, ${historyBytes} bytes, largest event ${largest} bytes; progress query ${progressBytes} bytes`);
  // The lists' budgets (768 KiB and 256 KiB) and the rest of the CR: well under etcd's 1.5 MiB.
  expect(crBytes).toBeLessThan(1.1 * 1024 * 1024);
  expect(healthy.status.operationState.syncResult.resources).toHaveLength(1000);
  expect(healthy.status.resources.length).toBeGreaterThan(4000);
  // The counts need this worktree's CRDs; on the shared stack another run may have applied older ones since.
  const crd = await run.kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'applications.sluice.dev');
  if ((crd!.spec as any).versions[0].schema.openAPIV3Schema.properties.status.properties.resourcesCount) {
    expect(healthy.status.resourcesCount).toBe(COUNT);
    expect(healthy.status.operationState.syncResult.resourcesCount).toBe(COUNT);
  }
}, 400_000);
