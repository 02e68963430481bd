import { ACTIVE_DEADLINE_GRACE_MS, deadlineMessage, expired, resourceDeadlines } from '../../../domain/plan/step-deadline';
import { validateApplication } from '../../../domain/application/validate';

const T0 = Date.parse('2026-12-04T00:00:00Z');

describe('resourceDeadlines', () => {
  test.each([
    ['a Job with activeDeadlineSeconds gets it plus the grace', { subject: 'Job/ns/migrate', kind: 'Job', activeDeadlineSeconds: 60 }, undefined, T0 + 60_000 + ACTIVE_DEADLINE_GRACE_MS, 'its activeDeadlineSeconds of 60'],
    ['a Job without one gets the default step timeout', { subject: 'Job/ns/migrate', kind: 'Job' }, undefined, T0 + 15 * 60_000, 'the default step timeout of 15m'],
    ['spec.syncPolicy.stepTimeout replaces the default', { subject: 'Deployment/ns/web', kind: 'Deployment' }, '90s', T0 + 90_000, 'spec.syncPolicy.stepTimeout of 90s'],
    ['activeDeadlineSeconds wins over stepTimeout', { subject: 'Job/ns/migrate', kind: 'Job', activeDeadlineSeconds: 5 }, '1h', T0 + 5_000 + ACTIVE_DEADLINE_GRACE_MS, 'its activeDeadlineSeconds of 5'],
    ['activeDeadlineSeconds counts only on Jobs', { subject: 'Pod/ns/p', kind: 'Pod', activeDeadlineSeconds: 5 }, '2m', T0 + 120_000, 'spec.syncPolicy.stepTimeout of 2m'],
    ['a zero or negative activeDeadlineSeconds is ignored', { subject: 'Job/ns/j', kind: 'Job', activeDeadlineSeconds: 0 }, '1h', T0 + 3_600_000, 'spec.syncPolicy.stepTimeout of 1h'],
  ])('%s', (_what, resource, stepTimeout, at, because) => {
    expect(resourceDeadlines(T0, [resource], stepTimeout)).toEqual([{ subject: resource.subject, at, because }]);
  });
});

describe('expired', () => {
  const deadlines = resourceDeadlines(T0, [
    { subject: 'Job/ns/a', kind: 'Job', activeDeadlineSeconds: 10 },
    { subject: 'Job/ns/b', kind: 'Job' },
    { subject: 'Deployment/ns/c', kind: 'Deployment' },
  ], '1m');
  test.each([
    ['nothing before any deadline', T0 + 1000, ['Job/ns/a', 'Job/ns/b', 'Deployment/ns/c'], []],
    ['only what is still waiting', T0 + 61_000, ['Deployment/ns/c'], ['Deployment/ns/c']],
    ['the first to expire first', T0 + 61_000, ['Job/ns/a', 'Job/ns/b', 'Deployment/ns/c'], ['Job/ns/a', 'Job/ns/b', 'Deployment/ns/c']],
    ['a Healthy resource never expires', T0 + 10 * 3_600_000, [], []],
  ])('%s', (_what, now, waiting, subjects) => {
    expect(expired(deadlines, new Set(waiting), now).map((d) => d.subject)).toEqual(subjects);
  });
});

describe('deadlineMessage', () => {
  test('names the hook, what set its deadline and its health, then the rest', () => {
    const overdue = resourceDeadlines(T0, [{ subject: 'Job/ns/migrate', kind: 'Job' }, { subject: 'Job/ns/seed', kind: 'Job' }], '10s');
    expect(deadlineMessage(overdue, (s) => (s === 'Job/ns/migrate' ? 'Progressing: 0 of 1 completed' : 'Progressing'), 'PreSync'))
      .toBe('PreSync hook Job/ns/migrate did not become Healthy within spec.syncPolicy.stepTimeout of 10s (it is Progressing: 0 of 1 completed) (and 1 more: Job/ns/seed)');
  });
  test('a resource of the Sync phase is a resource', () => {
    const overdue = resourceDeadlines(T0, [{ subject: 'Deployment/ns/web', kind: 'Deployment' }], undefined);
    expect(deadlineMessage(overdue, () => 'Progressing', 'Sync')).toBe('resource Deployment/ns/web did not become Healthy within the default step timeout of 15m (it is Progressing)');
  });
});

describe('spec.syncPolicy.stepTimeout validation', () => {
  const app = (stepTimeout: unknown) => ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace: 'x' }, spec: { project: 'default', source: { repoURL: 'https://git.example/r', path: '.', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'x' }, syncPolicy: { stepTimeout } } });
  test.each([
    ['10m', undefined],
    ['2h', undefined],
    ['soon', /spec\.syncPolicy\.stepTimeout.*not a duration/],
    ['0s', /spec\.syncPolicy\.stepTimeout.*more than 0 and at most 2h/],
    ['3h', /spec\.syncPolicy\.stepTimeout.*more than 0 and at most 2h/],
  ])('%s', (value, problem) => {
    const problems = validateApplication(app(value)).map((p) => `${p.field}: ${p.message}`).join('\n');
    if (problem) expect(problems).toMatch(problem);
    else expect(problems).not.toMatch(/stepTimeout/);
  });
});
