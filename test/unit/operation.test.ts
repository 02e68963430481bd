import { effectiveRetry, retryDelayMs, canRetry } from '../../domain/operation/retry';
import { refusalReason } from '../../domain/operation/approval';
import { ApprovalRequest } from '../../domain/operation/types';

test("Argo CD's backoff: duration × factor^n capped at maxDuration, defaults 5s/2/3m", () => {
  const retry = effectiveRetry({ limit: 10 }, false);
  expect([0, 1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(retry, n))).toEqual([5000, 10000, 20000, 40000, 80000, 160000, 180000]);
  const custom = effectiveRetry({ limit: 3, backoff: { duration: '1m', factor: 3, maxDuration: '5m' } }, false);
  expect([0, 1, 2].map((n) => retryDelayMs(custom, n))).toEqual([60000, 180000, 300000]);
});

test('retry limits: none by default, 5 for automated sync without a retry block, negative is unlimited', () => {
  expect(effectiveRetry(undefined, false).limit).toBe(0);
  expect(effectiveRetry(undefined, true).limit).toBe(5);
  expect(effectiveRetry({ limit: 0 }, true).limit).toBe(0);
  expect(canRetry(effectiveRetry({ limit: 2 }, false), 2)).toBe(true);
  expect(canRetry(effectiveRetry({ limit: 2 }, false), 3)).toBe(false);
  expect(canRetry(effectiveRetry({ limit: -1 }, false), 1000)).toBe(true);
});

test('approval decisions are pinned to revision and diff, by a listed approver, once', () => {
  const request: ApprovalRequest = { state: 'Pending', revision: 'a'.repeat(40), diffDigest: 'sha256:abc', requestedAt: '', approvers: ['alice', 'group:platform'], summary: { apply: 1, prune: 0, hook: 0, steps: 1, outOfSync: 1 }, commands: [], refused: [] };
  const ok = { approve: true, revision: 'a'.repeat(40), diffDigest: 'sha256:abc', user: 'alice' };
  expect(refusalReason(request, ok)).toBeUndefined();
  expect(refusalReason(request, { ...ok, user: 'bob', groups: ['platform'] })).toBeUndefined();
  expect(refusalReason(request, { ...ok, user: 'mallory' })).toMatch(/not an approver/);
  expect(refusalReason(request, { ...ok, revision: 'b'.repeat(40) })).toMatch(/stale decision: it names revision/);
  expect(refusalReason(request, { ...ok, diffDigest: 'sha256:other' })).toMatch(/stale decision: it names diff/);
  expect(refusalReason({ ...request, state: 'Approved', decidedBy: 'alice' }, ok)).toMatch(/already approved by alice/);
  expect(refusalReason(undefined, ok)).toMatch(/no approval is pending/);
});
