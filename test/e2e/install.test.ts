// Installing Sluice into a cluster (deploy/, docs/install.md), checked on the local stack:
// - `kustomize build` of deploy/base and of each overlay passes `kubectl apply --server-side --dry-run=server`, and
//   the Deployment's pod is admitted under the Pod Security level the overlay's own Namespace sets.
// - The worker runs as the local overlay's Deployment runs it: the image's command (`node ... dist/worker/main.js`)
//   from a fresh build, the environment the kubelet would give the container (the ConfigMap by envFrom, then env;
//   the optional Secrets are absent), the cache volumes as scratch directories, and the token of the ServiceAccount
//   that overlay deploys, bound to the RBAC it deploys. Only the ports, the task queue and the app selector are
//   changed, to keep it apart from other tests. It syncs an app and reports it Synced and Healthy.
// What is real and what is not: the sluice.dev CRDs and the admission policy are installed for real (as every e2e
// test does) before the dry run, so it updates them; the stack has no Prometheus Operator, so this test installs
// minimal ServiceMonitor and PrometheusRule CRDs (any spec accepted: their fields are not checked) and removes them
// after. The `sluice` namespace is created (bare) when absent, as the dry run of objects in it needs it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyObjects } from '../../activities/cluster/apply';
import { KubeObject } from '../../domain/resource/types';
import { applicationManifest } from '../fixtures/gitops';
import { buildWorker } from '../support/build';
import { containerEnv, findObject, kustomizeBuild, Manifest } from '../support/deploy';
import { imageProcess } from '../support/dockerfile';
import { E2eRun } from '../support/e2e';
import { eventually } from '../support/kube';
import { installCrds } from '../support/projects';
import { deployerProject, serviceAccountKubeconfig } from '../support/service-account';
import { repoRoot, stackEnv } from '../support/stack';

const PORT = 19200;
const stack = stackEnv();
const run = new E2eRun(PORT);
const { kube, runId } = run;
const BUILDS = ['base', 'overlays/local', 'overlays/temporal-cloud', 'overlays/self-hosted-temporal'];
const MONITORING_CRDS = [['ServiceMonitor', 'servicemonitors'], ['PrometheusRule', 'prometheusrules']];
const installRoot = path.join(repoRoot, '.run', `install-${runId}`);
const kubeconfigFile = path.join(os.tmpdir(), `sluice-install-${runId}.kubeconfig`);
const projectName = `install-${runId}`;
/** Cluster-scoped objects and the namespace this file created, removed at the end (nothing that existed before). */
const created: KubeObject[] = [];

const minimalCrd = (kind: string, plural: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.monitoring.coreos.com` },
  spec: {
    group: 'monitoring.coreos.com', scope: 'Namespaced', names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
} as unknown as KubeObject);

/** Creates `obj` unless an object of its name exists, and remembers it for afterAll if it did. */
async function ensure(obj: KubeObject): Promise<void> {
  if (await kube.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!)) return;
  await applyObjects(kube, [obj]);
  created.push(obj);
}

function kubectl(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(stack.SLUICE_KUBECTL, ['--kubeconfig', stack.KUBECONFIG, ...args], { input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: `${r.stderr}${r.error ? r.error.message : ''}` };
}

beforeAll(async () => {
  await installCrds(kube);
  for (const [kind, plural] of MONITORING_CRDS) await ensure(minimalCrd(kind, plural));
  // One an earlier run deleted may still be terminating (the namespace controller takes its time on a busy stack).
  await eventually('namespace sluice to finish terminating', async () => ((await kube.get('v1', 'Namespace', undefined, 'sluice'))?.metadata.deletionTimestamp ? undefined : true), 300_000);
  await ensure({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sluice' } } as KubeObject);
  // Applied by the dry run as a client would right after creating them: wait until they are served.
  await eventually('the monitoring CRDs to be served', async () => (kubectl(['get', 'servicemonitors,prometheusrules', '-n', 'sluice']).code === 0 ? true : undefined), 30_000);
}, 420_000);

afterAll(async () => {
  await run.stop();
  await kube.delete('sluice.dev/v1alpha1', 'AppProject', 'sluice', projectName).catch(() => undefined);
  for (const o of created.reverse()) await kube.delete(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name!).catch(() => undefined);
  fs.rmSync(installRoot, { recursive: true, force: true });
  fs.rmSync(kubeconfigFile, { force: true });
}, 120_000);

test.each(BUILDS)('deploy/%s builds and passes kubectl apply --server-side --dry-run=server', async (dir) => {
  const { yaml, objects } = kustomizeBuild(dir);
  const kinds = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  // The local overlay leaves out the Prometheus Operator's kinds: the stack has no operator.
  const monitoring = ['ServiceMonitor/sluice-worker', 'PrometheusRule/sluice'];
  for (const expected of ['Namespace/sluice', 'ServiceAccount/sluice-worker', 'ClusterRole/sluice-worker', 'ClusterRoleBinding/sluice-worker', 'Deployment/sluice-worker',
    'Service/sluice-worker', 'PodDisruptionBudget/sluice-worker', ...monitoring, 'ConfigMap/sluice-grafana-dashboard',
    'ValidatingAdmissionPolicy/sluice-syncapproval-identity', 'CustomResourceDefinition/applications.sluice.dev']) {
    const wanted = dir !== 'overlays/local' || !monitoring.includes(expected);
    expect({ dir, expected, built: kinds.has(expected) }).toEqual({ dir, expected, built: wanted });
  }
  // Never Argo CD's own CRDs: on a cluster running Argo CD they are its.
  expect(objects.filter((o) => o.kind === 'CustomResourceDefinition' && o.metadata.name.endsWith('.argoproj.io'))).toEqual([]);
  expect(findObject(objects, 'ConfigMap', 'sluice-grafana-dashboard').metadata.labels).toMatchObject({ grafana_dashboard: '1' });

  // As the field manager that installed the stack's shared objects (the tests' installCrds, least-privilege.test.ts),
  // so this is an upgrade of them, as a second apply of one install is. Under another manager, an atomic field
  // (a CRD's versions) conflicts whenever another checkout's tests installed a different CRD on the same stack.
  const applied = kubectl(['apply', '--server-side', '--field-manager=sluice', '--dry-run=server', '-f', '-'], yaml);
  expect({ dir, code: applied.code, errors: applied.err.split('\n').filter((l) => /error/i.test(l)) }).toEqual({ dir, code: 0, errors: [] });
  expect(applied.out.trim().split('\n').filter((l) => l.endsWith('serverside-applied (server dry run)'))).toHaveLength(objects.length);

  // The worker's pod, as its ReplicaSet would create it, in a namespace labelled as the overlay labels `sluice`:
  // refused there if it breaks that namespace's Pod Security level.
  const labels = findObject(objects, 'Namespace', 'sluice').metadata.labels!;
  if (dir !== 'overlays/local') expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  const namespace = await run.namespace('install-psa');
  await kube.request('PATCH', `/api/v1/namespaces/${namespace}`, { body: { metadata: { labels } }, contentType: 'application/merge-patch+json' });
  await kube.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sluice-worker', namespace } } as KubeObject);
  const template = findObject(objects, 'Deployment', 'sluice-worker').spec.template;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: 'sluice-worker', namespace }, spec: template.spec };
  const admitted = kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(pod));
  expect({ dir, code: admitted.code, err: admitted.err }).toEqual({ dir, code: 0, err: '' });
});

test('deploy/admission applies over the tests\' install under another field manager (kubectl\'s), without a conflict', () => {
  // The policy's matchConstraints is atomic: unless the API server's defaults are written out, a second manager's
  // value differs from the live one and conflicts (the local stack after a test run, or Argo CD after kubectl).
  const applied = kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], kustomizeBuild('admission').yaml);
  expect({ code: applied.code, err: applied.err }).toEqual({ code: 0, err: '' });
});

/** The environment the local overlay's worker container gets, with its emptyDir volumes mapped to directories here. */
function deployedEnvironment(objects: Manifest[], volumesRoot: string): Record<string, string> {
  const deployment = findObject(objects, 'Deployment', 'sluice-worker');
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c: Manifest) => c.name === 'worker');
  // The image's ENV, then what the kubelet sets over it.
  const env: Record<string, string> = { ...imageProcess().env, ...containerEnv(objects, container) };
  const volumes = new Map<string, string>();
  for (const mount of container.volumeMounts) {
    if (!pod.volumes.find((v: Manifest) => v.name === mount.name)?.emptyDir) continue;
    const dir = path.join(volumesRoot, mount.name);
    fs.mkdirSync(dir, { recursive: true });
    volumes.set(mount.mountPath, dir);
  }
  const mapped = (value: string) => {
    for (const [mountPath, dir] of volumes) if (value === mountPath || value.startsWith(`${mountPath}/`)) return dir + value.slice(mountPath.length);
    return value;
  };
  for (const key of Object.keys(env)) env[key] = mapped(env[key]);
  // os.tmpdir() is /tmp in the container, where the tmp volume is mounted; here TMPDIR points at its directory.
  env.TMPDIR = mapped('/tmp');
  expect(env.TMPDIR).not.toBe('/tmp');
  return env;
}

test('the worker runs as the local overlay deploys it (image command, ConfigMap environment, ServiceAccount token) and syncs an app', async () => {
  const { objects } = kustomizeBuild('overlays/local');
  // The deployed identity: the overlay's ServiceAccount and its least-privilege RBAC, applied for real. The
  // ClusterRole is left installed afterwards, as least-privilege.test.ts leaves it (both apply the same one).
  // The worker's own RBAC: its ClusterRole, and the Role on its leader election Lease.
  const identity = objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind)) as unknown as KubeObject[];
  expect(identity.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
  for (const obj of identity.filter((o) => !o.kind.endsWith('Role'))) await ensure(obj);
  await applyObjects(kube, identity.filter((o) => o.kind.endsWith('Role')));
  const account = identity.find((o) => o.kind === 'ServiceAccount')!.metadata as { namespace: string; name: string };

  const env = deployedEnvironment(objects, path.join(installRoot, 'volumes'));
  // The overlay is for this stack: its Temporal address is the stack's, unchanged.
  expect(env.TEMPORAL_ADDRESS).toBe(stack.TEMPORAL_ADDRESS);
  expect(env.SLUICE_HTTP_HOST).toBe('0.0.0.0');
  const metricsHost = env.SLUICE_TEMPORAL_METRICS_ADDRESS.slice(0, env.SLUICE_TEMPORAL_METRICS_ADDRESS.lastIndexOf(':'));
  run.useWorkerEnv({
    ...env,
    // In the pod: the in-cluster config from the ServiceAccount's projected token; here the same account's token.
    KUBECONFIG: await serviceAccountKubeconfig(kube, account, kubeconfigFile),
    // In the image: kustomize, helm and jsonnet in /usr/local/bin; here the stack's builds of the same versions.
    PATH: [...new Set([stack.SLUICE_KUSTOMIZE, stack.SLUICE_HELM, stack.SLUICE_JSONNET].filter(Boolean).map((tool) => path.dirname(tool!)))].concat('/usr/local/bin', '/usr/bin', '/bin').join(':'),
    // Isolation from other tests on the same stack, and nothing else.
    SLUICE_HTTP_PORT: String(PORT), SLUICE_TEMPORAL_METRICS_ADDRESS: `${metricsHost}:${PORT + 1}`,
    SLUICE_TASK_QUEUE: `sluice-install-${runId}`, SLUICE_APP_SELECTOR: `sluice.dev/test-run=${runId}`,
  });

  // The image's build (`npm run build` into <WORKDIR>/dist) and command, run from a directory standing for WORKDIR.
  buildWorker(path.join(installRoot, 'dist'));
  const image = imageProcess();
  expect(image.cmd[0]).toBe('node');
  run.workerLaunch = { argv: image.cmd.slice(1), cwd: installRoot, exactEnv: true };
  // No permissive test projects: the app below gets a project of its own, as an operator would write it.
  run.testProjects = [];
  await run.start();

  // Ready only once polling and watching; on every interface, as the kubelet's probes and the Service reach it.
  const probe = async (host: string, url: string) => (await fetch(`http://${host}:${PORT}${url}`)).status;
  await eventually('GET /readyz to answer 200', async () => ((await probe('127.0.0.1', '/readyz').catch(() => 0)) === 200 ? true : undefined), 30_000);
  expect(await probe('127.0.0.1', '/healthz')).toBe(200);
  const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (external) expect(await probe(external.address, '/readyz')).toBe(200);

  // With least-privilege RBAC the worker applies only as a ServiceAccount the app's project names.
  const namespace = await run.namespace('install-app');
  const repo = await run.repo('install-app');
  repo.commit('initial', {
    'app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [config.yaml]\ncommonLabels: {deployed-by: sluice-install}\n',
    'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  installed: "yes"\n',
  });
  await deployerProject(kube, { name: projectName, control: env.SLUICE_NAMESPACE, namespace, repoURL: repo.url, sourceNamespaces: [namespace] });
  await kube.create(applicationManifest({ name: 'web', namespace, repoURL: repo.url, destination: namespace, runId, project: projectName }) as unknown as KubeObject);

  await run.waitForOperation(namespace, 'web', 'Succeeded', repo.git('rev-parse', 'HEAD'), 120_000);
  const status = await eventually('the app to be Synced and Healthy', async () => {
    const s = (await run.application(namespace, 'web'))?.status;
    return s?.sync?.status === 'Synced' && s?.health?.status === 'Healthy' ? s : undefined;
  }, 60_000);
  expect(status.sync.revision).toBe(repo.git('rev-parse', 'HEAD'));
  const configMap = await kube.get('v1', 'ConfigMap', namespace, 'settings');
  expect({ data: configMap?.data, label: configMap?.metadata.labels?.['deployed-by'] }).toEqual({ data: { installed: 'yes' }, label: 'sluice-install' });
  // What it wrote went to the cache volume, at the paths the Deployment sets.
  for (const cache of ['SLUICE_REPO_CACHE', 'SLUICE_CHECKOUT_CACHE', 'SLUICE_RENDER_CACHE']) {
    expect({ cache, inVolume: env[cache].startsWith(path.join(installRoot, 'volumes')), written: fs.readdirSync(env[cache]).length > 0 }).toEqual({ cache, inVolume: true, written: true });
  }
}, 600_000);
