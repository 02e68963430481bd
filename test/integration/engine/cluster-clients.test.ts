// Registered clusters against the real API server: the stack's own API server registered under a second name by
// an Argo CD cluster Secret, with the restricted identity's token. Requests through it carry the Secret's
// credentials (not the worker's), an edited Secret takes effect at the next lookup, and a destination that names
// no usable cluster is refused naming the field.
import { parse } from 'yaml';
import fs from 'node:fs';
import { ClusterClients, DestinationError } from '../../../activities/cluster/cluster-clients';
import { KubeApiError, KubeClient } from '../../../activities/cluster/kube-client';
import { KubeObject } from '../../../domain/resource/types';
import { createTestNamespace, deleteNamespace, kubeConfig } from '../../support/kube';
import { stackEnv } from '../../support/stack';

const env = stackEnv();
const admin = KubeClient.fromFile(env.KUBECONFIG);
const kc = kubeConfig();
let control: string;

function identity(file: string): { server: string; caData: string; token: string } {
  const doc = parse(fs.readFileSync(file, 'utf8'));
  return { server: doc.clusters[0].cluster.server, caData: doc.clusters[0].cluster['certificate-authority-data'], token: doc.users[0].user.token };
}

const clusterSecret = (name: string, server: string, config: object): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret',
  metadata: { name, namespace: control, labels: { 'argocd.argoproj.io/secret-type': 'cluster', env: name } },
  stringData: { name, server, config: JSON.stringify(config) },
} as unknown as KubeObject);

beforeAll(async () => {
  control = await createTestNamespace(kc, 'clusters');
});
afterAll(async () => {
  await deleteNamespace(kc, control);
});

const configMap = (): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: control }, data: { a: 'b' } });

test('a cluster Secret with its own token: reads work, writes are that identity\'s, and an edited Secret takes effect', async () => {
  const restricted = identity(env.SLUICE_RESTRICTED_KUBECONFIG);
  const { token: adminToken } = identity(env.KUBECONFIG);
  await admin.create(clusterSecret('staging', `${restricted.server}/`, { bearerToken: restricted.token, tlsClientConfig: { caData: restricted.caData } }));
  const clusters = new ClusterClients(admin, admin, control);

  const byName = await clusters.forDestination({ name: 'staging' });
  expect(byName.cluster).toMatchObject({ name: 'staging', server: restricted.server, labels: { env: 'staging' } });
  expect(await byName.client.get('v1', 'Namespace', undefined, control)).toBeDefined();
  // The restricted identity may read and not write: the request went out with the Secret's token.
  const refused = await byName.client.apply(configMap()).then(() => undefined, (e: unknown) => e);
  expect(refused).toBeInstanceOf(KubeApiError);
  expect((refused as KubeApiError).code).toBe(403);
  expect((await clusters.forDestination({ server: restricted.server })).client).toBe(byName.client);

  // A rotated token: the next lookup builds a new client with it.
  const edited = clusterSecret('staging', restricted.server, { bearerToken: adminToken, tlsClientConfig: { caData: restricted.caData } });
  await admin.apply({ ...edited, stringData: undefined, data: Object.fromEntries(Object.entries((edited as unknown as { stringData: Record<string, string> }).stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } as unknown as KubeObject);
  const rotated = await clusters.forDestination({ name: 'staging' });
  expect(rotated.client).not.toBe(byName.client);
  expect((await rotated.client.apply(configMap())).metadata.name).toBe('probe');
});

test('a wrong token is answered 401 by that cluster; an unknown cluster is refused naming the field', async () => {
  const { server, caData } = identity(env.KUBECONFIG);
  await admin.create(clusterSecret('prod', server, { bearerToken: 'not-a-token', tlsClientConfig: { caData } }));
  const clusters = new ClusterClients(admin, admin, control);
  const prod = await clusters.forDestination({ name: 'prod' });
  expect(prod.cluster.name).toBe('prod');
  const denied = await prod.client.get('v1', 'Namespace', undefined, 'default').then(() => undefined, (e: unknown) => e);
  expect((denied as KubeApiError).code).toBe(401);

  const unknown = await clusters.forDestination({ name: 'qa' }).then(() => undefined, (e: unknown) => e);
  expect(unknown).toBeInstanceOf(DestinationError);
  expect((unknown as DestinationError).field).toBe('spec.destination.name');
  expect((unknown as Error).message).toBe('cluster qa is not registered (no cluster Secret has that name)');
});
