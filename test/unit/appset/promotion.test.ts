import { promotionTarget, promotionWorkflowId } from '../../../domain/appset/promotion';

const app = (name: string, revision: string | undefined, syncStatus = 'OutOfSync', health = 'Healthy') => ({ name, revision, syncStatus, health });

test.each([
  ['nothing reported yet', [app('dev', undefined)], undefined],
  ['a new commit reported by every app', [app('dev', 'b'), app('staging', 'b'), app('prod', 'b')], 'b'],
  ['the commit most apps report wins while the others have not refreshed yet', [app('dev', 'b'), app('staging', 'b'), app('prod', 'a', 'Synced')], 'b'],
  ['a tie goes to the commit reported first', [app('dev', 'b'), app('staging', 'a')], 'b'],
  ['all Synced and Healthy at it: no promotion due', [app('dev', 'b', 'Synced'), app('prod', 'b', 'Synced')], undefined],
  ['Synced but Degraded somewhere: still due', [app('dev', 'b', 'Synced'), app('prod', 'b', 'Synced', 'Degraded')], 'b'],
])('promotionTarget: %s', (_name, apps, expected) => {
  expect(promotionTarget(apps)).toBe(expected);
});

test('one promotion workflow per set and commit', () => {
  expect(promotionWorkflowId({ namespace: 'apps', name: 'envs' }, '0123456789abcdef0123')).toBe('sluice-promotion/apps/envs/0123456789ab');
});
