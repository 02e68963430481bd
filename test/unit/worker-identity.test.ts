// How a worker names itself to Temporal and how `sluice version` reads the versions back off a task queue's pollers.
import { parseWorkerIdentity, workerIdentity, workerVersions } from '../../domain/worker-identity';
import { versionLines, versionReport } from '../../client/version';
import { SLUICE_VERSION } from '../../config/user-agent';
import { version } from '../../package.json';

test('a worker identity carries its version, pid and host, and parses back', () => {
  const identity = workerIdentity('1.2.3', 4242, 'node-a');
  expect(identity).toBe('sluice-worker/1.2.3 4242@node-a');
  expect(parseWorkerIdentity(identity)).toEqual({ version: '1.2.3', instance: '4242@node-a' });
});

test.each([
  ['the SDK default, pid@host', '4242@node-a', { instance: '4242@node-a' }],
  ['another program', 'temporal-cli', { instance: 'temporal-cli' }],
  ['a version with a pre-release tag', 'sluice-worker/0.2.0-rc.1 7@pod-x', { version: '0.2.0-rc.1', instance: '7@pod-x' }],
  ['a version alone', 'sluice-worker/0.2.0', { version: '0.2.0', instance: 'sluice-worker/0.2.0' }],
  ['a version prefix with nothing after it', 'sluice-worker/', { instance: 'sluice-worker/' }],
])('%s', (_, identity, parsed) => {
  expect(parseWorkerIdentity(identity)).toEqual(parsed);
});

test('pollers group by version: a process that polls both task queue types counts once, the newest poll is kept', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const versions = workerVersions([
    { identity: 'sluice-worker/0.9.0 1@a', lastAccessTime: at(5) },
    { identity: 'sluice-worker/0.10.0 2@b', lastAccessTime: at(3) },
    { identity: 'sluice-worker/0.9.0 1@a', lastAccessTime: at(9) },
    { identity: '77@c' },
    { identity: 'sluice-worker/0.10.0 3@b', lastAccessTime: at(1) },
  ]);
  expect(versions).toEqual([
    { version: '0.10.0', instances: ['2@b', '3@b'], lastPolledAt: '2026-01-01T00:00:03.000Z' },
    { version: '0.9.0', instances: ['1@a'], lastPolledAt: '2026-01-01T00:00:09.000Z' },
    { version: 'unknown', instances: ['77@c'] },
  ]);
});

test('the client version is package.json\'s', () => {
  expect(SLUICE_VERSION).toBe(version);
});

test('`sluice version` says when no worker polls the task queue, and otherwise names each version', () => {
  const where = { taskQueue: 'sluice', namespace: 'default' };
  expect(versionLines(versionReport([], where))).toEqual([`client: sluice ${version}`, 'worker: no worker polling task queue sluice (Temporal namespace default)']);
  expect(versionLines(versionReport([{ identity: 'sluice-worker/0.3.0 9@h', lastAccessTime: new Date('2026-01-01T00:00:00Z') }, { identity: '8@h' }], where))).toEqual([
    `client: sluice ${version}`,
    'worker: sluice 0.3.0 on task queue sluice: 9@h; last poll 2026-01-01T00:00:00.000Z',
    'worker: unknown version (not a Sluice worker, or one from before workers named their version) on task queue sluice: 8@h',
  ]);
  // --client asks Temporal nothing: no worker part at all.
  expect(versionReport(undefined, where)).toEqual({ client: { version } });
  expect(versionLines(versionReport(undefined, where))).toEqual([`client: sluice ${version}`]);
});
