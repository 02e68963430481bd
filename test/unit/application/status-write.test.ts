import { RECONCILED_AT_HEARTBEAT_MS, statusPatch } from '../../../domain/application/status-write';

const now = new Date('2026-01-01T12:00:00Z');
const recently = new Date(now.getTime() - 60_000).toISOString();
const longAgo = new Date(now.getTime() - RECONCILED_AT_HEARTBEAT_MS - 1).toISOString();
const synced = { sync: { status: 'Synced', revision: 'abc' }, health: { status: 'Healthy', message: null }, resources: [{ kind: 'ConfigMap', name: 'a', status: 'Synced' }], conditions: [] };
const stored = { sync: { status: 'Synced', revision: 'abc' }, health: { status: 'Healthy' }, resources: [{ kind: 'ConfigMap', name: 'a', status: 'Synced' }], conditions: [], reconciledAt: recently, operationState: { phase: 'Succeeded' } };
const condition = (message: string, at: string) => ({ type: 'ComparisonError', message, lastTransitionTime: at });

test.each([
  ['nothing changed (null message = absent, other writers\' fields ignored)', stored, synced, false],
  ['sync status changed', stored, { ...synced, sync: { status: 'OutOfSync', revision: 'abc' } }, true],
  ['revision changed', stored, { ...synced, sync: { status: 'Synced', revision: 'def' } }, true],
  ['health message appeared', stored, { ...synced, health: { status: 'Progressing', message: 'rolling out' } }, true],
  ['a resource changed', stored, { ...synced, resources: [{ kind: 'ConfigMap', name: 'a', status: 'OutOfSync' }] }, true],
  ['a field the CR lacks', stored, { ...synced, observedGeneration: 2 }, true],
  ['no stored status at all', undefined, synced, true],
  ['the same condition again, a new transition time', { ...stored, conditions: [condition('bad', longAgo)] }, { ...synced, conditions: [condition('bad', now.toISOString())] }, false],
  ['a condition with a new message', { ...stored, conditions: [condition('bad', longAgo)] }, { ...synced, conditions: [condition('worse', now.toISOString())] }, true],
  ['nothing changed but reconciledAt is older than the heartbeat', { ...stored, reconciledAt: longAgo }, synced, true],
  ['nothing changed, reconciledAt unreadable', { ...stored, reconciledAt: 'never' }, synced, true],
])('%s → write: %s', (_, current, next, write) => {
  const patch = statusPatch(current as Record<string, unknown> | undefined, next, now);
  expect(patch !== undefined).toBe(write);
  if (patch) expect(patch.reconciledAt).toBe(now.toISOString());
});

test('a standing condition keeps its transition time in the patch', () => {
  const patch = statusPatch({ conditions: [condition('bad', longAgo)] }, { sync: { status: 'Unknown' }, conditions: [condition('bad', now.toISOString())] }, now);
  expect(patch?.conditions).toEqual([condition('bad', longAgo)]);
});
