// A notification is its own small workflow, started and abandoned by the sync or app workflow: retries and
// a receiver that is down never block or fail the sync that triggered it.
import { ParentClosePolicy, proxyActivities, startChild, uuid4 } from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import { NotificationEvent } from '../domain/notifications';
import { AppRef } from '../domain/operation/types';
import { deliverySummary, notificationTargetsSummary } from '../domain/summary/activities';
import { notifyWorkflowMetadata } from '../domain/summary/workflows';

const { notificationTargets, deliverNotification } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Delivers to every subscribed target independently; returns how many deliveries succeeded. */
export async function notifyWorkflow(input: { app: AppRef; event: NotificationEvent }): Promise<number> {
  const targets = await notificationTargets.executeWithOptions({ summary: notificationTargetsSummary(input.event.trigger) }, [input]);
  const results = await Promise.allSettled(targets.map((target) => deliverNotification.executeWithOptions({ summary: deliverySummary(input.event.trigger, target) }, [{ event: input.event, target }])));
  return results.filter((r) => r.status === 'fulfilled').length;
}

export async function notify(app: AppRef, event: NotificationEvent): Promise<void> {
  await startChild(notifyWorkflow, {
    workflowId: `sluice-notify/${app.namespace}/${app.name}/${event.trigger}/${uuid4().slice(0, 8)}`,
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [{ app, event }],
    ...notifyWorkflowMetadata(app, event),
  });
}
