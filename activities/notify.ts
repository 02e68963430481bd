// Delivers a notification to the services an Application subscribes to. Service endpoints come from the
// Secret `sluice-notifications` in the control namespace: `slack.url` (a Slack incoming webhook) and
// `webhook.<name>.url` (a generic JSON webhook, subscribed as service `webhook` with recipient <name>).
// URLs are never logged or recorded: they carry tokens.
import fetch from 'node-fetch';
import { concealUrl } from '../domain/logging';
import { NotificationEvent, subscriptions } from '../domain/notifications';
import { AppRef } from '../domain/operation/types';
import { readApplication } from './application-resource';
import { Engine } from './engine';
import { activityLog } from './log';

const decode = (v: string | undefined) => (v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8'));

function slackText(event: NotificationEvent): string {
  const lines = [`*${event.trigger}* ${event.app.namespace}/${event.app.name}${event.revision ? ` at \`${event.revision.slice(0, 12)}\`` : ''}: ${event.message}`];
  for (const c of event.commands ?? []) lines.push(`\`${c}\``);
  return lines.join('\n');
}

export interface NotificationTarget {
  service: string;
  recipient: string;
}

/** Who is subscribed to this event's trigger on this app. */
export async function notificationTargets(engine: Engine, input: { app: AppRef; event: NotificationEvent }): Promise<NotificationTarget[]> {
  const cr = await readApplication(engine.client, input.app);
  return subscriptions(cr?.metadata.annotations)
    .filter((s) => s.trigger === input.event.trigger)
    .flatMap((s) => s.recipients.map((recipient) => ({ service: s.service, recipient })));
}

/** Delivers to one target; a failure is retried by the activity's policy without re-sending to the others. */
export async function deliverNotification(engine: Engine, input: { event: NotificationEvent; target: NotificationTarget }): Promise<void> {
  const { service, recipient } = input.target;
  const secret = await engine.client.get('v1', 'Secret', engine.controlNamespace, 'sluice-notifications');
  const data = (secret?.data ?? {}) as Record<string, string>;
  const url = service === 'slack' ? decode(data['slack.url']) : decode(data[`webhook.${recipient}.url`]);
  if (!url) throw new Error(`notification service ${service === 'slack' ? 'slack' : `webhook ${recipient}`} has no URL in Secret ${engine.controlNamespace}/sluice-notifications`);
  const body = service === 'slack' ? { channel: recipient, text: slackText(input.event) } : { ...input.event, recipient };
  const log = activityLog({ app: input.event.app, revision: input.event.revision });
  const endpoint = `<${service === 'slack' ? 'slack' : `webhook ${recipient}`} URL>`;
  // A new error, not the client's: its message and stack name the URL, and the URL is the credential.
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), timeout: 10_000 })
    .catch((error: Error) => {
      const failure = new Error(`${service} delivery failed: ${concealUrl(error.message, url, endpoint)}`);
      // The SDK logs a plain Error's failure as {}: say why here, once per attempt.
      log.warn({ trigger: input.event.trigger, service, recipient, err: failure.message }, 'notification delivery failed');
      throw failure;
    });
  if (!response.ok) throw new Error(`${service} delivery answered HTTP ${response.status}`);
  log.info({ trigger: input.event.trigger, service, recipient }, 'notification delivered');
}
