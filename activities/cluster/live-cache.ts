// A cache of live objects fed by watches (an informer: list, then watch from the list's resourceVersion,
// relist on 410 Gone or a broken watch). One watch per kind, namespace scope and label key, shared by the
// drift watcher (which listens to its events) and the refresh activities (which read from it), so a refresh
// that finds nothing changed makes no API requests for live objects, health or orphans. A read the cache
// cannot answer (its watch not synced yet, a selector it does not serve, an object it does not hold) goes
// to the API server, so the cache only ever saves requests, never invents an absence.
import * as k8s from './k8s';
import type { Logger } from 'pino';
import { LabelSelector, parseLabelSelector, selects } from '../../domain/resource/selector';
import { KubeObject } from '../../domain/resource/types';
import { uncounted } from '../request-count';
import { KubeClient } from './kube-client';

/** What the refresh reads live objects through: the cache, or the KubeClient itself. */
export interface LiveReader {
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<KubeObject[]>;
}

export interface WatchScope {
  apiVersion: string;
  kind: string;
  /** '' for all namespaces. */
  namespace: string;
  /** Objects carrying this label key, whatever its value. */
  labelKey: string;
}

export type LiveEventListener = (scope: WatchScope, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => void;

class Gone extends Error {}

interface KindWatch {
  scope: WatchScope;
  objects: Map<string, KubeObject>;
  synced: boolean;
  resourceVersion?: string;
  abort?: () => void;
}

const objectKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
const scopeId = (s: WatchScope) => `${s.apiVersion}/${s.kind}/${s.namespace}/${s.labelKey}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class LiveObjectCache implements LiveReader {
  private readonly watches = new Map<string, KindWatch>();
  private readonly listeners: LiveEventListener[] = [];
  private stopped = false;

  constructor(private readonly kube: KubeClient, private readonly logger?: Logger) {}

  /** Starts the watch for a scope unless it runs already. */
  watch(scope: WatchScope): void {
    const id = scopeId(scope);
    if (this.stopped || this.watches.has(id)) return;
    const w: KindWatch = { scope, objects: new Map(), synced: false };
    this.watches.set(id, w);
    // The watch outlives the refresh that may have asked for it: its requests are not that refresh's.
    uncounted(() => void this.run(id, w));
  }

  subscribe(listener: LiveEventListener): void {
    this.listeners.push(listener);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches.values()) w.abort?.();
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    for (const w of this.watches.values()) {
      const { scope } = w;
      if (!w.synced || scope.apiVersion !== apiVersion || scope.kind !== kind || (scope.namespace && scope.namespace !== namespace)) continue;
      const hit = w.objects.get(objectKey(namespace, name));
      if (hit) return hit;
    }
    return this.kube.get(apiVersion, kind, namespace, name);
  }

  async list(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<KubeObject[]> {
    const selector = parseLabelSelector(options.labelSelector ?? '');
    if (!selector) return this.kube.list(apiVersion, kind, options);
    const scope = { apiVersion, kind, namespace: options.namespace ?? '', labelKey: selector.key };
    const w = this.watches.get(scopeId(scope));
    if (!w) this.watch(scope);
    if (!w?.synced) return this.kube.list(apiVersion, kind, options);
    return [...w.objects.values()].filter((o) => selects(selector as LabelSelector, o.metadata.labels));
  }

  private async run(id: string, w: KindWatch): Promise<void> {
    const plural = await this.kube.resource(w.scope.apiVersion, w.scope.kind).then((r) => r.name, () => undefined);
    if (!plural) {
      this.watches.delete(id); // not served (yet): reads go to the API server, and a later read tries again
      return;
    }
    const base = w.scope.apiVersion.includes('/') ? `/apis/${w.scope.apiVersion}` : `/api/${w.scope.apiVersion}`;
    const path = `${base}${w.scope.namespace ? `/namespaces/${encodeURIComponent(w.scope.namespace)}` : ''}/${plural}`;
    while (!this.stopped) {
      try {
        if (!w.resourceVersion) await this.relist(w, path);
        const started = Date.now();
        await this.stream(w, path);
        if (Date.now() - started < 1000) await sleep(1000); // a server ending watches at once is not hammered
      } catch (error) {
        w.resourceVersion = undefined;
        if (error instanceof Gone) continue;
        w.synced = false;
        this.logger?.warn({ err: String(error), kind: id }, 'live-object watch failed; relisting');
        await sleep(1000);
      }
    }
  }

  /** Lists the scope and brings the store in line, telling listeners what changed while nobody watched. */
  private async relist(w: KindWatch, path: string): Promise<void> {
    const fresh = new Map<string, KubeObject>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.kube.request<{ items: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } }>('GET', path, {
        query: { labelSelector: w.scope.labelKey, limit: '500', continue: continueToken },
      });
      for (const item of page.items) fresh.set(objectKey(item.metadata.namespace, item.metadata.name!), { ...item, apiVersion: w.scope.apiVersion, kind: w.scope.kind });
      continueToken = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (continueToken);
    const previous = w.objects;
    w.objects = fresh;
    w.resourceVersion = resourceVersion;
    w.synced = true;
    for (const [key, obj] of fresh) {
      const old = previous.get(key);
      if (!old) this.emit(w.scope, 'ADDED', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit(w.scope, 'MODIFIED', obj);
    }
    for (const [key, obj] of previous) if (!fresh.has(key)) this.emit(w.scope, 'DELETED', obj);
  }

  /** Watches from the store's resourceVersion until the server ends the watch; throws Gone on 410. */
  private stream(w: KindWatch, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let gone = false;
      const onEvent = (type: string, obj: KubeObject & { code?: number }) => {
        if (type === 'ERROR') {
          gone = obj.code === 410;
          w.abort?.();
          if (!gone) reject(new Error(`watch error: ${JSON.stringify(obj).slice(0, 200)}`));
          return;
        }
        if (obj.metadata?.resourceVersion) w.resourceVersion = obj.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        const key = objectKey(obj.metadata.namespace, obj.metadata.name!);
        if (type === 'DELETED') w.objects.delete(key);
        else w.objects.set(key, obj);
        this.emit(w.scope, type as 'ADDED' | 'MODIFIED' | 'DELETED', obj);
      };
      const done = (error: unknown) => {
        if (gone) reject(new Gone('resourceVersion too old'));
        else if (error && !(error instanceof Error && error.name === 'AbortError')) reject(error);
        else resolve();
      };
      new k8s.Watch(this.kube.kubeConfig)
        .watch(path, { labelSelector: w.scope.labelKey, resourceVersion: w.resourceVersion, allowWatchBookmarks: true }, onEvent, done)
        .then((controller) => {
          w.abort = () => controller.abort();
          if (this.stopped) controller.abort();
        }, reject);
    });
  }

  private emit(scope: WatchScope, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    for (const listener of this.listeners) {
      try {
        listener(scope, type, obj);
      } catch (error) {
        this.logger?.warn({ err: String(error) }, 'live-object listener failed');
      }
    }
  }
}
