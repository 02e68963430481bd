// Every sync option Sluice accepts is acted on, and the test that proves it is named here; anything else
// is refused with an error naming the option (and, on a resource, the resource and the annotation).
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SYNC_OPTIONS, parseSyncOptions, SYNC_OPTION_RULES, SyncOptionScope } from '../../../domain/application/sync-options';
import { resourceSyncOptions } from '../../../domain/plan/annotations';

const APP: SyncOptionScope[] = ['application'];
const BOTH: SyncOptionScope[] = ['application', 'resource'];
const CLUSTER = 'test/integration/engine/cluster.test.ts';
const OPTIONS = 'test/integration/engine/sync-options.test.ts';
const PLAN = 'test/unit/plan/plan.test.ts';

// option, where it may be written, and the test that shows Sluice acting on it.
const ENFORCED: Array<[string, SyncOptionScope[], string, string]> = [
  ['CreateNamespace', APP, OPTIONS, 'CreateNamespace=true creates the destination namespace before the first step'],
  ['PruneLast', BOTH, PLAN, 'prune waves run in reverse, PruneLast goes after everything, and Prune=false is honoured'],
  ['ServerSideApply', BOTH, OPTIONS, 'ServerSideApply=true is what every apply does: field manager sluice, operation Apply'],
  ['Replace', BOTH, CLUSTER, 'Replace=true with Validate=false (per resource) replaces the object and drops unknown fields instead of refusing them'],
  ['ApplyOutOfSyncOnly', APP, CLUSTER, 'ApplyOutOfSyncOnly applies only what differs; the rest is skipped, not patched'],
  ['PrunePropagationPolicy', APP, OPTIONS, 'PrunePropagationPolicy=orphan prunes a Deployment and leaves its ReplicaSet'],
  ['Validate', BOTH, CLUSTER, 'Replace=true with Validate=false (per resource) replaces the object and drops unknown fields instead of refusing them'],
  ['RespectIgnoreDifferences', BOTH, OPTIONS, 'RespectIgnoreDifferences=true keeps replicas scaled by hand; without it git wins'],
  ['FailOnSharedResource', APP, OPTIONS, 'FailOnSharedResource=true fails the sync before anything is applied, naming the object and the other app'],
  ['Prune', BOTH, PLAN, 'prune waves run in reverse, PruneLast goes after everything, and Prune=false is honoured'],
  ['Delete', BOTH, OPTIONS, 'Delete=false keeps a resource when its app is deleted; the rest is deleted'],
  ['SkipDryRunOnMissingResource', BOTH, OPTIONS, 'SkipDryRunOnMissingResource skips the dry-run only for a kind the cluster does not serve'],
];

test('the accepted options are exactly those in the table, each with the scopes it is read in', () => {
  expect(Object.keys(SYNC_OPTION_RULES).sort()).toEqual(ENFORCED.map(([option]) => option).sort());
  for (const [option, scopes] of ENFORCED) expect([option, SYNC_OPTION_RULES[option].scopes]).toEqual([option, scopes]);
});

test.each(ENFORCED)('%s is enforced by a test that exists', (_option, _scopes, file, title) => {
  const source = fs.readFileSync(path.join(__dirname, '../../..', file), 'utf8');
  expect(source).toContain(title);
});

test.each([
  ['ServerSideApply=false', 'application', /"ServerSideApply=false": Sluice always applies server-side/],
  ['ServerSideApply=false', 'resource', /"ServerSideApply=false": Sluice always applies server-side/],
  ['Prune=confirm', 'application', /"Prune=confirm": pruning with confirmation is not supported/],
  ['Delete=confirm', 'resource', /"Delete=confirm": deletion with confirmation is not supported/],
  ['Force=true', 'resource', /"Force=true": unknown sync option "Force"/],
  ['ClientSideApplyMigration=false', 'application', /unknown sync option "ClientSideApplyMigration"/],
  ['CreateNamespace=true', 'resource', /"CreateNamespace=true": CreateNamespace applies to the whole application/],
  ['FailOnSharedResource=true', 'resource', /FailOnSharedResource applies to the whole application/],
  ['ApplyOutOfSyncOnly=true', 'resource', /ApplyOutOfSyncOnly applies to the whole application/],
  ['PrunePropagationPolicy=orphan', 'resource', /PrunePropagationPolicy applies to the whole application/],
  ['PrunePropagationPolicy=sometimes', 'application', /PrunePropagationPolicy must be one of foreground, background, orphan/],
  ['Validate=no', 'application', /"Validate=no": Validate must be true or false/],
] as Array<[string, SyncOptionScope, RegExp]>)('%s on the %s is refused', (option, scope, message) => {
  expect(() => parseSyncOptions([option], DEFAULT_SYNC_OPTIONS, scope)).toThrow(message);
});

test('a resource annotation overrides the app options, and a refused one names the resource and the annotation', () => {
  const app = parseSyncOptions(['Delete=false', 'RespectIgnoreDifferences=true']);
  const configMap = (annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', annotations } });
  expect(resourceSyncOptions(configMap({ 'argocd.argoproj.io/sync-options': 'Delete=true, RespectIgnoreDifferences=false' }), app)).toMatchObject({ delete: true, respectIgnoreDifferences: false });
  expect(resourceSyncOptions(configMap({}), app)).toMatchObject({ delete: false, respectIgnoreDifferences: true });
  expect(() => resourceSyncOptions(configMap({ 'sluice.dev/sync-options': 'CreateNamespace=true' }), app)).toThrow(
    'ConfigMap/ns/c: annotation sluice.dev/sync-options: "CreateNamespace=true": CreateNamespace applies to the whole application: set it in spec.syncPolicy.syncOptions, not on a resource',
  );
  expect(() => resourceSyncOptions(configMap({ 'argocd.argoproj.io/sync-options': 'ServerSideApply=false' }), app)).toThrow(expect.objectContaining({ name: 'SyncOptionError' }));
});
