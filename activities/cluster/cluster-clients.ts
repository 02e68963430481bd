// One KubeClient per registered cluster (domain/cluster/clusters.ts), built from its Secret and kept while the
// Secret's server and credentials stay the same: an edited Secret (a rotated token, a new CA) gets a new client
// on the next lookup, and the old one's pooled connections are dropped with it. in-cluster is the worker's own
// client. The Secrets are read through a LiveReader, so with the watch cache a lookup makes no request.
import * as k8s from './k8s';
import { createHash } from 'node:crypto';
import { Cluster, IN_CLUSTER_SERVER, kubeConfigOptions, registeredClusters, resolveDestination } from '../../domain/cluster/clusters';
import { InputError } from '../../domain/errors';
import { SECRET_TYPE_LABELS } from '../../domain/secret-types';
import { KubeClient } from './kube-client';
import { LiveReader } from './live-cache';

/** A destination that names no usable cluster: reported on the app as a condition naming the cluster and field. */
export class DestinationError extends InputError {}

/** Why a cluster could not be reached: the error, and the network cause under it (ECONNREFUSED, a TLS failure). */
export function describeClusterError(error: unknown): string {
  const { message, cause } = error as Error & { cause?: Error };
  return cause?.message ? `${message} (${cause.message})` : message;
}

const fingerprint = (cluster: Cluster) => createHash('sha256').update(JSON.stringify([cluster.server, cluster.config])).digest('hex');

export class ClusterClients {
  private readonly clients = new Map<string, { fingerprint: string; client: KubeClient }>();

  constructor(private readonly local: KubeClient, private readonly secrets: LiveReader, private readonly namespace: string) {}

  /** Every cluster Secret in the control namespace, under either label. */
  async registry(): Promise<ReturnType<typeof registeredClusters>> {
    const lists = await Promise.all(SECRET_TYPE_LABELS.map((label) => this.secrets.list('v1', 'Secret', { namespace: this.namespace, labelSelector: `${label}=cluster` })));
    const seen = new Set<string>();
    return registeredClusters(lists.flat().filter((s) => !seen.has(s.metadata.name!) && seen.add(s.metadata.name!)));
  }

  /** The cluster an Application's destination names, and a client for it; a DestinationError if there is none. */
  async forDestination(destination: { server?: string; name?: string }): Promise<{ cluster: Cluster; client: KubeClient }> {
    const resolved = resolveDestination(destination, await this.registry());
    if ('error' in resolved) throw new DestinationError(resolved.error, { field: resolved.field });
    return { cluster: resolved.cluster, client: this.clientFor(resolved.cluster) };
  }

  clientFor(cluster: Cluster): KubeClient {
    // in-cluster is the worker's own identity, even when a Secret registers it to rename or label it.
    if (cluster.server === IN_CLUSTER_SERVER) return this.local;
    const print = fingerprint(cluster);
    // Keyed by the Secret: two Secrets may register the same server with different identities.
    const key = cluster.secret ?? cluster.server;
    const known = this.clients.get(key);
    if (known?.fingerprint === print) return known.client;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions(kubeConfigOptions(cluster));
    const client = new KubeClient(kc);
    this.clients.set(key, { fingerprint: print, client });
    return client;
  }
}
