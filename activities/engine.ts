// The engine's steps for one Application, as a reconcile reads them (after kustomize-controller):
// credentials → resolve revision → render (cached) → prepare → diff → plan → apply → prune → health.
// Activities and tests call these; workflows orchestrate them.
import { parseSyncOptions } from '../domain/application/sync-options';
import { ApplicationSpec } from '../domain/application/types';
import { hasRedactedHelmValues } from '../domain/application/helm-values';
import { IN_CLUSTER_SERVER } from '../domain/cluster/clusters';
import { isManagedResource } from '../domain/plan/plan';
import { KubeObject } from '../domain/resource/types';
import { diffResources, DiffResult } from './cluster/diff';
import { ClusterClients } from './cluster/cluster-clients';
import { repoCredentials } from './cluster/credentials';
import { DiffMemo } from './cluster/diff-memo';
import { KubeClient } from './cluster/kube-client';
import { LiveReader } from './cluster/live-cache';
import { prepareManifests } from './cluster/prepare';
import { confirmOrphans, findOrphans, KindRef } from './cluster/prune';
import { CommitAuthor, RepoCache, ResolvedRevision } from './git/repository';
import { renderDigest, RenderedStore, renderSource } from './render';
import { metrics, timed } from './metrics';

export interface AppRef {
  name: string;
  namespace: string;
}

export interface DesiredState {
  revision: ResolvedRevision;
  digest: string;
  sourceType: string;
  objects: KubeObject[];
}

export interface EngineOptions {
  /** The namespace holding repository and cluster Secrets. */
  controlNamespace?: string;
  repos?: RepoCache;
  rendered?: RenderedStore;
  /** Live reads for refreshes: the worker's watch cache (activities/cluster/live-cache.ts); the client by default. */
  live?: LiveReader;
  /** Where Secrets (repository and cluster credentials) are read: the control cluster's; `live` by default. */
  secrets?: LiveReader;
  /** The registered clusters, shared with the engines derived for them; built from client and secrets by default. */
  clusters?: ClusterClients;
  /** Live reads for another cluster's engine (the worker's watch cache there); its client by default. */
  liveFor?: (client: KubeClient) => LiveReader;
}

export class Engine {
  readonly repos: RepoCache;
  readonly rendered: RenderedStore;
  readonly controlNamespace: string;
  readonly live: LiveReader;
  readonly secrets: LiveReader;
  readonly clusters: ClusterClients;
  /** Comparisons found in sync, reused while neither side changed (activities/cluster/diff-memo.ts). */
  readonly diffMemo = new DiffMemo();
  /** The engine of each registered cluster, by the client that reaches it (a new client when its Secret changes). */
  private readonly derived = new WeakMap<KubeClient, Engine>();
  private readonly liveFor?: (client: KubeClient) => LiveReader;
  private readonly acting = new Map<string, Engine>();

  constructor(readonly client: KubeClient, options: EngineOptions = {}) {
    this.repos = options.repos ?? new RepoCache();
    this.rendered = options.rendered ?? new RenderedStore();
    this.controlNamespace = options.controlNamespace ?? process.env.SLUICE_NAMESPACE ?? 'sluice';
    this.live = options.live ?? client;
    this.secrets = options.secrets ?? this.live;
    this.clusters = options.clusters ?? new ClusterClients(client, this.secrets, this.controlNamespace);
    this.liveFor = options.liveFor;
  }

  /**
   * The engine for an Application's destination: this one for in-cluster; for a cluster registered by a Secret,
   * one that reaches it with the Secret's credentials, sharing the git and render caches and reading Secrets from
   * here. A destination that names no usable cluster throws a DestinationError naming the field.
   */
  async forDestination(destination: { server?: string; name?: string }): Promise<Engine> {
    if (destination.server !== undefined && destination.server.replace(/\/+$/, '') === IN_CLUSTER_SERVER) return this;
    const { client } = await this.clusters.forDestination(destination);
    if (client === this.client) return this;
    let engine = this.derived.get(client);
    if (!engine) {
      // Live objects come from that cluster's watch cache when the worker keeps one, else from its API server.
      engine = new Engine(client, { repos: this.repos, rendered: this.rendered, controlNamespace: this.controlNamespace, secrets: this.secrets, clusters: this.clusters, live: this.liveFor?.(client) });
      this.derived.set(client, engine);
    }
    return engine;
  }

  /**
   * This engine acting as `user` on its cluster (an AppProject's destinationServiceAccounts): applies, prunes,
   * dry-runs and server-side diffs are authorised as that user; caches, live reads and Secrets are shared.
   */
  impersonating(user: string): Engine {
    let engine = this.acting.get(user);
    if (!engine) {
      engine = new Engine(this.client.as(user), { repos: this.repos, rendered: this.rendered, controlNamespace: this.controlNamespace, secrets: this.secrets, clusters: this.clusters, live: this.live });
      this.acting.set(user, engine);
    }
    return engine;
  }

  /** Resolves the spec's targetRevision, or `revision` (a branch, tag, SHA or semver constraint) when given. */
  async resolve(spec: ApplicationSpec, revision = spec.source!.targetRevision): Promise<ResolvedRevision> {
    const source = spec.source!;
    const credentials = await repoCredentials(this.secrets, source.repoURL, this.controlNamespace);
    return timed(metrics.gitDuration, {}, () => this.repos.resolve(source.repoURL, revision, credentials));
  }

  /** Who wrote the commits from `since` (excluded) to `sha`, in the app's source: separation of duties. */
  async commitAuthors(spec: ApplicationSpec, sha: string, since: string | undefined): Promise<CommitAuthor[]> {
    const source = spec.source!;
    const credentials = () => repoCredentials(this.secrets, source.repoURL, this.controlNamespace);
    return this.repos.commitsSince(source.repoURL, sha, since, credentials);
  }

  /** The desired objects at a resolved commit; rendered once per digest, then read from the cache. */
  async desired(app: AppRef, spec: ApplicationSpec, revision?: ResolvedRevision): Promise<DesiredState> {
    const source = spec.source!;
    // A workflow's spec holds a digest in place of Helm values: rendering it as is would deploy without them.
    if (hasRedactedHelmValues(spec)) throw new Error(`Application ${app.namespace}/${app.name}: spec.source.helm holds a values digest, not values: rehydrate the spec (activities/helm-values.ts) before rendering`);
    const resolved = revision ?? (await this.resolve(spec));
    // Credentials are looked up only if git must ask the remote (the commit is normally here since resolve).
    const credentials = () => repoCredentials(this.secrets, source.repoURL, this.controlNamespace);
    const input = { appName: app.name, source, revision: resolved.sha, destinationNamespace: spec.destination.namespace ?? '', credentials };
    // Keyed by the git objects the render reads, not the commit: a commit elsewhere in the repo is a cache hit.
    const digest = await renderDigest(this.repos, input);
    let rendered = await this.rendered.get(digest);
    metrics.renders.inc({ result: rendered ? 'cache_hit' : 'rendered' });
    if (!rendered) {
      const started = Date.now();
      rendered = await renderSource(this.repos, input);
      metrics.renderDuration.observe({ source_type: rendered.sourceType }, (Date.now() - started) / 1000);
      await this.rendered.put(digest, rendered);
    }
    const objects = await prepareManifests(this.client, rendered.manifests, app, input.destinationNamespace, parseSyncOptions(spec.syncPolicy?.syncOptions));
    return { revision: resolved, digest, sourceType: rendered.sourceType, objects };
  }

  /**
   * Tracked objects no longer desired; hooks are never orphans (their delete policy cleans them up). By default
   * found in the watch cache and each confirmed by the API server (a prune acts on what exists now, and no sync
   * lists a kind across the cluster); read from `reader` alone when given (a refresh only reports).
   */
  async orphans(app: AppRef, desired: KubeObject[], previousKinds: KindRef[] = [], reader?: LiveReader): Promise<KubeObject[]> {
    const found = reader ? await findOrphans(reader, app, desired, previousKinds) : await confirmOrphans(this.live, this.client, app, desired, previousKinds);
    return found.filter(isManagedResource);
  }

  /**
   * Everything of these kinds the app owns on this cluster, hooks included (what deleting the app deletes), each
   * confirmed against the API server.
   */
  async owned(app: AppRef, kinds: KindRef[]): Promise<KubeObject[]> {
    return confirmOrphans(this.live, this.client, app, [], kinds);
  }

  /**
   * Sync status as Argo CD computes it (hooks and skipped objects do not count), with the desired and
   * orphaned objects for the caller's own use. Holds Secret data: never return this outside the worker.
   */
  async compare(app: AppRef, spec: ApplicationSpec, previousKinds: KindRef[] = [], revision?: ResolvedRevision): Promise<DiffResult & { state: DesiredState; orphans: KubeObject[] }> {
    const state = await this.desired(app, spec, revision);
    const managed = state.objects.filter(isManagedResource);
    const against = async (live: LiveReader, confirm: boolean) => {
      const orphans = await this.orphans(app, managed, previousKinds, confirm ? undefined : live);
      return { ...(await diffResources(this.client, managed, orphans, spec.ignoreDifferences, { live, memo: this.diffMemo })), state, orphans };
    };
    const cached = await against(this.live, false);
    // The cache can lag a write made a moment ago (a sync's own apply or prune): a verdict of OutOfSync,
    // which a sync may act on, is confirmed against the API server first (orphans found in the cache, each read
    // again). Synced is the cheap, common case.
    return cached.status === 'Synced' || this.live === this.client ? cached : against(this.client, true);
  }

  /** The diff to show people: per-resource status and redacted unified diffs, and the revision compared. */
  async diff(app: AppRef, spec: ApplicationSpec, previousKinds: KindRef[] = []): Promise<DiffResult & { revision: ResolvedRevision }> {
    const { status, resources, state } = await this.compare(app, spec, previousKinds);
    return { status, resources, revision: state.revision };
  }
}
