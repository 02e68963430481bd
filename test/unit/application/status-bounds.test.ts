// The bounds on an Application's per-resource status lists (domain/application/status-bounds).
import { boundList, boundStatusResources, boundTasks } from '../../../domain/application/status-bounds';

const cm = (name: string, status = 'Synced', health = 'Healthy') => ({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'ns', name, status, health: { status: health } });
const names = (items: Array<{ name: string }>) => items.map((i) => i.name);

test.each<[string, ReturnType<typeof cm>[], { entries: number; bytes: number }, string[]]>([
  ['within the bound: all, as they are', [cm('a'), cm('b')], { entries: 5, bytes: 10_000 }, ['a', 'b']],
  ['over the count: the first ones, in order', [cm('a'), cm('b'), cm('c')], { entries: 2, bytes: 10_000 }, ['a', 'b']],
  ['out of sync and unhealthy ones first, then the rest, in their order', [cm('a'), cm('b'), cm('c', 'OutOfSync'), cm('d', 'Synced', 'Degraded')], { entries: 3, bytes: 10_000 }, ['a', 'c', 'd']],
  ['over the byte size: as many as fit', [cm('a'), cm('b'), cm('c')], { entries: 10, bytes: 2 + 2 * (JSON.stringify(cm('a')).length + 1) }, ['a', 'b']],
])('status.resources: %s', (_, items, bound, expected) => {
  const bounded = boundStatusResources(items, bound);
  expect(names(bounded.items)).toEqual(expected);
  expect(bounded.total).toBe(items.length);
});

test('one resource of each kind is kept before anything else (the next refresh looks for orphans of those kinds)', () => {
  const items = [cm('a', 'OutOfSync'), cm('b', 'OutOfSync'), { ...cm('svc'), kind: 'Service' }, { ...cm('deploy'), group: 'apps', kind: 'Deployment' }];
  expect(names(boundStatusResources(items, { entries: 3, bytes: 10_000 }).items)).toEqual(['a', 'svc', 'deploy']);
});

test('a sync of 5,000 tasks: 1,000 in its result, unsettled ones and hooks first, under 256 KiB', () => {
  const tasks = Array.from({ length: 5000 }, (_, i) => ({ subject: `ConfigMap/a-long-namespace-name-of-a-team/configmap-number-${i}`, action: 'apply', phase: 'Sync', wave: 0, status: i % 1000 === 7 ? 'Failed' : 'Synced' }));
  tasks.push({ subject: 'Job/a-long-namespace-name-of-a-team/migrate', action: 'hook', phase: 'PostSync', wave: 0, status: 'Healthy' });
  const bounded = boundTasks(tasks);
  expect(bounded.total).toBe(5001);
  expect(bounded.items).toHaveLength(1000);
  expect(JSON.stringify(bounded.items).length).toBeLessThanOrEqual(256 * 1024);
  expect(bounded.items.filter((t) => t.status === 'Failed')).toHaveLength(5);
  expect(bounded.items.some((t) => t.action === 'hook')).toBe(true);
  expect(bounded.items[0].subject).toBe(tasks[0].subject);
  // Mid-sync, with every task Running, the failed ones still come first.
  const running = boundTasks(tasks.map((t) => ({ ...t, status: t.status === 'Failed' ? 'Failed' : 'Running' })), { entries: 10, bytes: 100_000 });
  expect(running.items.filter((t) => t.status === 'Failed')).toHaveLength(5);
});

test('an entry bigger than the whole budget is left out, not the list cut off at it', () => {
  const items = [{ id: 'x'.repeat(100) }, { id: 'a' }, { id: 'b' }];
  expect(boundList(items, { entries: 10, bytes: 40 }, () => 0, () => 'same').items.map((i) => i.id)).toEqual(['a', 'b']);
});
