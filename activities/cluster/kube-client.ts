// The one adapter between Sluice and a Kubernetes API server: discovery, get/list, server-side apply
// (field manager "sluice", force, dry-run, strict field validation) and delete. Plain REST over the
// kubeconfig's credentials, so every request option is explicit. Every call is counted by verb and code.
import * as k8s from './k8s';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import fetch, { FetchError, Headers, RequestInit } from 'node-fetch';
import { userAgent } from '../../config/user-agent';
import { KubeObject } from '../../domain/resource/types';

/** Changing this is destructive: server-side apply ownership is recorded under this name. */
export const FIELD_MANAGER = 'sluice';

export class KubeApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/**
 * The API server did not answer (the connection was refused or cut, the request timed out) or answered that it
 * cannot serve now (5xx, 429): an outage to wait out, not an answer about the request.
 */
export function isApiOutage(error: unknown): boolean {
  if (error instanceof KubeApiError) return error.code >= 500 || error.code === 429;
  return error instanceof FetchError && (error.type === 'system' || error.type === 'request-timeout');
}

export interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

export type RequestObserver = (verb: string, code: number) => void;

let observer: RequestObserver = () => undefined;
/** Lets the metrics module count requests without this module importing it. */
export function observeKubeRequests(fn: RequestObserver): void {
  observer = fn;
}

export interface ApplyOptions {
  dryRun: boolean;
  /** Strict rejects unknown fields (Validate=true, the default); Ignore accepts them (Validate=false). */
  fieldValidation: 'Strict' | 'Ignore';
}

export const DEFAULT_APPLY_OPTIONS: ApplyOptions = { dryRun: false, fieldValidation: 'Strict' };

/**
 * A kubeconfig whose requests carry Sluice's User-Agent. @kubernetes/client-node's Watch takes its request
 * options from the kubeconfig too, so watches made with `KubeClient.kubeConfig` carry it as well.
 */
class IdentifiedKubeConfig extends k8s.KubeConfig {
  override async applyToFetchOptions(opts: https.RequestOptions): Promise<RequestInit> {
    const init = (await super.applyToFetchOptions(opts)) as RequestInit;
    const headers = new Headers(init.headers);
    headers.set('User-Agent', userAgent());
    return { ...init, headers };
  }
}

function identified(kc: k8s.KubeConfig): IdentifiedKubeConfig {
  if (kc instanceof IdentifiedKubeConfig) return kc;
  const copy = new IdentifiedKubeConfig();
  copy.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  return copy;
}

/** The TLS material that tells one agent from another. */
const AGENT_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

export class KubeClient {
  /** Connections kept open to one API server, at most (the server's default in-flight limit is 400). */
  static readonly MAX_SOCKETS = 32;
  readonly server: string;
  /** The kubeconfig builds a new agent (a TLS handshake) per request; requests share one kept-alive agent instead. */
  private pooled?: { key: string; agent: http.Agent };
  private readonly discovery = new Map<string, Promise<ApiResource[]>>();
  private readonly kc: IdentifiedKubeConfig;
  /** The user every request of this client acts as (the Impersonate-User header), when it impersonates one. */
  private impersonated?: string;
  private readonly impersonating = new Map<string, KubeClient>();

  /** Counts this client's requests; by default the metrics module's sluice_kube_request_total does. */
  private readonly observe: RequestObserver;

  constructor(kc: k8s.KubeConfig, options: { observe?: RequestObserver } = {}) {
    this.kc = identified(kc);
    this.observe = options.observe ?? ((verb, code) => observer(verb, code));
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  static fromFile(file: string): KubeClient {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(file);
    return new KubeClient(kc);
  }

  /**
   * A client that acts as `user` (a ServiceAccount's "system:serviceaccount:NS:NAME"): the API server authorises
   * each of its requests as that user. Needs the `impersonate` verb on users (or serviceaccounts) for this one.
   */
  as(user: string): KubeClient {
    let client = this.impersonating.get(user);
    if (!client) {
      client = new KubeClient(this.kc);
      client.impersonated = user;
      this.impersonating.set(user, client);
    }
    return client;
  }

  /** Who this client acts as, if not the kubeconfig's own user. */
  get actingAs(): string | undefined {
    return this.impersonated;
  }

  /** The kubeconfig to watch with: its requests carry Sluice's User-Agent. */
  get kubeConfig(): k8s.KubeConfig {
    return this.kc;
  }

  /** `timeoutMs` bounds the whole request (node-fetch's timeout): for callers that must not wait on a hung connection. */
  async request<T>(method: string, path: string, options: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string; timeoutMs?: number } = {}): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const init = (await this.kc.applyToFetchOptions({})) as RequestInit;
    // The kubeconfig's credentials arrive as a Headers object; extend it rather than spread it.
    const headers = new Headers(init.headers);
    headers.set('Accept', 'application/json');
    if (this.impersonated) headers.set('Impersonate-User', this.impersonated);
    if (options.body !== undefined) headers.set('Content-Type', options.contentType ?? 'application/json');
    const response = await fetch(url.toString(), {
      ...init, agent: this.keptAlive(init.agent), method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    });
    this.observe(method === 'PATCH' && options.contentType === 'application/apply-patch+yaml' ? 'APPLY' : method, response.status);
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Some errors (an unknown API path) come back as plain text.
      parsed = { message: `${method} ${path}: HTTP ${response.status}: ${text.trim().slice(0, 200)}` };
    }
    if (!response.ok) {
      throw new KubeApiError(response.status, String(parsed.reason ?? response.statusText), String(parsed.message ?? `${method} ${path}: HTTP ${response.status}`));
    }
    return parsed as T;
  }

  /**
   * A keep-alive agent with the same TLS material as the kubeconfig's fresh one, reused while that material is
   * unchanged (rotated certificates give a new agent). Proxy agents are left as they are.
   */
  private keptAlive(agent: RequestInit['agent']): RequestInit['agent'] {
    if (!agent || (agent.constructor !== https.Agent && agent.constructor !== http.Agent)) return agent;
    const options = (agent as http.Agent & { options: Record<string, unknown> }).options;
    const key = createHash('sha256').update(JSON.stringify([agent.constructor.name, ...AGENT_KEYS.map((k) => String(options[k] ?? ''))])).digest('hex');
    if (this.pooled?.key !== key) {
      this.pooled?.agent.destroy();
      const shared = { ...options, keepAlive: true, maxSockets: KubeClient.MAX_SOCKETS, maxFreeSockets: KubeClient.MAX_SOCKETS };
      this.pooled = { key, agent: agent instanceof https.Agent ? new https.Agent(shared) : new http.Agent(shared) };
    }
    (agent as http.Agent).destroy();
    return this.pooled.agent;
  }

  private groupVersionPath(apiVersion: string): string {
    return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  }

  /** Resources served at an apiVersion; cached, and refreshed when a kind is not found (new CRDs). */
  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0 || !this.discovery.has(apiVersion)) {
        const loading = this.request<{ resources: ApiResource[] }>('GET', this.groupVersionPath(apiVersion)).then((r) => r.resources.filter((x) => !x.name.includes('/')));
        this.discovery.set(apiVersion, loading);
        loading.catch(() => this.discovery.delete(apiVersion));
      }
      let found: ApiResource | undefined;
      try {
        found = (await this.discovery.get(apiVersion)!).find((r) => r.kind === kind);
      } catch (error) {
        if (error instanceof KubeApiError && error.code === 404 && attempt === 0) continue;
        if (error instanceof KubeApiError && error.code === 404) throw new KubeApiError(404, 'NotFound', `the server does not serve ${apiVersion} (unknown kind ${kind})`);
        throw error;
      }
      if (found) return found;
    }
    throw new KubeApiError(404, 'NotFound', `the server does not serve kind ${kind} in ${apiVersion}`);
  }

  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)).namespaced;
  }

  async objectPath(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
    const resource = await this.resource(apiVersion, kind);
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${this.groupVersionPath(apiVersion)}${ns}/${resource.name}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.request<KubeObject>('GET', await this.objectPath(apiVersion, kind, namespace, name));
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) return undefined;
      throw error;
    }
  }

  async list(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    do {
      const page = await this.request<{ items: KubeObject[]; metadata?: { continue?: string } }>('GET', await this.objectPath(apiVersion, kind, options.namespace), {
        query: { labelSelector: options.labelSelector, limit: '500', continue: continueToken },
      });
      for (const item of page.items) items.push({ ...item, apiVersion, kind });
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  /** Server-side apply with force; returns the object as the server stored it (or would, on a dry run). */
  async apply(obj: KubeObject, options: ApplyOptions = DEFAULT_APPLY_OPTIONS): Promise<KubeObject> {
    const path = await this.objectPath(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.request<KubeObject>('PATCH', path, {
      query: { fieldManager: FIELD_MANAGER, force: 'true', dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.fieldValidation },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  }

  async replace(obj: KubeObject, options: ApplyOptions = DEFAULT_APPLY_OPTIONS): Promise<KubeObject> {
    const path = await this.objectPath(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const live = await this.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
    if (!live) return this.create(obj, options);
    const body = { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata.resourceVersion } };
    return this.request<KubeObject>('PUT', path, { query: { fieldManager: FIELD_MANAGER, dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.fieldValidation }, body });
  }

  async create(obj: KubeObject, options: ApplyOptions = DEFAULT_APPLY_OPTIONS): Promise<KubeObject> {
    const path = await this.objectPath(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return this.request<KubeObject>('POST', path, { query: { fieldManager: FIELD_MANAGER, dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.fieldValidation }, body: obj });
  }

  /** Deletes; a missing object counts as deleted. */
  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string, propagationPolicy: 'Foreground' | 'Background' | 'Orphan' = 'Foreground'): Promise<boolean> {
    try {
      await this.request('DELETE', await this.objectPath(apiVersion, kind, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy } });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) return false;
      throw error;
    }
  }
}

/**
 * A request the API refuses for what it says (4xx, except throttling), or a manifest that does not fit the
 * schema, which server-side apply reports as a 500 "failed to create typed patch object".
 */
export function isRejection(error: KubeApiError): boolean {
  if (error.code === 500 && error.message.startsWith('failed to create typed patch object')) return true;
  return error.code >= 400 && error.code < 500 && error.code !== 429 && error.code !== 409;
}
