// Tells the worker when the registered clusters change: a cluster Secret in the control namespace added,
// edited (labels, annotations, data) or deleted, or relabelled into or out of being a cluster Secret. It adds no
// watch of its own: it listens to the live-object cache's Secret watches, the ones the cluster registry reads
// from (activities/cluster/cluster-clients.ts), and starts them at once so a change is seen before any read.
// Bursts (a Secret under both labels, an apply touching several) are debounced into one call.
import type { Logger } from 'pino';
import { LiveObjectCache, WatchScope } from '../activities/cluster/live-cache';
import { SECRET_TYPE_LABELS } from '../domain/secret-types';
import { KubeObject } from '../domain/resource/types';

/** The cache's watch of Secrets carrying a secret-type label in the control namespace: what the registry lists. */
export function secretTypeScopes(namespace: string): WatchScope[] {
  return SECRET_TYPE_LABELS.map((labelKey) => ({ apiVersion: 'v1', kind: 'Secret', namespace, labelKey }));
}

export class ClusterSecretWatch {
  /** `<label>/<name>` of every Secret that is a cluster Secret now: a relabel out of `cluster` is still a change. */
  private readonly clusters = new Set<string>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    live: LiveObjectCache,
    private readonly namespace: string,
    private readonly onChange: () => void,
    private readonly logger: Logger,
    private readonly debounceMs = 500,
  ) {
    live.subscribe((scope, type, obj) => this.onEvent(scope, type, obj));
    for (const scope of secretTypeScopes(namespace)) live.watch(scope);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private onEvent(scope: WatchScope, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    if (this.stopped || scope.kind !== 'Secret' || scope.namespace !== this.namespace || !(SECRET_TYPE_LABELS as readonly string[]).includes(scope.labelKey)) return;
    const key = `${scope.labelKey}/${obj.metadata.name}`;
    const was = this.clusters.has(key);
    const is = type !== 'DELETED' && obj.metadata.labels?.[scope.labelKey] === 'cluster';
    if (is) this.clusters.add(key);
    else this.clusters.delete(key);
    if (!was && !is) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.logger.info({ secret: obj.metadata.name, namespace: this.namespace, event: type }, 'cluster Secret changed; regenerating the sets that read clusters');
      this.onChange();
    }, this.debounceMs);
    this.timer.unref();
  }
}
