// The drift watch and live-object cache of every cluster the worker deploys to. in-cluster's are the worker's own;
// a cluster registered by a Secret gets its own pair, made with that Secret's client the first time an app needs
// it, and replaced (the old watches stopped) when the Secret's credentials change and a new client replaces the
// old. Each app is tracked by the watcher of its destination only, so drift on any cluster refreshes its app in
// seconds rather than at the next poll.
import type { Logger } from 'pino';
import { LiveObjectCache } from '../activities/cluster/live-cache';
import { KubeClient } from '../activities/cluster/kube-client';
import { Engine } from '../activities/engine';
import { AppRef, KindRef } from '../domain/operation/types';
import { DriftWatcher } from './drift-watcher';

interface Watched {
  client: KubeClient;
  live: LiveObjectCache;
  drift: DriftWatcher;
}

export class ClusterWatches {
  /** By cluster Secret (or server): the client its watches were made with. */
  private readonly clusters = new Map<string, Watched>();
  private readonly byClient = new WeakMap<KubeClient, Watched>();
  private readonly all = new Set<Watched>();
  /** Where each app is tracked now, and what it was tracked with (for `retrack`). */
  private readonly placed = new Map<string, DriftWatcher>();
  private readonly tracked = new Map<string, { app: AppRef; kinds: KindRef[]; destination?: { server?: string; name?: string } }>();
  private engine?: Engine;

  constructor(private readonly local: DriftWatcher, private readonly refresh: (app: AppRef) => Promise<boolean | void>, private readonly logger: Logger) {}

  /** The engine whose registered clusters these are; its derived engines read through `liveFor`. */
  attach(engine: Engine): void {
    this.engine = engine;
  }

  /** The live cache for another cluster's client: the engine's `liveFor`. */
  liveFor = (client: KubeClient): LiveObjectCache => this.watched(client).live;

  /** The pair for a client; `key` (the cluster's Secret) lets a new client for the same Secret retire the old pair. */
  private watched(client: KubeClient, key?: string): Watched {
    const known = this.byClient.get(client);
    if (known) {
      if (key) this.clusters.set(key, known);
      return known;
    }
    const previous = key ? this.clusters.get(key) : undefined;
    if (previous) {
      // The Secret changed: the old identity's watches stop.
      previous.drift.stop();
      previous.live.stop();
      this.all.delete(previous);
    }
    const live = new LiveObjectCache(client, this.logger);
    const entry: Watched = { client, live, drift: new DriftWatcher(live, this.refresh, this.logger) };
    if (key) this.clusters.set(key, entry);
    this.byClient.set(client, entry);
    this.all.add(entry);
    return entry;
  }

  /** Tracks an app on its destination's watcher (and nowhere else); an unusable destination is left to the refresh to report. */
  async track(app: AppRef, kinds: KindRef[], destination: { server?: string; name?: string } | undefined): Promise<void> {
    let watcher = this.local;
    if (destination && this.engine) {
      try {
        const { cluster, client } = await this.engine.clusters.forDestination(destination);
        if (client !== this.engine.client) watcher = this.watched(client, cluster.secret ?? cluster.server).drift;
      } catch {
        return;
      }
    }
    const key = `${app.group}/${app.namespace}/${app.name}`;
    this.tracked.set(key, { app, kinds, destination });
    const before = this.placed.get(key);
    if (before && before !== watcher) before.untrack(app);
    this.placed.set(key, watcher);
    watcher.track(app, kinds);
  }

  /**
   * A cluster Secret changed: every app on another cluster is tracked again, so an app whose Secret now gives a new
   * client moves to a new watch pair at once (the old pair's watches stop), not at its next status change.
   */
  async retrack(): Promise<void> {
    for (const { app, kinds, destination } of [...this.tracked.values()]) {
      if (this.placed.get(`${app.group}/${app.namespace}/${app.name}`) !== this.local) await this.track(app, kinds, destination);
    }
  }

  /** The drift watcher an app is tracked by now (tests and diagnostics). */
  watcherOf(app: AppRef): DriftWatcher | undefined {
    return this.placed.get(`${app.group}/${app.namespace}/${app.name}`);
  }

  untrack(app: AppRef): void {
    const key = `${app.group}/${app.namespace}/${app.name}`;
    this.placed.get(key)?.untrack(app);
    this.placed.delete(key);
    this.tracked.delete(key);
  }

  stop(): void {
    for (const { live, drift } of this.all) {
      drift.stop();
      live.stop();
    }
  }
}
