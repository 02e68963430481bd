// RespectIgnoreDifferences: fields named by ignoreDifferences are taken from the live object before applying.
import { keepIgnoredFields } from '../../../domain/diff/normalize';
import { KubeObject } from '../../../domain/resource/types';

function deployment(replicas: number | undefined, images: string[] = ['nginx:1.27', 'envoy:1']): KubeObject {
  const names = ['web', 'sidecar'];
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'app' },
    spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: { containers: images.map((image, i) => ({ name: names[i], image })) } } },
  };
}

const replicasRule = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }];

test.each([
  ['a pointer takes the live value', deployment(2), deployment(5), replicasRule, deployment(5)],
  ['nothing live: desired as is', deployment(2), undefined, replicasRule, deployment(2)],
  ['no matching rule: desired as is', deployment(2), deployment(5), [{ group: 'apps', kind: 'StatefulSet', jsonPointers: ['/spec/replicas'] }], deployment(2)],
  ['a rule for another name: desired as is', deployment(2), deployment(5), [{ ...replicasRule[0], name: 'api' }], deployment(2)],
  ['live lacks the field: it is dropped from desired', deployment(2), deployment(undefined), replicasRule, deployment(undefined)],
  ['desired lacks the field: the live value is kept', deployment(undefined), deployment(5), replicasRule, deployment(5)],
  [
    'a jq path with select takes only that container\'s image',
    deployment(2, ['nginx:1.28', 'envoy:2']), deployment(2, ['nginx:1.27', 'envoy:1']),
    [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "sidecar") | .image'] }],
    deployment(2, ['nginx:1.28', 'envoy:1']),
  ],
])('%s', (_label, desired, live, rules, expected) => {
  const before = structuredClone(desired);
  expect(keepIgnoredFields(desired, live, rules)).toEqual(expected);
  expect(desired).toEqual(before); // the input is not changed
});

test('managedFieldsManagers: fields another manager owns keep their live values', () => {
  const live = deployment(7);
  live.metadata.managedFields = [{ manager: 'hpa-controller', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
  expect(keepIgnoredFields(deployment(2), live, [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['hpa-controller'] }])).toEqual(deployment(7));
});
