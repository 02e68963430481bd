import { healthDigest, modification, observe } from '../../../domain/health/status-digest';
import { KubeObject } from '../../../domain/resource/types';

const deployment = (status: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', generation: 2, resourceVersion: '10', ...metadata }, spec: { replicas: 2 }, status });

const progressing = {
  observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, unavailableReplicas: 2,
  conditions: [
    { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-1" is progressing.', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' },
    { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' },
  ],
};
const available = {
  ...progressing, availableReplicas: 2, unavailableReplicas: undefined,
  conditions: [progressing.conditions[0], { ...progressing.conditions[1], status: 'True', reason: 'MinimumReplicasAvailable', lastTransitionTime: '2026-01-01T00:00:05Z' }],
};
const pod = (state: Record<string, unknown>, ready: boolean): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', generation: 1 }, status: { phase: 'Running', containerStatuses: [{ name: 'main', ready, restartCount: 3, state }] } });
const service = (ingress?: unknown[]): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: ingress ? { ingress } : {} } });
const job = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', generation: 1 }, status });

test.each([
  ['a Deployment turning Available', deployment(progressing), deployment(available), true],
  ['a Deployment\'s observedGeneration catching up', deployment({ ...available, observedGeneration: 1 }), deployment(available), true],
  ['a Deployment\'s ready replicas changing', deployment({ ...progressing, readyReplicas: 1 }), deployment(progressing), true],
  ['a Job completing', job({ active: 1 }), job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }), true],
  ['a LoadBalancer getting its address', service(), service([{ ip: '10.0.0.1' }]), true],
  ['a container starting to crash-loop', pod({ running: {} }, true), pod({ waiting: { reason: 'CrashLoopBackOff' } }, false), true],
  ['an object starting to be deleted', deployment(available), deployment(available, { deletionTimestamp: '2026-01-01T00:00:09Z' }), true],
  ['resourceVersion and managedFields churn', deployment(available), deployment(available, { resourceVersion: '11', managedFields: [{ manager: 'kube-controller-manager' }] }), false],
  ['a condition\'s heartbeat, update time and message', deployment(available), deployment({ ...available, conditions: available.conditions.map((c) => ({ ...c, lastUpdateTime: '2026-01-01T00:01:00Z', message: 'ReplicaSet "web-1" has successfully progressed.' })) }), false],
  ['conditions listed in another order', deployment(available), deployment({ ...available, conditions: [...available.conditions].reverse() }), false],
  ['a pod\'s restart count alone', pod({ running: {} }, true), { ...pod({ running: {} }, true), status: { phase: 'Running', containerStatuses: [{ name: 'main', ready: true, restartCount: 4, state: { running: {} } }] } }, false],
])('health-relevant status change? %s', (_what, before, after, relevant) => {
  expect(healthDigest(before) !== healthDigest(after)).toBe(relevant);
});

test.each([
  ['a new generation (spec drift)', { generation: 2, health: 'a' }, { generation: 3, health: 'a' }, 'spec'],
  ['a kind without generations (ConfigMap)', { health: 'a' }, { health: 'a' }, 'spec'],
  ['an object never seen before', undefined, { generation: 1, health: 'a' }, 'spec'],
  ['the same generation, a health-relevant status change', { generation: 2, health: 'a' }, { generation: 2, health: 'b' }, 'health'],
  ['the same generation and health digest', { generation: 2, health: 'a' }, { generation: 2, health: 'a' }, 'none'],
] as const)('a modification is classified: %s', (_what, before, after, expected) => {
  expect(modification(before, after)).toBe(expected);
});

test('observe keeps the generation and the digest', () => {
  expect(observe(deployment(available))).toEqual({ generation: 2, health: healthDigest(deployment(available)) });
});
