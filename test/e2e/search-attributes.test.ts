// End to end (issue 15): the worker registers its search attributes itself. A private Temporal dev server (never
// the shared stack's) starts with none registered; the worker registers the ones its workflows write at start, an
// app syncs, and the Temporal UI's filter on them finds its sync; a restarted worker registers nothing again.
// Then a namespace with no room left for them (the dev server's SQLite visibility holds 10 keywords, and 9 are
// taken by others): the worker exits with one line naming exactly the attributes it lacks and the command that
// registers them. With room made, that command, run as printed, registers them, and the worker starts.
// (A refusal for want of permission cannot be made on a dev server, which has no authorizer; the server's own
// refusal takes the same path, and test/unit/search-attributes.test.ts covers PERMISSION_DENIED.)
import { spawnSync } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_LIST, SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { stackEnv } from '../support/stack';
import { DevServer, startDevServer } from '../support/temporal-dev-server';
import { startWorker, workerCommand } from '../support/worker';

const REGISTERED = 'registered the search attributes the Temporal namespace lacked';
const CROWDED = 'crowded';
const FILLERS = Array.from({ length: 9 }, (_, i) => `Filler${i + 1}`);
const run = new E2eRun(19310);
let server: DevServer;
let operator: Connection;

beforeAll(async () => {
  server = await startDevServer(['--namespace', CROWDED], { searchAttributes: [], ports: { port: 19390, uiPort: 19391, httpPort: 19392, metricsPort: 19393 } });
  operator = await Connection.connect({ address: server.address });
  run.temporalAddress = run.workerEnv.TEMPORAL_ADDRESS = server.address;
}, 60_000);

afterAll(async () => {
  await run.stop();
  await operator?.close();
  await server?.stop();
});

/** The namespace's custom search attributes, name → Temporal's type name. */
async function customAttributes(namespace: string): Promise<Record<string, string>> {
  const { customAttributes: custom } = await operator.operatorService.listSearchAttributes({ namespace });
  return Object.fromEntries(Object.entries(custom ?? {}).map(([name, type]) => [name, temporal.api.enums.v1.IndexedValueType[type]]));
}

/** The Temporal CLI against the private server: `args` after `temporal`. */
function temporalCli(args: string[]): { code: number; out: string } {
  const r = spawnSync(stackEnv().SLUICE_TEMPORAL_CLI, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

test('a worker on a namespace without the search attributes registers them, and its workflows write them', async () => {
  const ours = SEARCH_ATTRIBUTE_LIST.map((a) => a.name);
  expect(Object.keys(await customAttributes('default')).filter((name) => ours.includes(name))).toEqual([]);

  await run.start();
  expect(run.worker.output()).toContain(`"searchAttributes":${JSON.stringify(ours)},"temporalNamespace":"default","msg":"${REGISTERED}"`);
  expect(await customAttributes('default')).toMatchObject(Object.fromEntries(ours.map((name) => [name, 'INDEXED_VALUE_TYPE_KEYWORD'])));

  const { namespace, name, repo } = await run.scenario('attrs', {
    'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  attrs: "yes"\n',
  });
  await run.waitForOperation(namespace, name, 'Succeeded', repo.git('rev-parse', 'HEAD'));
  // The UI's filter on them finds the app's sync, and the app workflow's health.
  const query = `${SEARCH_ATTRIBUTES.application.name} = "${name}" AND ${SEARCH_ATTRIBUTES.namespace.name} = "${namespace}"`;
  await eventually('the sync and its app found by their search attributes', async () => {
    const found: string[] = [];
    for await (const wf of run.temporal.workflow.list({ query: `${query} AND ${SEARCH_ATTRIBUTES.kind.name} = "Sync"` })) found.push(wf.workflowId);
    for await (const wf of run.temporal.workflow.list({ query: `${query} AND ${SEARCH_ATTRIBUTES.health.name} = "Healthy"` })) found.push(wf.workflowId);
    return found.some((id) => id.startsWith(`sluice-sync/${namespace}/${name}/`)) && found.length >= 2 ? found : undefined;
  }, 60_000);

  // Nothing is missing now: a restarted worker registers nothing.
  await run.restartWorker();
  expect(run.worker.output()).not.toContain(REGISTERED);
});

test('a namespace with no room for them: the worker exits with one line naming what it lacks, and its command registers them', async () => {
  // SluiceApplication is there already; 9 other keywords fill the namespace's 10.
  const taken = [SEARCH_ATTRIBUTES.application.name, ...FILLERS];
  expect(temporalCli(['operator', 'search-attribute', 'create', '--address', server.address, '--namespace', CROWDED, ...taken.flatMap((name) => ['--name', name, '--type', 'Keyword'])]).code).toBe(0);
  const lacking = SEARCH_ATTRIBUTE_LIST.map((a) => a.name).filter((name) => name !== SEARCH_ATTRIBUTES.application.name);

  // Its own apps (none) and task queue: the first test's app stays the first worker's.
  const env = { ...run.workerEnv, TEMPORAL_NAMESPACE: CROWDED, SLUICE_APP_SELECTOR: `sluice.dev/test-run=${run.runId}-crowded`, SLUICE_TASK_QUEUE: `${run.workerEnv.SLUICE_TASK_QUEUE}-crowded`, SLUICE_HTTP_PORT: '19312', SLUICE_TEMPORAL_METRICS_ADDRESS: '127.0.0.1:19313', KUBECONFIG: run.env.KUBECONFIG };
  const refused = spawnSync(process.execPath, workerCommand(env), { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000, killSignal: 'SIGKILL' });
  expect(refused.status).toBe(1);
  const lines = refused.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^error: Temporal namespace ${CROWDED} needs the search attributes ${lacking.join(', ')}, which this worker could not register \\(.*cannot have more than 10 search attribute of type Keyword.*\\); register them with: temporal operator search-attribute create .*$`));
  const command = lines[0].slice(lines[0].indexOf('register them with: temporal ') + 'register them with: temporal '.length);
  expect(command).toBe(`operator search-attribute create --address ${server.address} --namespace ${CROWDED} ${lacking.map((name) => `--name ${name} --type Keyword`).join(' ')}`);

  // With room made, the printed command registers them, and the worker starts with nothing to register.
  expect(temporalCli(['operator', 'search-attribute', 'remove', '--address', server.address, '--namespace', CROWDED, '--yes', ...FILLERS.flatMap((name) => ['--name', name])]).code).toBe(0);
  const created = temporalCli(command.split(' '));
  expect(created).toMatchObject({ code: 0 });
  expect(await customAttributes(CROWDED)).toMatchObject(Object.fromEntries(SEARCH_ATTRIBUTE_LIST.map((a) => [a.name, 'INDEXED_VALUE_TYPE_KEYWORD'])));
  const worker = await startWorker(env);
  try {
    expect(worker.output()).not.toContain(REGISTERED);
  } finally {
    await worker.stop();
  }
});
