// Notification subscriptions from annotations, in Argo CD's format and Sluice's.
import { notifies, subscribedTriggers, subscriptions } from '../../../domain/notifications';

test.each<[string, Record<string, string>, Array<{ trigger: string; service: string; recipients: string[] }>]>([
  ["Argo CD's annotation", { 'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'ops;dev' }, [{ trigger: 'on-sync-failed', service: 'slack', recipients: ['ops', 'dev'] }]],
  ["Sluice's annotation", { 'sluice.dev/subscribe.on-approval-requested.webhook': 'https://x' }, [{ trigger: 'on-approval-requested', service: 'webhook', recipients: ['https://x'] }]],
  ['on-degraded, the name users write, is on-health-degraded', { 'notifications.argoproj.io/subscribe.on-degraded.slack': 'ops' }, [{ trigger: 'on-health-degraded', service: 'slack', recipients: ['ops'] }]],
  ["Sluice's promotion trigger", { 'notifications.argoproj.io/subscribe.on-promotion-failed.slack': 'deploys' }, [{ trigger: 'on-promotion-failed', service: 'slack', recipients: ['deploys'] }]],
  ['an unrelated annotation', { 'argocd.argoproj.io/sync-wave': '1' }, []],
  ['a trigger Sluice does not fire', { 'notifications.argoproj.io/subscribe.on-created.slack': 'ops' }, []],
])('%s', (_label, annotations, expected) => {
  expect(subscriptions(annotations)).toEqual(expected);
});

test('subscribed triggers, and whether an event is worth a notification', () => {
  const subscribed = subscribedTriggers({ 'notifications.argoproj.io/subscribe.on-degraded.slack': 'ops', 'notifications.argoproj.io/subscribe.on-deployed.slack': '' });
  expect(subscribed).toEqual(['on-health-degraded']);
  expect(notifies(subscribed, 'on-health-degraded')).toBe(true);
  expect(notifies(subscribed, 'on-deployed')).toBe(false);
  expect(notifies(undefined, 'on-deployed')).toBe(true);
});
