// Search attributes are written only when they change, and never with an undefined value (the server refuses
// it, and the workflow task that tried would fail forever).
import { changedAttributes, SA } from '../../../workflows/search-attributes';

test('only changed, defined values become update pairs; the record keeps what was written', () => {
  const first = changedAttributes({}, { [SA.syncStatus.name]: 'OutOfSync', [SA.health.name]: 'Healthy', [SA.revision.name]: undefined });
  expect(first.pairs.map((p) => [p.key.name, p.value])).toEqual([['SluiceSyncStatus', 'OutOfSync'], ['SluiceHealth', 'Healthy']]);
  expect(first.current).toEqual({ SluiceSyncStatus: 'OutOfSync', SluiceHealth: 'Healthy' });

  const same = changedAttributes(first.current, { [SA.syncStatus.name]: 'OutOfSync', [SA.health.name]: 'Healthy' });
  expect(same.pairs).toEqual([]);

  const synced = changedAttributes(first.current, { [SA.syncStatus.name]: 'Synced', [SA.health.name]: 'Healthy', [SA.revision.name]: 'a'.repeat(40) });
  expect(synced.pairs.map((p) => p.key.name)).toEqual(['SluiceRevision', 'SluiceSyncStatus']);
  // An unknown revision (the repo could not be read) leaves the last one in place rather than writing undefined.
  expect(changedAttributes(synced.current, { [SA.revision.name]: undefined }).pairs).toEqual([]);
});
