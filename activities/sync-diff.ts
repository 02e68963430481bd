// Publishes the redacted diff of a sync that waits for approval as a SyncDiff next to its Application
// (domain/operation/sync-diff.ts), with the worker's credentials, so that an approver who cannot read the
// destination still sees what the request's digest names. Best effort: the digest stays the binding, so a SyncDiff
// that cannot be written is logged and the CLI computes the diff with the caller's credentials instead.
import { APPLICATION_VERSION } from '../domain/application/types';
import { syncDiffObject } from '../domain/operation/sync-diff';
import { Engine } from './engine';
import { activityLog } from './log';
import { SyncContext, SyncPreview } from './sync';

export async function publishSyncDiff(control: Engine, ctx: SyncContext, preview: Pick<SyncPreview, 'diff' | 'diffDigest'>): Promise<void> {
  const log = activityLog({ app: ctx.app, revision: ctx.revision, operationId: ctx.operationId });
  try {
    const app = await control.client.get(`${ctx.app.group}/${APPLICATION_VERSION}`, 'Application', ctx.app.namespace, ctx.app.name);
    if (!app) return;
    const object = syncDiffObject({
      app: { ...ctx.app, uid: app.metadata.uid, labels: app.metadata.labels },
      operationId: ctx.operationId, revision: ctx.revision, diffDigest: preview.diffDigest, resources: preview.diff.resources,
    });
    await control.client.apply(object);
    log.info({ diffDigest: preview.diffDigest, resources: preview.diff.resources.length }, 'published the diff for approvers');
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'could not publish the diff for approvers (SyncDiff); they see it only if they can compute it themselves');
  }
}
