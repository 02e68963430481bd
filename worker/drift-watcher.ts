// Notices drift in seconds rather than at the next poll: one watch per kind (cluster-wide, shared by every
// app), on objects carrying Sluice's tracking label. A change to a tracked object's spec (its generation),
// or to an object without generations (ConfigMap, Secret), or a deletion, sends a debounced `refresh`
// signal to the owning app's workflow, and so does a status change that health reads (a Deployment turning
// Available, a Job completing), so the app's health follows the cluster in seconds; other churn is ignored.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { modification, observe, ObservedState } from '../domain/health/status-digest';
import { appInstanceName, TRACKING_LABEL, trackingLabelValue } from '../domain/resource/identity';
import { KubeObject } from '../domain/resource/types';
import { AppRef, KindRef } from '../domain/operation/types';
import { KubeClient } from '../activities/cluster/kube-client';

export class DriftWatcher {
  private readonly watches = new Map<string, { abort(): void }>();
  private readonly apps = new Map<string, Map<string, AppRef>>();
  /** Per object uid: its generation and a digest of its health-relevant status. */
  private readonly observed = new Map<string, ObservedState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly kube: KubeClient,
    private readonly refresh: (app: AppRef) => Promise<void>,
    private readonly logger: Logger,
    private readonly debounceMs = 1000,
  ) {}

  /** Records which kinds an app manages; starts a watch for any kind not watched yet. */
  track(app: AppRef, kinds: KindRef[]): void {
    const label = trackingLabelValue(appInstanceName(app));
    const owners = this.apps.get(label) ?? new Map<string, AppRef>();
    owners.set(`${app.group}/${app.namespace}/${app.name}`, app);
    this.apps.set(label, owners);
    for (const kind of kinds) void this.watch(kind);
  }

  untrack(app: AppRef): void {
    this.apps.get(trackingLabelValue(appInstanceName(app)))?.delete(`${app.group}/${app.namespace}/${app.name}`);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches.values()) w.abort();
    for (const t of this.timers.values()) clearTimeout(t);
  }

  private async watch(kind: KindRef): Promise<void> {
    const id = `${kind.apiVersion}/${kind.kind}`;
    if (this.stopped || this.watches.has(id)) return;
    this.watches.set(id, { abort: () => undefined });
    const plural = await this.kube.resource(kind.apiVersion, kind.kind).then((r) => r.name, () => undefined);
    if (!plural) {
      this.watches.delete(id);
      return;
    }
    const base = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
    const restart = () => {
      this.watches.delete(id);
      if (!this.stopped) setTimeout(() => void this.watch(kind), 1000).unref();
    };
    try {
      const request = await new k8s.Watch(this.kube.kubeConfig).watch(`${base}/${plural}`, { labelSelector: TRACKING_LABEL }, (type: string, obj: KubeObject) => this.onEvent(type, obj), restart);
      this.watches.set(id, request);
    } catch (error) {
      this.logger.warn({ err: String(error), kind: id }, 'drift watch failed; retrying');
      restart();
    }
  }

  private onEvent(type: string, obj: KubeObject): void {
    if (type === 'BOOKMARK') return;
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
        this.logger.info({ app: app.name, namespace: app.namespace, event: type, change }, change === 'health' ? 'health change seen on a tracked object; refreshing' : 'drift seen on a tracked object; refreshing');
        this.refresh(app).catch((err: unknown) => this.logger.warn({ err: String(err), app: app.name, namespace: app.namespace }, 'drift refresh signal failed'));
      }, this.debounceMs));
    }
  }
}
