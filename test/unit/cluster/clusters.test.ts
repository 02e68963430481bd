// Cluster Secrets as Argo CD defines them, and destination resolution against them.
import { clusterFromSecret, IN_CLUSTER_SERVER, kubeConfigOptions, registeredClusters, resolveDestination } from '../../../domain/cluster/clusters';
import { KubeObject } from '../../../domain/resource/types';

const b64 = (s: string) => Buffer.from(s).toString('base64');
function secret(name: string, data: Record<string, string | object>, labels: Record<string, string> = { 'argocd.argoproj.io/secret-type': 'cluster' }): KubeObject {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(typeof v === 'string' ? v : JSON.stringify(v))]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'sluice', labels }, data: encoded };
}

test('a cluster Secret in Argo CD\'s shape: name, server, config with token and TLS, labels kept', () => {
  const s = secret('staging', {
    name: 'staging', server: 'https://10.0.0.2:6443/', project: 'web',
    config: { bearerToken: 'tok', tlsClientConfig: { caData: b64('CA'), insecure: false, serverName: 'kubernetes' } },
  }, { 'sluice.dev/secret-type': 'cluster', env: 'staging' });
  expect(clusterFromSecret(s)).toEqual({
    name: 'staging', server: 'https://10.0.0.2:6443',
    config: { bearerToken: 'tok', tlsClientConfig: { caData: b64('CA'), insecure: false, serverName: 'kubernetes' } },
    labels: { 'sluice.dev/secret-type': 'cluster', env: 'staging' }, annotations: {}, project: 'web', secret: 'sluice/staging',
  });
});

test.each<[string, Record<string, string | object>, RegExp]>([
  ['no server', { name: 'x' }, /cluster Secret sluice\/bad: data.server: required/],
  ['a server that is not a URL', { server: 'prod' }, /data.server: "prod" is not an http\(s\) URL/],
  ['config that is not JSON', { server: 'https://a', config: '{bearer' }, /data.config: not JSON/],
  ['config that is a list', { server: 'https://a', config: [1] }, /data.config: must be a JSON object/],
  ['a credential kind not served here', { server: 'https://a', config: { execProviderConfig: { command: 'aws' } } }, /data.config.execProviderConfig: not supported/],
  ['a mistyped TLS field', { server: 'https://a', config: { tlsClientConfig: { insecure: 'yes' } } }, /data.config.tlsClientConfig.insecure: must be a boolean/],
  ['an unknown TLS field', { server: 'https://a', config: { tlsClientConfig: { caFile: '/etc/ca' } } }, /data.config.tlsClientConfig.caFile: not supported/],
  ['a client cert without its key', { server: 'https://a', config: { tlsClientConfig: { certData: 'x' } } }, /certData and keyData go together/],
  ['a username without a password', { server: 'https://a', config: { username: 'admin' } }, /data.config.password: required with username/],
])('refused, naming the Secret and field: %s', (_label, data, expected) => {
  expect(() => clusterFromSecret(secret('bad', data))).toThrow(expected);
});

test('the name defaults to the server, as in Argo CD', () => {
  expect(clusterFromSecret(secret('s', { server: 'https://a:6443' })).name).toBe('https://a:6443');
});

describe('resolving a destination', () => {
  const registry = registeredClusters([
    secret('staging', { name: 'staging', server: 'https://b:6443' }),
    secret('prod', { name: 'prod', server: 'https://c:6443' }),
    secret('prod-again', { name: 'prod', server: 'https://d:6443' }),
    secret('broken', { name: 'qa', server: 'https://e:6443', config: '{' }),
    secret('not-a-cluster', { name: 'repo', server: 'https://f' }, { 'sluice.dev/secret-type': 'repository' }),
  ]);
  const by = (destination: { server?: string; name?: string }) => {
    const r = resolveDestination(destination, registry);
    return 'cluster' in r ? r.cluster.name : `${r.field}: ${r.error}`;
  };
  test.each<[string, { server?: string; name?: string }, string | RegExp]>([
    ['in-cluster by server, with no Secret', { server: IN_CLUSTER_SERVER }, 'in-cluster'],
    ['in-cluster by name', { name: 'in-cluster' }, 'in-cluster'],
    ['a registered server (a trailing slash is the same server)', { server: 'https://b:6443/' }, 'staging'],
    ['a registered name', { name: 'staging' }, 'staging'],
    ['an unknown server', { server: 'https://z:6443' }, /spec.destination.server: cluster https:\/\/z:6443 is not registered/],
    ['an unknown name', { name: 'nowhere' }, /spec.destination.name: cluster nowhere is not registered/],
    ['a name two Secrets share', { name: 'prod' }, /spec.destination.name: there are 2 clusters named prod \(sluice\/prod, sluice\/prod-again\)/],
    ['a server whose Secret cannot be read: its own error', { server: 'https://e:6443' }, /spec.destination.server: cluster Secret sluice\/broken: data.config: not JSON/],
    ['a Secret that is not a cluster Secret', { server: 'https://f' }, /is not registered/],
  ])('%s', (_label, destination, expected) => {
    if (typeof expected === 'string') expect(by(destination)).toBe(expected);
    else expect(by(destination)).toMatch(expected);
  });

  test('a Secret for the in-cluster server renames it and carries its labels', () => {
    const own = registeredClusters([secret('local', { name: 'dev', server: IN_CLUSTER_SERVER }, { 'sluice.dev/secret-type': 'cluster', env: 'dev' })]);
    expect(own.clusters.map((c) => [c.name, c.server, c.labels.env])).toEqual([['dev', IN_CLUSTER_SERVER, 'dev']]);
    expect(resolveDestination({ name: 'in-cluster' }, own)).toMatchObject({ field: 'spec.destination.name' });
  });
});

test('the kubeconfig for a cluster carries its server, TLS material and credentials, and nothing else', () => {
  const cluster = clusterFromSecret(secret('prod', { name: 'prod', server: 'https://c:6443', config: { tlsClientConfig: { caData: 'Q0E=', certData: 'Q0VSVA==', keyData: 'S0VZ', serverName: 'api' } } }));
  expect(kubeConfigOptions(cluster)).toEqual({
    clusters: [{ name: 'prod', server: 'https://c:6443', caData: 'Q0E=', skipTLSVerify: false, tlsServerName: 'api' }],
    users: [{ name: 'prod', token: undefined, username: undefined, password: undefined, certData: 'Q0VSVA==', keyData: 'S0VZ' }],
    contexts: [{ name: 'prod', cluster: 'prod', user: 'prod' }],
    currentContext: 'prod',
  });
  const insecure = clusterFromSecret(secret('dev', { server: 'https://d', config: { bearerToken: 't', tlsClientConfig: { insecure: true } } }));
  expect(kubeConfigOptions(insecure)).toMatchObject({ clusters: [{ skipTLSVerify: true }], users: [{ token: 't' }] });
});
