// Replay safety: every history in test/fixtures/histories (recorded from the workflows as they were, by
// `npm run record:histories`) must replay against the workflows as they are. A change that would issue
// different commands to a running workflow (an activity added, moved or removed, a timer changed, a child
// started differently) fails here with a nondeterminism error instead of breaking workflows in flight.
// Such a change needs a patched() branch, kept for as long as a fixture recorded before it exists. Histories
// recorded before such a change stay in a subfolder named for it (e.g. before-local-steps/), so the old branch
// keeps being replayed.
import { bundleWorkflowCode, DefaultLogger, Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJson } from '../support/history-json';
import { workflowBundleOptions } from '../../worker/workflow-source';

const FIXTURES = path.resolve(__dirname, '../fixtures/histories');
const files = fs.readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort();

let workflowBundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), ...workflowBundleOptions(require.resolve('../../workflows')), logger: new DefaultLogger('WARN') });
});

test('the fixtures cover the app workflow, its continued runs and sync children, as they run now and as they ran before', () => {
  const current = files.filter((f) => !f.includes(path.sep));
  expect(current.filter((f) => f.includes('-applicationWorkflow')).length).toBeGreaterThanOrEqual(6);
  expect(current.filter((f) => f.includes('-syncWorkflow')).length).toBeGreaterThanOrEqual(6);
  expect(files.filter((f) => f.startsWith(`before-local-steps${path.sep}`) && f.includes('-syncWorkflow')).length).toBeGreaterThanOrEqual(6);
});

test.each(files)('%s replays without nondeterminism', async (file) => {
  const history = historyFromJson(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle, replayName: file }, history, path.basename(file).replace(/\.json$/, ''));
});
