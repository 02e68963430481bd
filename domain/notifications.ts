// Notification subscriptions, in Argo CD's annotation format and ours:
//   notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>[;<recipient>...]
//   sluice.dev/subscribe.<trigger>.<service>: ...
// `on-promotion-failed` is Sluice's: a RollingSync promotion stopped at the app (workflows/promotion.ts).
export type Trigger =
  | 'on-sync-running' | 'on-sync-succeeded' | 'on-sync-failed' | 'on-deployed' | 'on-health-degraded' | 'on-approval-requested' | 'on-promotion-failed';

export const TRIGGERS: Trigger[] = ['on-sync-running', 'on-sync-succeeded', 'on-sync-failed', 'on-deployed', 'on-health-degraded', 'on-approval-requested', 'on-promotion-failed'];

export interface Subscription {
  trigger: Trigger;
  service: string;
  recipients: string[];
}

const PATTERN = /^(?:notifications\.argoproj\.io|sluice\.dev)\/subscribe\.([a-z-]+)\.([A-Za-z0-9_-]+)$/;
/** Trigger names people write for the ones Sluice fires (`on-degraded` is common in Argo CD setups). */
const ALIASES: Readonly<Record<string, Trigger>> = { 'on-degraded': 'on-health-degraded' };

export function subscriptions(annotations: Record<string, string> | undefined): Subscription[] {
  const found: Subscription[] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const match = PATTERN.exec(key);
    const trigger = match ? ALIASES[match[1]] ?? match[1] : undefined;
    if (!match || !TRIGGERS.includes(trigger as Trigger)) continue;
    found.push({ trigger: trigger as Trigger, service: match[2], recipients: value.split(/[;,]/).map((r) => r.trim()).filter(Boolean) });
  }
  return found;
}

/** The triggers anyone subscribes to on an app with these annotations. */
export function subscribedTriggers(annotations: Record<string, string> | undefined): Trigger[] {
  return [...new Set(subscriptions(annotations).filter((s) => s.recipients.length > 0).map((s) => s.trigger))];
}

/**
 * Whether an event is worth a notification workflow: yes if someone subscribes to its trigger, or if who
 * subscribes is not known (a status recorded by an earlier version). No subscription, no workflow.
 */
export function notifies(subscribed: readonly string[] | undefined, trigger: Trigger): boolean {
  return subscribed === undefined || subscribed.includes(trigger);
}

export interface NotificationEvent {
  trigger: Trigger;
  app: { namespace: string; name: string };
  revision?: string;
  message: string;
  /** e.g. the commands to approve, for on-approval-requested. */
  commands?: string[];
}
