// Which applies a sync leaves out: only what a recorded server-side dry-run showed to be a no-op.
import { DEFAULT_SYNC_OPTIONS } from '../../../domain/application/sync-options';
import { ResourceIgnoreDifferences } from '../../../domain/application/types';
import { applyIsNoop } from '../../../domain/plan/unchanged';
import { KubeObject } from '../../../domain/resource/types';

const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec: { replicas: 2 } };
const replicas: ResourceIgnoreDifferences = { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] };
const otherKind: ResourceIgnoreDifferences = { group: '', kind: 'ConfigMap', jsonPointers: ['/data'] };

test.each<[string, boolean, Partial<typeof DEFAULT_SYNC_OPTIONS>, ResourceIgnoreDifferences[], boolean]>([
  ['known in sync, plain apply', true, {}, [], true],
  ['not known in sync (never compared, changed in git, or edited live since)', false, {}, [], false],
  ['known in sync, but Replace=true', true, { replace: true }, [], false],
  ['known in sync only because ignoreDifferences hid a field the sync would write', true, {}, [replicas], false],
  ['ignoreDifferences with RespectIgnoreDifferences=true: the apply keeps the live value, so it is a no-op', true, { respectIgnoreDifferences: true }, [replicas], true],
  ['ignoreDifferences for another kind', true, {}, [otherKind], true],
])('%s', (_label, known, options, rules, expected) => {
  expect(applyIsNoop(deployment, { ...DEFAULT_SYNC_OPTIONS, ...options }, rules, known)).toBe(expected);
});
