// Per-commit checkouts: written once for concurrent readers, kept while leased, evicted least recently used over the size limit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckoutCache, parseSize } from '../../../activities/git/checkouts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-checkouts-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Evicted checkouts are removed in the background. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
const key = (n: number) => `${'a'.repeat(32)}-${String(n).repeat(40).slice(0, 40)}`;
const writer = (bytes: number, calls: { n: number }) => async (dest: string) => {
  calls.n++;
  await fs.promises.mkdir(dest, { recursive: true });
  await fs.promises.writeFile(path.join(dest, 'f'), 'x'.repeat(bytes));
  return bytes;
};

test('concurrent acquisitions of one commit share one write', async () => {
  const cache = new CheckoutCache(path.join(root, 'shared'), 1000);
  const calls = { n: 0 };
  const leases = await Promise.all([1, 2, 3].map(() => cache.acquire(key(1), writer(10, calls))));
  expect(calls.n).toBe(1);
  expect(new Set(leases.map((l) => l.dir)).size).toBe(1);
  expect(fs.readFileSync(path.join(leases[0].dir, 'f'), 'utf8')).toHaveLength(10);
  leases.forEach((l) => l.release());
});

test('over the size limit the least recently used idle checkout goes; a leased one stays', async () => {
  const cache = new CheckoutCache(path.join(root, 'lru'), 250);
  const calls = { n: 0 };
  const one = await cache.acquire(key(1), writer(100, calls));
  const two = await cache.acquire(key(2), writer(100, calls));
  two.release();
  one.release();
  const three = await cache.acquire(key(3), writer(100, calls)); // 300 > 250: "two" was used least recently
  await settle();
  expect(fs.existsSync(two.dir)).toBe(false);
  expect(fs.existsSync(one.dir)).toBe(true);
  const big = await cache.acquire(key(4), writer(400, calls)); // over the limit alone: kept while leased
  await settle();
  expect(fs.existsSync(big.dir)).toBe(true);
  expect(fs.existsSync(three.dir)).toBe(true);
  expect(fs.existsSync(one.dir)).toBe(false);
  big.release();
  three.release();
  expect(cache.bytes).toBeLessThanOrEqual(250);
});

test('a failed write is not kept: the next acquisition writes again', async () => {
  const cache = new CheckoutCache(path.join(root, 'fail'), 1000);
  await expect(cache.acquire(key(5), async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  const calls = { n: 0 };
  (await cache.acquire(key(5), writer(1, calls))).release();
  expect(calls.n).toBe(1);
});

test.each([['1073741824', 1024 ** 3], ['512Mi', 512 * 1024 ** 2], ['2G', 2e9], ['10k', 1e4], ['lots', undefined]])('parseSize(%s) = %s', (text, bytes) => {
  expect(parseSize(text)).toBe(bytes);
});
