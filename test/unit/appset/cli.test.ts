import { generatedRows, promotionLines, setRow, setState } from '../../../client/appsets';

const cond = (type: string, status: string, message = '') => ({ type, status, message });
const set = (conditions: ReturnType<typeof cond>[], resources: Array<{ name: string; status: string; health: { status: string } }> = []) => ({ metadata: { name: 'envs', namespace: 'apps', uid: 'u1' }, status: { conditions, resources } });

test.each([
  ['no status yet', set([]), { state: 'Unknown', message: 'not reconciled yet' }],
  ['up to date', set([cond('ErrorOccurred', 'False'), cond('ResourcesUpToDate', 'True')]), { state: 'UpToDate', message: '' }],
  ['an error wins', set([cond('ErrorOccurred', 'True', 'conflict on x'), cond('ResourcesUpToDate', 'False', 'conflict on x')]), { state: 'Error', message: 'conflict on x' }],
  ['waiting on deletions', set([cond('ErrorOccurred', 'False'), cond('ResourcesUpToDate', 'False', 'waiting for dev')]), { state: 'Progressing', message: 'waiting for dev' }],
])('setState: %s', (_name, s, expected) => {
  expect(setState(s)).toEqual(expected);
});

test('a set row counts its apps, synced and healthy', () => {
  const s = set([cond('ErrorOccurred', 'False'), cond('ResourcesUpToDate', 'True')], [
    { name: 'a', status: 'Synced', health: { status: 'Healthy' } }, { name: 'b', status: 'OutOfSync', health: { status: 'Healthy' } },
  ]);
  expect(setRow(s)).toEqual(['apps', 'envs', '2', '1', '2', 'UpToDate', '']);
});

test('generated rows list only the set\'s own Applications, with cluster, namespace, sync, health and revision', () => {
  const owner = (uid: string) => [{ kind: 'ApplicationSet', uid, controller: true }];
  const apps = [
    { metadata: { name: 'prod', ownerReferences: owner('u1') }, spec: { destination: { name: 'prod-cluster', namespace: 'm' } }, status: { sync: { status: 'OutOfSync', revision: '0123456789' }, health: { status: 'Healthy' } } },
    { metadata: { name: 'dev', ownerReferences: owner('u1') }, spec: { destination: { server: 'https://kubernetes.default.svc', namespace: 'm' } } },
    { metadata: { name: 'theirs', ownerReferences: owner('u2') }, spec: {} },
  ];
  expect(generatedRows(set([]), apps)).toEqual([
    ['dev', 'https://kubernetes.default.svc', 'm', 'Unknown', 'Unknown', '-'],
    ['prod', 'prod-cluster', 'm', 'OutOfSync', 'Healthy', '01234567'],
  ]);
});

test('the promotion shows its commit and phase, then each step with its state and apps', () => {
  const s = { metadata: { name: 'envs' }, status: { promotion: { revision: '0123456789abcdef', phase: 'AwaitingApproval', steps: [
    { index: 0, apps: ['dev'], state: 'Healthy' }, { index: 1, apps: ['staging'], state: 'Healthy' }, { index: 2, apps: ['prod'], state: 'AwaitingApproval' },
  ] } } };
  expect(promotionLines(s)).toEqual([
    'promotion 01234567  AwaitingApproval',
    '  step 1  Healthy           dev',
    '  step 2  Healthy           staging',
    '  step 3  AwaitingApproval  prod',
  ]);
  expect(promotionLines({ metadata: { name: 'x' } })).toEqual([]);
});
