// How the CLI reaches Temporal and Kubernetes: flags, then the environment, then the local stack's defaults.
import * as k8s from '../activities/cluster/k8s';
import { Client, Connection } from '@temporalio/client';
import { CliError, EXIT } from './exit-codes';
import { KubeApiError, KubeClient } from '../activities/cluster/kube-client';
import { callerIdentity, SelfReview } from '../domain/caller-identity';
import { describeTemporal, TemporalFlags, temporalOptions } from '../config/temporal';
import { identifyAs } from '../config/user-agent';
import { loadKubeconfig, NO_KUBECONFIG, NO_KUBECONFIG_HINT } from '../config/kubeconfig';
import { payloadDataConverter } from '../config/payload-codec';
import { payloadKeysFromEnv } from '../config/payload-keys';

export interface GlobalOptions extends TemporalFlags {
  context?: string;
  namespace?: string;
}

export { CliError, temporalUnreachable } from './exit-codes';

/** Kubernetes alone, in the namespace the command acts on. */
export interface KubeSession {
  kube: KubeClient;
  namespace: string;
}

export interface Session extends KubeSession {
  temporal: Client;
  close(): Promise<void>;
}

function kubeConfig(options: GlobalOptions): k8s.KubeConfig {
  identifyAs('cli');
  const kc = new k8s.KubeConfig();
  if (!loadKubeconfig(kc)) throw new CliError(NO_KUBECONFIG, NO_KUBECONFIG_HINT, EXIT.api);
  if (options.context) kc.setCurrentContext(options.context);
  return kc;
}

/** Kubernetes alone, for commands that need no Temporal. */
export function kubeClient(options: GlobalOptions): KubeClient {
  return new KubeClient(kubeConfig(options));
}

/** The namespace a command acts on: -n, else the kubeconfig context's, else default. */
function namespaceOf(kc: k8s.KubeConfig, options: GlobalOptions): string {
  return options.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

export function openKubeSession(options: GlobalOptions): KubeSession {
  const kc = kubeConfig(options);
  return { kube: new KubeClient(kc), namespace: namespaceOf(kc, options) };
}

export async function openSession(options: GlobalOptions): Promise<Session> {
  const kc = kubeConfig(options);
  let target: ReturnType<typeof temporalOptions>;
  let dataConverter: ReturnType<typeof payloadDataConverter>;
  try {
    target = temporalOptions(options);
    // The worker's payload keys (SLUICE_PAYLOAD_KEYS or _FILE): what the CLI sends is encrypted, and it reads memos.
    dataConverter = payloadDataConverter(payloadKeysFromEnv());
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey, connectTimeout: '5s' });
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message;
    throw new CliError(`cannot reach Temporal at ${describeTemporal(target)}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`, 'check --temporal-address, --temporal-tls-* and --temporal-api-key (or TEMPORAL_ADDRESS, TEMPORAL_TLS_*, TEMPORAL_API_KEY), or start the local stack with `npm run stack:up`', EXIT.api);
  }
  return {
    kube: new KubeClient(kc),
    temporal: new Client({ connection, namespace: target.namespace, dataConverter }),
    namespace: namespaceOf(kc, options),
    close: () => connection.close(),
  };
}

/**
 * The caller's Kubernetes identity, from a SelfSubjectReview. `--as` is refused where the review answers with
 * someone else, and taken only where the cluster serves no review API (domain/caller-identity.ts).
 */
export async function whoAmI(kube: KubeClient, as?: string): Promise<{ user: string; groups: string[] }> {
  let review: SelfReview;
  try {
    const answer = await kube.request<{ status: { userInfo: { username: string; groups?: string[] } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    review = { identity: { user: answer.status.userInfo.username, groups: answer.status.userInfo.groups ?? [] } };
  } catch (error) {
    if (!(error instanceof KubeApiError && error.code === 404)) throw new CliError(`cannot tell who you are: ${(error as Error).message}`, undefined, EXIT.api, { cause: error });
    review = { unavailable: true };
  }
  const decided = callerIdentity(review, as);
  if ('refused' in decided) throw new CliError(decided.refused, decided.hint);
  return decided;
}
