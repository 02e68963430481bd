// Extra Kubernetes clusters of the local stack, started on demand by `stack.sh clusters N` (idempotent: a test
// file asking for clusters that are up waits only for a lock). Each is its own API server with its own kwok node.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot, runDir, stackEnv } from './stack';

/** The cluster Secret manifest stack.sh writes: no namespace, credentials in stringData. */
export interface ClusterSecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; labels: Record<string, string> };
  type: 'Opaque';
  stringData: { name: string; server: string; config: string };
}

export interface StackCluster {
  /** `cluster-2`, `cluster-3`, ...: the `name` its Secret registers. */
  name: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** An admin kubeconfig (system:masters) for the test's own checks. */
  kubeconfig: string;
  /** The ServiceAccount token kube-system/sluice-manager (cluster-admin) the Secret carries, and the CA (base64 PEM). */
  token: string;
  caData: string;
  /** The cluster Secret `cluster-<name>`, labelled sluice.dev/secret-type=cluster; apply it in the control namespace. */
  secret: ClusterSecretManifest;
  secretFile: string;
}

/**
 * Makes sure the stack runs `total` clusters (the main one included) and returns the extra ones, cluster-2 to
 * cluster-<total>. Starting two takes about 10 s on 2 cores; later calls return at once.
 */
export async function ensureClusters(total: number): Promise<StackCluster[]> {
  try {
    await promisify(execFile)('bash', [path.join(repoRoot, 'scripts', 'stack.sh'), 'clusters', String(total)], {
      env: { ...process.env, SLUICE_RUN_DIR: runDir },
      timeout: 240_000,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`stack.sh clusters ${total} failed: ${stderr?.trim() || (error as Error).message}`);
  }
  const env = stackEnv() as unknown as Record<string, string | undefined>;
  const clusters: StackCluster[] = [];
  for (let i = 2; i <= total; i++) {
    const kubeconfig = env[`SLUICE_CLUSTER_${i}_KUBECONFIG`];
    const secretFile = env[`SLUICE_CLUSTER_${i}_SECRET`];
    if (!kubeconfig || !secretFile) throw new Error(`${path.join(runDir, 'env')} names no SLUICE_CLUSTER_${i}_KUBECONFIG / _SECRET after stack.sh clusters ${total}`);
    const secret = parse(readFileSync(secretFile, 'utf8')) as ClusterSecretManifest;
    const config = JSON.parse(secret.stringData.config) as { bearerToken: string; tlsClientConfig: { caData: string } };
    clusters.push({
      name: secret.stringData.name,
      server: secret.stringData.server,
      kubeconfig,
      token: config.bearerToken,
      caData: config.tlsClientConfig.caData,
      secret,
      secretFile,
    });
  }
  return clusters;
}
