// Notification subscriptions, in Argo CD's annotation format and ours:
//   notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>[;<recipient>...]
//   sluice.dev/subscribe.<trigger>.<service>: ...
export type Trigger =
  | 'on-sync-running' | 'on-sync-succeeded' | 'on-sync-failed' | 'on-deployed' | 'on-health-degraded' | 'on-approval-requested';

export const TRIGGERS: Trigger[] = ['on-sync-running', 'on-sync-succeeded', 'on-sync-failed', 'on-deployed', 'on-health-degraded', 'on-approval-requested'];

export interface Subscription {
  trigger: Trigger;
  service: string;
  recipients: string[];
}

const PATTERN = /^(?:notifications\.argoproj\.io|sluice\.dev)\/subscribe\.([a-z-]+)\.([A-Za-z0-9_-]+)$/;

export function subscriptions(annotations: Record<string, string> | undefined): Subscription[] {
  const found: Subscription[] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const match = PATTERN.exec(key);
    if (!match || !TRIGGERS.includes(match[1] as Trigger)) continue;
    found.push({ trigger: match[1] as Trigger, service: match[2], recipients: value.split(/[;,]/).map((r) => r.trim()).filter(Boolean) });
  }
  return found;
}

export interface NotificationEvent {
  trigger: Trigger;
  app: { namespace: string; name: string };
  revision?: string;
  message: string;
  /** e.g. the commands to approve, for on-approval-requested. */
  commands?: string[];
}
