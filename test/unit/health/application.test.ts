import { applicationHealth } from '../../../domain/health/application';

const healthy = { status: 'Healthy' as const };
const progressing = { status: 'Progressing' as const, message: 'Waiting for rollout to finish' };

test.each([
  ['resources: the worst one', { resources: [healthy, progressing], rendered: 2, allowEmpty: false }, { status: 'Progressing', message: 'Waiting for rollout to finish' }],
  ['an empty render is Missing, never Healthy', { resources: [], rendered: 0, allowEmpty: false }, { status: 'Missing', message: 'the source renders no resources' }],
  ['an empty render with allowEmpty is Healthy', { resources: [], rendered: 0, allowEmpty: true }, { status: 'Healthy' }],
  ['only hooks rendered: nothing to be unhealthy', { resources: [], rendered: 1, allowEmpty: false }, { status: 'Healthy' }],
])('%s', (_what, input, expected) => {
  expect(applicationHealth(input)).toEqual(expect.objectContaining(expected));
});
