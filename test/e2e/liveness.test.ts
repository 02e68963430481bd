// Every operation ends and every request gets an answer, attacked from outside through the CLI binary: a sync
// that is over in a few hundred milliseconds, and an app whose repository cannot be reached.
import { KubeObject } from '../../domain/resource/types';
import { syncUpdate } from '../../workflows/application';
import { applicationManifest } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';

const run = new E2eRun(18098);
const { kube, runId, application, refreshed, sluice, appHandle } = run;

beforeAll(() => run.start());
afterAll(() => run.stop());

const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;

test('a sync that ends in well under a second: `sluice app sync` follows it to its result and exits 0 in a few seconds', async () => {
  const { namespace, name, repo } = await run.scenario('fast', { 'app/config.yaml': configMap('one') }, { automated: false });
  await refreshed(namespace, name);
  const head = repo.git('rev-parse', 'HEAD');

  const synced = sluice(namespace, 'app', 'sync', name);
  console.log(`sluice app sync of a one-wave, no-hook app exited ${synced.code} after ${synced.ms} ms`);
  // Before, the CLI never learned of a sync this fast and ran until it was killed (code -1, after 60 s); the time
  // itself is printed, not asserted (it is a few seconds on an idle machine, mostly the CLI's own start).
  expect(synced).toMatchObject({ code: 0 });
  expect(synced.out).toMatch(/Succeeded/);
  expect(synced.out).toContain(head.slice(0, 8));
  expect(((await kube.get('v1', 'ConfigMap', namespace, 'settings'))?.data as Record<string, string>).value).toBe('one');

  // --async answers at once with the operation the request started, which is a real workflow that ends.
  repo.commit('two', { 'app/config.yaml': configMap('two') });
  await sluice(namespace, 'app', 'refresh', name);
  await eventually('the new revision to be seen', async () => ((await application(namespace, name))?.status?.sync?.revision !== head ? true : undefined));
  const requested = sluice(namespace, 'app', 'sync', name, '--async');
  expect(requested.code).toBe(0);
  const workflowId = /workflow (sluice-sync\/\S+)/.exec(requested.out)?.[1];
  expect(workflowId).toBeDefined();
  const result = await run.temporal.workflow.getHandle(workflowId!).result();
  expect(result.outcome).toBe('Succeeded');
});

test('an unreachable repository: a sync is refused naming the condition, every request is answered, and the app is never wedged', async () => {
  const namespace = await run.namespace('deadrepo');
  const name = namespace;
  await kube.create(applicationManifest({ name, namespace, repoURL: 'http://127.0.0.1:1/nowhere.git', destination: namespace, runId, automated: false }) as unknown as KubeObject);
  const app = await eventually('a ComparisonError condition', async () => {
    const a = await application(namespace, name);
    return a?.status?.conditions?.some((c: { type: string }) => c.type === 'ComparisonError') ? a : undefined;
  });
  expect(app.status.sync.status).toBe('Unknown');

  for (const attempt of [1, 2]) {
    const refused = sluice(namespace, 'app', 'sync', name);
    expect({ attempt, code: refused.code }).toEqual({ attempt, code: 2 });
    expect(refused.out).toMatch(/sync refused: .*could not compare.*ComparisonError/);
    expect(refused.out).not.toMatch(/another operation is already in progress/);
  }
  // An explicit revision that cannot be resolved is answered too, with the reason, and leaves nothing running.
  const explicit = sluice(namespace, 'app', 'sync', name, '--revision', 'main');
  expect(explicit.code).toBe(2);
  expect(explicit.out).toMatch(/sync refused: .*main/);
  expect(sluice(namespace, 'app', 'terminate-op', name).out).toMatch(/no operation is in progress/);
});

test('back to back: a sync requested the moment the CR says the last one ended is accepted, every time', async () => {
  // Argo CD's contract: once status.operationState shows a sync ended, the next one may be asked for. A script
  // that does `sync && sync` sends its second request within milliseconds of reading that status.
  const { namespace, name } = await run.scenario('backtoback', { 'app/config.yaml': configMap('one') }, { automated: false });
  await refreshed(namespace, name);
  const handle = appHandle(namespace, name);
  for (let round = 1; round <= 6; round += 1) {
    const started = await handle.executeUpdate(syncUpdate, { args: [{ initiatedBy: `round-${round}` }] }).catch((error: Error) => ({ refused: `round ${round}: ${(error.cause as Error | undefined)?.message ?? error.message}` }));
    expect(started).toHaveProperty('operationId');
    const { operationId } = started as { operationId: string };
    // Read the CR as fast as a client can, and ask again the instant it says this sync ended.
    for (const deadline = Date.now() + 60_000; ;) {
      const state = (await application(namespace, name))?.status?.operationState;
      if (state?.operation?.operationId === operationId && ['Succeeded', 'Failed', 'Error'].includes(state.phase)) {
        expect(state.phase).toBe('Succeeded');
        break;
      }
      if (Date.now() > deadline) throw new Error(`round ${round}: sync ${operationId} did not end within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
});
