// End to end (issue 15, "The Temporal UI reads like a deployment log"): a real sync of a demo-like app (a PreSync
// hook, two waves, a PostSync hook) leaves in Temporal's history what the UI's timeline shows: a summary on every
// activity (each wait for health is an ActivityTaskScheduled event with one; planning, applying and status writes
// are local activities, whose markers carry theirs), and the sync workflow's static summary and details (app,
// revision, initiator). With payload encryption on, as here, that metadata is stored encrypted like any payload
// and reads back through the codec; the app workflow also keeps its current details (static ones do not survive
// continue-as-new).
import { randomBytes } from 'node:crypto';
import { EncryptionCodec } from '../../config/payload-codec';
import { payloadKeysFromEnv } from '../../config/payload-keys';
import { applicationWorkflowId, syncWorkflowId } from '../../domain/operation/types';
import { timelineApp } from '../fixtures/gitops';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { activityEvents, historyMetadata } from '../support/user-metadata';

const PORT = 19500;
const run = new E2eRun(PORT, { SLUICE_PAYLOAD_KEYS: `ui-key:${randomBytes(32).toString('base64')}` });
const codec = new EncryptionCodec(payloadKeysFromEnv(run.workerEnv)!);

beforeAll(() => run.start());
afterAll(() => run.stop());

test('a real sync\'s history carries the summaries of its steps and the sync\'s static summary and details', async () => {
  const { namespace, name, repo } = await run.scenario('ui-summary', timelineApp());
  const sha = repo.git('rev-parse', 'main').trim();
  const app = await run.waitForOperation(namespace, name, 'Succeeded', sha);
  const short = sha.slice(0, 12);
  const syncId = syncWorkflowId({ namespace, name }, app.status.operationState.operation.operationId);

  // The CR says Succeeded a moment before the workflow task that records its last steps completes.
  await run.temporal.workflow.getHandle(syncId).result();
  const events = await historyMetadata(run.temporal, syncId, undefined, codec);
  // Stored as every other payload is: encrypted, the summaries' text nowhere in the raw history.
  expect(new Set(events.flatMap((e) => e.storedEncodings))).toEqual(new Set(['binary/encrypted']));
  expect(events.filter((e) => e.storedData.some((data) => data.includes(e.summary!)))).toEqual([]);

  const [started] = events;
  expect(started.type).toBe('WORKFLOW_EXECUTION_STARTED');
  expect(started.summary).toBe(`sync ${name} to ${short}, automated`);
  expect(started.details).toContain(`- **Application**: ${namespace}/${name} (sluice.dev), project e2e`);
  expect(started.details).toContain(`- **Revision**: ${sha} (tracking main)`);
  expect(started.details).toContain('- **Initiated by**: the automated sync policy');

  // Waiting for health is the one normal activity of a step: its ActivityTaskScheduled events, in order.
  expect(events.filter((e) => e.type === 'ACTIVITY_TASK_SCHEDULED').map((e) => `${e.name}: ${e.summary}`)).toEqual([
    'awaitStepHealthy: wait for PreSync hook Job/migrate to complete',
    'awaitStepHealthy: wait for wave 1 to be Healthy (1 resource)',
    'awaitStepHealthy: wait for wave 2 to be Healthy (2 resources)',
    'awaitStepHealthy: wait for PostSync hook Job/smoke to complete',
  ]);
  // The whole story, local activities' markers included.
  expect(events.filter((e) => e.type !== 'WORKFLOW_EXECUTION_STARTED').map((e) => e.summary)).toEqual([
    'record status: Running, planning',
    `plan and dry-run ${name} at ${short}`,
    'record status: Running, PreSync',
    'PreSync hook Job/migrate',
    'wait for PreSync hook Job/migrate to complete',
    'record status: Running, wave 1',
    'apply wave 1: ConfigMap/settings',
    'wait for wave 1 to be Healthy (1 resource)',
    'record status: Running, wave 2',
    'apply wave 2: Service/web, Deployment/web',
    'wait for wave 2 to be Healthy (2 resources)',
    'record status: Running, PostSync',
    'PostSync hook Job/smoke',
    'wait for PostSync hook Job/smoke to complete',
    'keep hooks: none has the HookSucceeded delete policy',
    'record status: Succeeded',
  ]);
  // No activity without a summary.
  expect((await activityEvents(run.temporal, syncId)).filter((e) => !e.hasSummary)).toEqual([]);

  // The app workflow: its own summary, its refreshes and waits, the sync it started; and its current details.
  const appId = applicationWorkflowId({ namespace, name });
  // A refresh names the revision it tracks once it knows the spec: from the second refresh (the sync's end wakes one).
  const appEvents = await eventually('a refresh that names the tracked revision', async () => {
    const found = await historyMetadata(run.temporal, appId, undefined, codec);
    return found.some((e) => e.summary === `refresh ${name} at main`) ? found : undefined;
  });
  expect(appEvents[0]).toMatchObject({ type: 'WORKFLOW_EXECUTION_STARTED', summary: `reconcile Application ${namespace}/${name}` });
  expect(appEvents).toContainEqual(expect.objectContaining({ type: 'MARKER_RECORDED', summary: `refresh ${name}` }));
  expect(appEvents).toContainEqual(expect.objectContaining({ type: 'START_CHILD_WORKFLOW_EXECUTION_INITIATED', summary: `sync ${name} to ${short}, automated` }));
  expect(appEvents.some((e) => e.type === 'TIMER_STARTED' && /^next refresh in \d/.test(e.summary ?? ''))).toBe(true);
  expect((await activityEvents(run.temporal, appId)).filter((e) => !e.hasSummary)).toEqual([]);
  const metadata = await run.temporal.workflow.getHandle(appId).query<{ currentDetails: string }>('__temporal_workflow_metadata');
  expect(metadata.currentDetails).toContain(`- **Last sync**: Succeeded at ${short}`);
});
