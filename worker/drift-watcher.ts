// Notices drift in seconds rather than at the next poll: one watch per kind (cluster-wide, shared by every
// app), on objects carrying Sluice's tracking label. A change to a tracked object's spec (its generation),
// or to an object without generations (ConfigMap, Secret), or a deletion, sends a debounced `refresh`
// signal to the owning app's workflow, and so does a status change that health reads (a Deployment turning
// Available, a Job completing), so the app's health follows the cluster in seconds; other churn is ignored.
// The watches are the live-object cache's (activities/cluster/live-cache.ts): the refresh reads the same
// objects from it, and a change is in the cache before its refresh signal is sent.
import type { Logger } from 'pino';
import { modification, observe, ObservedState } from '../domain/health/status-digest';
import { appInstanceName, TRACKING_LABEL, trackingLabelValue } from '../domain/resource/identity';
import { KubeObject } from '../domain/resource/types';
import { AppRef, KindRef } from '../domain/operation/types';
import { LiveObjectCache, WatchScope } from '../activities/cluster/live-cache';

/** The cluster-wide watch of a kind's tracked objects, the one the refresh's orphan search uses as well. */
export function trackedScope(kind: KindRef): WatchScope {
  return { apiVersion: kind.apiVersion, kind: kind.kind, namespace: '', labelKey: TRACKING_LABEL };
}

export class DriftWatcher {
  private readonly apps = new Map<string, Map<string, AppRef>>();
  /** Per object uid: its generation and a digest of its health-relevant status. */
  private readonly observed = new Map<string, ObservedState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly live: LiveObjectCache,
    private readonly refresh: (app: AppRef) => Promise<boolean | void>,
    private readonly logger: Logger,
    private readonly debounceMs = 1000,
  ) {
    live.subscribe((scope, type, obj) => {
      if (scope.namespace === '' && scope.labelKey === TRACKING_LABEL) this.onEvent(type, obj);
    });
  }

  /** Records which kinds an app manages; starts a watch for any kind not watched yet. */
  track(app: AppRef, kinds: KindRef[]): void {
    const label = trackingLabelValue(appInstanceName(app));
    const owners = this.apps.get(label) ?? new Map<string, AppRef>();
    owners.set(`${app.group}/${app.namespace}/${app.name}`, app);
    this.apps.set(label, owners);
    for (const kind of kinds) this.live.watch(trackedScope(kind));
  }

  untrack(app: AppRef): void {
    this.apps.get(trackingLabelValue(appInstanceName(app)))?.delete(`${app.group}/${app.namespace}/${app.name}`);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
  }

  private onEvent(type: string, obj: KubeObject): void {
    if (this.stopped) return;
    const uid = obj.metadata.uid ?? '';
    if (type === 'ADDED') {
      this.observed.set(uid, observe(obj));
      return;
    }
    let change: 'spec' | 'health' | 'deleted' = 'deleted';
    if (type === 'DELETED') {
      this.observed.delete(uid);
    } else {
      const after = observe(obj);
      const seen = modification(this.observed.get(uid), after);
      this.observed.set(uid, after);
      if (seen === 'none') return;
      change = seen;
    }
    const owners = this.apps.get(obj.metadata.labels?.[TRACKING_LABEL] ?? '');
    for (const [key, app] of owners ?? []) {
      clearTimeout(this.timers.get(key));
      this.timers.set(key, setTimeout(() => {
        this.timers.delete(key);
        // `false`: not sent (this replica does not lead; the leader's own watch saw the same change).
        this.refresh(app).then((sent) => {
          if (sent !== false) this.logger.info({ app: app.name, namespace: app.namespace, event: type, change }, change === 'health' ? 'health change seen on a tracked object; refreshed' : 'drift seen on a tracked object; refreshed');
        }).catch((err: unknown) => this.logger.warn({ err: String(err), app: app.name, namespace: app.namespace }, 'drift refresh signal failed'));
      }, this.debounceMs));
    }
  }
}
