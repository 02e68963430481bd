// `sluice cluster list`: the clusters registered by Secrets (Argo CD's cluster Secrets), each probed for its
// version with the Secret's own credentials, as `argocd cluster list` shows them. Credentials are never printed.
import { ClusterClients, describeClusterError } from '../activities/cluster/cluster-clients';
import { KubeClient } from '../activities/cluster/kube-client';

export interface ClusterRow {
  server: string;
  name: string;
  version: string;
  status: 'Successful' | 'Failed';
  message: string;
  labels: Record<string, string>;
  secret?: string;
}

const PROBE_TIMEOUT_MS = 5_000;

async function probe(client: KubeClient): Promise<{ version: string } | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ error: `no answer within ${PROBE_TIMEOUT_MS / 1000}s` }), PROBE_TIMEOUT_MS);
  });
  const answer = client.request<{ gitVersion?: string }>('GET', '/version').then(
    (v) => ({ version: v.gitVersion ?? '?' }),
    (e: unknown) => ({ error: describeClusterError(e) }),
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function listClusters(kube: KubeClient, namespace: string): Promise<ClusterRow[]> {
  const clusters = new ClusterClients(kube, kube, namespace);
  const registry = await clusters.registry();
  const rows = await Promise.all(registry.clusters.map(async (cluster): Promise<ClusterRow> => {
    const result = await probe(clusters.clientFor(cluster));
    return {
      server: cluster.server, name: cluster.name, labels: cluster.labels, secret: cluster.secret,
      ...('version' in result ? { version: result.version, status: 'Successful' as const, message: '' } : { version: '', status: 'Failed' as const, message: result.error }),
    };
  }));
  const broken = registry.broken.map((b): ClusterRow => ({ server: b.server ?? '', name: b.name ?? '', version: '', status: 'Failed', message: b.error, labels: {}, secret: b.secret }));
  return [...rows, ...broken];
}
