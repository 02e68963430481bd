// Clusters registered as Secrets, the way Argo CD registers them (docs/operator-manual/declarative-setup.md,
// "Clusters"): a Secret labelled sluice.dev/secret-type=cluster (or argocd.argoproj.io/secret-type=cluster) whose
// data holds `name`, `server` and `config`, a JSON object with bearerToken, username/password and tlsClientConfig
// (caData, certData, keyData: base64 PEM; insecure; serverName). The Secret's labels are the cluster's labels,
// which the clusters generator selects on. https://kubernetes.default.svc, named in-cluster, needs no Secret.
// Pure: the caller lists the Secrets; this reads them and resolves an Application's destination against them.
import { InputError } from '../errors';
import { KubeObject } from '../resource/types';
import { SECRET_TYPE_LABELS } from '../secret-types';

export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
export const IN_CLUSTER_NAME = 'in-cluster';

export interface TlsClientConfig {
  caData?: string;
  certData?: string;
  keyData?: string;
  insecure?: boolean;
  serverName?: string;
}

export interface ClusterConfig {
  bearerToken?: string;
  username?: string;
  password?: string;
  tlsClientConfig?: TlsClientConfig;
}

export interface Cluster {
  name: string;
  server: string;
  /** Credentials: never logged, never put in workflow history. */
  config: ClusterConfig;
  labels: Record<string, string>;
  /** The Secret's annotations, which the clusters generator passes on as metadata.annotations.*. */
  annotations?: Record<string, string>;
  /** The Secret's `project`, when the cluster is scoped to one. */
  project?: string;
  /** `namespace/name` of the Secret it came from; undefined for the built-in in-cluster entry. */
  secret?: string;
}

/** A cluster Secret that cannot be read: names the Secret and the field. */
export class ClusterSecretError extends InputError {}

export function isClusterSecret(secret: KubeObject): boolean {
  return SECRET_TYPE_LABELS.some((label) => secret.metadata.labels?.[label] === 'cluster');
}

const decode = (value: unknown) => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined);

const CONFIG_FIELDS: Record<string, 'string' | 'object'> = { bearerToken: 'string', username: 'string', password: 'string', tlsClientConfig: 'object' };
const TLS_FIELDS: Record<string, 'string' | 'boolean'> = { caData: 'string', certData: 'string', keyData: 'string', insecure: 'boolean', serverName: 'string' };

/**
 * Reads one cluster Secret. Unknown fields in `config` are refused rather than ignored (execProviderConfig and
 * awsAuthConfig are Argo CD's, not served here), so a credential that would not be used is never silently dropped.
 */
export function clusterFromSecret(secret: KubeObject): Cluster {
  const id = `${secret.metadata.namespace}/${secret.metadata.name}`;
  const fail = (field: string, problem: string) => new ClusterSecretError(`cluster Secret ${id}: ${field}: ${problem}`, { field });
  const data = (secret.data ?? {}) as Record<string, unknown>;
  const server = decode(data.server)?.trim();
  if (!server) throw fail('data.server', 'required (the API server URL)');
  if (!/^https?:\/\/[^/\s]+/.test(server)) throw fail('data.server', `${JSON.stringify(server)} is not an http(s) URL`);
  const name = decode(data.name)?.trim() || server;
  let config: ClusterConfig = {};
  const raw = decode(data.config);
  if (raw !== undefined && raw.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw fail('data.config', `not JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('data.config', 'must be a JSON object');
    for (const [key, value] of Object.entries(parsed)) {
      const type = CONFIG_FIELDS[key];
      if (!type) throw fail(`data.config.${key}`, `not supported (supported: ${Object.keys(CONFIG_FIELDS).join(', ')})`);
      if (typeof value !== type || value === null) throw fail(`data.config.${key}`, `must be a ${type}`);
    }
    for (const [key, value] of Object.entries((parsed as ClusterConfig).tlsClientConfig ?? {})) {
      const type = TLS_FIELDS[key];
      if (!type) throw fail(`data.config.tlsClientConfig.${key}`, `not supported (supported: ${Object.keys(TLS_FIELDS).join(', ')})`);
      if (typeof value !== type) throw fail(`data.config.tlsClientConfig.${key}`, `must be a ${type}`);
    }
    config = parsed as ClusterConfig;
  }
  const tls = config.tlsClientConfig;
  if ((tls?.certData === undefined) !== (tls?.keyData === undefined)) throw fail('data.config.tlsClientConfig', 'certData and keyData go together');
  if (config.username !== undefined && config.password === undefined) throw fail('data.config.password', 'required with username');
  const project = decode(data.project)?.trim();
  return { name, server: server.replace(/\/+$/, ''), config, labels: { ...(secret.metadata.labels ?? {}) }, annotations: { ...(secret.metadata.annotations ?? {}) }, ...(project ? { project } : {}), secret: id };
}

export const IN_CLUSTER: Cluster = { name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER, config: {}, labels: {} };

/**
 * The registered clusters: one per Secret that can be read, plus in-cluster unless a Secret registers that
 * server itself (Argo CD lets a Secret rename or relabel in-cluster). A Secret that cannot be read is reported,
 * not fatal: only apps whose destination it would have been see the error.
 */
export function registeredClusters(secrets: KubeObject[]): { clusters: Cluster[]; broken: Array<{ secret: string; server?: string; name?: string; error: string }> } {
  const clusters: Cluster[] = [];
  const broken: Array<{ secret: string; server?: string; name?: string; error: string }> = [];
  for (const secret of secrets.filter(isClusterSecret)) {
    try {
      clusters.push(clusterFromSecret(secret));
    } catch (error) {
      const data = (secret.data ?? {}) as Record<string, unknown>;
      broken.push({ secret: `${secret.metadata.namespace}/${secret.metadata.name}`, server: decode(data.server)?.trim().replace(/\/+$/, ''), name: decode(data.name)?.trim(), error: (error as Error).message });
    }
  }
  if (!clusters.some((c) => c.server === IN_CLUSTER_SERVER)) clusters.push(IN_CLUSTER);
  return { clusters, broken };
}

export type Resolution = { cluster: Cluster } | { error: string; field: 'spec.destination.server' | 'spec.destination.name' };

/** Argo CD's destination lookup: by server URL, or by cluster name; a name two Secrets share is refused. */
export function resolveDestination(destination: { server?: string; name?: string }, registry: ReturnType<typeof registeredClusters>): Resolution {
  if (destination.name !== undefined) {
    const field = 'spec.destination.name';
    const found = registry.clusters.filter((c) => c.name === destination.name);
    if (found.length > 1) return { field, error: `there are ${found.length} clusters named ${destination.name} (${found.map((c) => c.secret ?? c.server).join(', ')})` };
    if (found.length === 1) return { cluster: found[0] };
    const bad = registry.broken.find((b) => b.name === destination.name);
    return { field, error: bad ? bad.error : `cluster ${destination.name} is not registered (no cluster Secret has that name)` };
  }
  const field = 'spec.destination.server';
  const server = (destination.server ?? '').replace(/\/+$/, '');
  const found = registry.clusters.find((c) => c.server === server);
  if (found) return { cluster: found };
  const bad = registry.broken.find((b) => b.server === server);
  return { field, error: bad ? bad.error : `cluster ${server} is not registered (no cluster Secret has that server)` };
}

/** The kubeconfig (in @kubernetes/client-node's loadFromOptions shape) that reaches a registered cluster. */
export function kubeConfigOptions(cluster: Cluster): {
  clusters: Array<{ name: string; server: string; caData?: string; skipTLSVerify: boolean; tlsServerName?: string }>;
  users: Array<{ name: string; token?: string; username?: string; password?: string; certData?: string; keyData?: string }>;
  contexts: Array<{ name: string; cluster: string; user: string }>;
  currentContext: string;
} {
  const tls = cluster.config.tlsClientConfig ?? {};
  const { bearerToken, username, password } = cluster.config;
  return {
    clusters: [{ name: cluster.name, server: cluster.server, caData: tls.caData, skipTLSVerify: tls.insecure === true, tlsServerName: tls.serverName }],
    users: [{ name: cluster.name, token: bearerToken, username, password, certData: tls.certData, keyData: tls.keyData }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: cluster.name }],
    currentContext: cluster.name,
  };
}
