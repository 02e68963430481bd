// deploy/base as the worker reads it: every path the worker writes lies on a writable volume (the root filesystem
// is read-only), the probes and the Service reach the ports the ConfigMap makes the worker listen on, on every
// interface, and the pod runs as the image's non-root user with the image's own command.
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { dockerfileInstructions } from '../../support/dockerfile';
import { repoRoot } from '../../support/stack';

const base = path.join(repoRoot, 'deploy/base');
const read = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS());
const deployment = read(path.join(base, 'deployment.yaml'))[0];
const service = read(path.join(base, 'service.yaml'))[0];
const serviceMonitor = read(path.join(repoRoot, 'deploy/monitoring/servicemonitor.yaml'))[0];
const generated = parse(fs.readFileSync(path.join(base, 'kustomization.yaml'), 'utf8')).configMapGenerator
  .find((g: { name: string }) => g.name === 'sluice-worker');
const config: Record<string, string> = Object.fromEntries(generated.literals.map((l: string) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const pod = deployment.spec.template.spec;
const container = pod.containers.find((c: { name: string }) => c.name === 'worker');
const env: Record<string, string> = { ...config, ...Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value])) };

// What the worker writes, and where it looks for the place: activities/git/repository.ts (SLUICE_REPO_CACHE, and
// SLUICE_CHECKOUT_CACHE), activities/render/index.ts (SLUICE_RENDER_CACHE; the three default under HOME),
// activities/render/helm.ts (helm's cache and config under HOME), and the renderers' scratch dirs (os.tmpdir()).
const written = {
  HOME: env.HOME, SLUICE_REPO_CACHE: env.SLUICE_REPO_CACHE, SLUICE_CHECKOUT_CACHE: env.SLUICE_CHECKOUT_CACHE,
  SLUICE_RENDER_CACHE: env.SLUICE_RENDER_CACHE, 'os.tmpdir()': env.TMPDIR ?? '/tmp',
};

test('every path the worker writes is on an emptyDir volume; the root filesystem is read-only', () => {
  expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  const writable = container.volumeMounts
    .filter((m: { name: string; readOnly?: boolean }) => !m.readOnly && pod.volumes.find((v: { name: string; emptyDir?: unknown }) => v.name === m.name)?.emptyDir)
    .map((m: { mountPath: string }) => m.mountPath);
  for (const [what, where] of Object.entries(written)) {
    expect({ what, where, onVolume: !!where && writable.some((mount: string) => where === mount || where.startsWith(`${mount}/`)) }).toEqual({ what, where, onVolume: true });
  }
});

test('the probes, the Service and the ServiceMonitor reach the ports the ConfigMap sets, on every interface', () => {
  const port = (name: string) => container.ports.find((p: { name: string }) => p.name === name).containerPort;
  expect(config.SLUICE_HTTP_HOST).toBe('0.0.0.0');
  expect(port('http')).toBe(Number(config.SLUICE_HTTP_PORT));
  expect(config.SLUICE_TEMPORAL_METRICS_ADDRESS).toBe(`0.0.0.0:${port('sdk-metrics')}`);
  expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  expect(service.spec.ports.map((p: { name: string; targetPort: string }) => [p.name, p.targetPort])).toEqual([['http', 'http'], ['sdk-metrics', 'sdk-metrics']]);
  expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  expect(serviceMonitor.spec.selector.matchLabels).toEqual(Object.fromEntries(Object.entries(service.metadata.labels).filter(([k]) => k in serviceMonitor.spec.selector.matchLabels)));
  expect(serviceMonitor.spec.endpoints.map((e: { port: string; honorLabels: boolean }) => [e.port, e.honorLabels])).toEqual([['http', true], ['sdk-metrics', true]]);
});

test('the pod runs the image\'s command as the image\'s non-root user, with no privilege', () => {
  expect(container.command).toBeUndefined();
  expect(container.args).toBeUndefined();
  const user = dockerfileInstructions(fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8')).filter((i) => i.keyword === 'USER').at(-1)!.args;
  expect(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(user);
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  expect(pod.serviceAccountName).toBe('sluice-worker');
  expect(deployment.spec.replicas).toBe(2);
});

test('in the base, every Secret is optional: the worker starts without any', () => {
  const refs = container.env.filter((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef).map((e: { name: string; valueFrom: { secretKeyRef: { optional: boolean } } }) => [e.name, e.valueFrom.secretKeyRef.optional]);
  expect(refs.length).toBeGreaterThan(0);
  for (const [name, optional] of refs) expect({ name, optional }).toEqual({ name, optional: true });
});
