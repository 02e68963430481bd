// The worker loads KubeConfig and Watch without the generated API clients (issue 11: idle RSS). Two things keep it
// so: our code imports them from activities/cluster/k8s (eslint refuses the package index in worker code), and the
// patch that `npm install` applies keeps the package's config.js from importing its generated index.
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig, Watch } from '../../activities/cluster/k8s';

const packageDir = path.dirname(require.resolve('@kubernetes/client-node/package.json'));

test('config.js imports only the two generated modules it uses, not the generated index', () => {
  const source = fs.readFileSync(path.join(packageDir, 'dist', 'config.js'), 'utf8');
  const imports = [...source.matchAll(/from '(\.\/gen\/[^']+)'/g)].map((m) => m[1]).sort();
  expect(imports).toEqual(['./gen/configuration.js', './gen/servers.js']);
});

test('the patch targets the installed version of the package', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  expect(fs.existsSync(path.join(__dirname, '..', '..', 'patches', `@kubernetes+client-node+${version}.patch`))).toBe(true);
});

test('a KubeConfig from the slim import still makes the generated API clients that tests use', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const { CoreV1Api } = await import('@kubernetes/client-node');
  expect(kc.makeApiClient(CoreV1Api)).toBeInstanceOf(CoreV1Api);
  const init = (await kc.applyToFetchOptions({})) as RequestInit;
  expect(new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).get('Authorization')).toBe('Bearer secret-token');
  expect(typeof new Watch(kc).watch).toBe('function');
});
