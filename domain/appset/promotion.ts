// Which revision a RollingSync set promotes, and whether a promotion is due. The generated Applications refresh on
// their own (and on webhooks); each reports the commit its source resolves to in status.sync.revision. The set
// promotes the commit most of its stepped Applications report, once one of them is not yet Synced and Healthy there.
export interface RevisionView {
  name: string;
  /** status.sync.revision: the commit the app's source resolves to now. */
  revision?: string;
  syncStatus?: string;
  health?: string;
}

/** The revision to promote, or undefined when every app is Synced and Healthy at it already (or none reports one). */
export function promotionTarget(apps: RevisionView[]): string | undefined {
  const counts = new Map<string, number>();
  for (const app of apps) if (app.revision) counts.set(app.revision, (counts.get(app.revision) ?? 0) + 1);
  // The most reported commit; ties go to the one reported first, so the choice is stable between reconciles.
  let target: string | undefined;
  for (const [revision, count] of counts) if (target === undefined || count > counts.get(target)!) target = revision;
  if (target === undefined) return undefined;
  const settled = apps.every((a) => a.revision === target && a.syncStatus === 'Synced' && a.health === 'Healthy');
  return settled ? undefined : target;
}

export function promotionWorkflowId(set: { namespace: string; name: string }, revision: string): string {
  return `sluice-promotion/${set.namespace}/${set.name}/${revision.slice(0, 12)}`;
}
