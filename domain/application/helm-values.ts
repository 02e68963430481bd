// Helm values (parameters, values, valuesObject, fileParameters) are often secrets. They stay in the Application
// CR: the spec that leaves an activity for a workflow carries a digest of them instead, and the activities that
// render put the CR's values back, refusing when they no longer match the digest. Hashing is injected (domain/
// does no I/O and has no crypto); the worker passes SHA-256.
import { InputError } from '../errors';
import { ApplicationSource, ApplicationSpec, HelmSource } from './types';

/** The Helm fields that may hold secrets. */
export const HELM_VALUE_FIELDS = ['parameters', 'values', 'valuesObject', 'fileParameters'] as const;

/** What the CLI shows in place of a Helm value (Argo CD's mask for Secret data). */
export const MASK = '++++++++';

export type Hash = (text: string) => string;

type Helm = HelmSource & Record<string, unknown>;

/** JSON with object keys sorted, so the digest does not depend on the order the API server wrote them in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The digest of a Helm source's values; undefined when it sets none. */
export function helmValuesDigest(helm: HelmSource | undefined, hash: Hash): string | undefined {
  const values = Object.fromEntries(HELM_VALUE_FIELDS.filter((f) => (helm as Helm | undefined)?.[f] !== undefined).map((f) => [f, (helm as Helm)[f]]));
  return Object.keys(values).length ? `sha256:${hash(canonical(values))}` : undefined;
}

function mapSources(spec: ApplicationSpec, fn: (source: ApplicationSource, field: string) => ApplicationSource): ApplicationSpec {
  return {
    ...spec,
    ...(spec.source ? { source: fn(spec.source, 'spec.source') } : {}),
    ...(spec.sources ? { sources: spec.sources.map((s, i) => fn(s, `spec.sources[${i}]`)) } : {}),
  };
}

function withoutValues(helm: HelmSource): HelmSource {
  return Object.fromEntries(Object.entries(helm).filter(([k]) => !(HELM_VALUE_FIELDS as readonly string[]).includes(k) && k !== 'valuesDigest')) as HelmSource;
}

/** The spec as workflows may hold it: each Helm source's values replaced by their digest. */
export function redactHelmValues(spec: ApplicationSpec, hash: Hash): ApplicationSpec {
  return mapSources(spec, (source) => {
    const digest = helmValuesDigest(source.helm, hash);
    return digest && source.helm ? { ...source, helm: { ...withoutValues(source.helm), valuesDigest: digest } } : source;
  });
}

/** Whether any source of the spec carries a digest in place of its values (it must be rehydrated to render). */
export function hasRedactedHelmValues(spec: ApplicationSpec): boolean {
  return [spec.source, ...(spec.sources ?? [])].some((s) => s?.helm?.valuesDigest !== undefined);
}

/** The Application's Helm values changed after the spec a sync carries was read: the sync cannot deploy either. */
export class HelmValuesChangedError extends InputError {}

/**
 * The spec a workflow carried, with each redacted Helm source's values taken from the Application as it is now
 * (`current`, its spec). Throws HelmValuesChangedError when they no longer match the digest the workflow holds.
 */
export function rehydrateHelmValues(app: { namespace: string; name: string }, carried: ApplicationSpec, current: ApplicationSpec | undefined, hash: Hash): ApplicationSpec {
  const currentSource = (field: string): ApplicationSource | undefined => (field === 'spec.source' ? current?.source : current?.sources?.[Number(field.slice('spec.sources['.length, -1))]);
  return mapSources(carried, (source, field) => {
    const digest = source.helm?.valuesDigest;
    if (digest === undefined) return source;
    const now = currentSource(field)?.helm;
    if (!current || helmValuesDigest(now, hash) !== digest) {
      const why = current ? 'changed since this sync started: nothing more of it is applied; sync again to deploy the new values' : 'cannot be read: the Application is gone';
      throw new HelmValuesChangedError(`Application ${app.namespace}/${app.name}: ${field}.helm values ${why}`, { field: `${field}.helm` });
    }
    const values = Object.fromEntries(HELM_VALUE_FIELDS.filter((f) => (now as Helm)[f] !== undefined).map((f) => [f, (now as Helm)[f]]));
    return { ...source, helm: { ...withoutValues(source.helm!), ...values } };
  });
}

function maskLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskLeaves);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaves(v)]));
  return MASK;
}

function maskHelm(helm: Helm): Helm {
  return {
    ...helm,
    ...(Array.isArray(helm.parameters) ? { parameters: helm.parameters.map((p) => ({ ...p, value: MASK })) } : {}),
    ...(helm.values !== undefined ? { values: MASK } : {}),
    ...(helm.valuesObject !== undefined ? { valuesObject: maskLeaves(helm.valuesObject) as Record<string, unknown> } : {}),
  };
}

/** The spec as people are shown it (the CLI's -o json|yaml): Helm values masked, names and structure kept. */
export function maskHelmValues<S extends { source?: unknown; sources?: unknown }>(spec: S): S {
  const mask = (source: unknown) => (source && typeof source === 'object' && (source as { helm?: unknown }).helm && typeof (source as { helm: unknown }).helm === 'object'
    ? { ...source, helm: maskHelm((source as { helm: Helm }).helm) } : source);
  return {
    ...spec,
    ...(spec.source !== undefined ? { source: mask(spec.source) } : {}),
    ...(Array.isArray(spec.sources) ? { sources: spec.sources.map(mask) } : {}),
  };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Shown = { metadata?: { annotations?: Record<string, string> }; spec?: Record<string, unknown> };

/**
 * An Application or ApplicationSet as the CLI prints it: the Helm values of its spec (a set's: its template's
 * spec) masked, in kubectl's last-applied copy of it too. Anything else is returned as it is.
 */
export function maskShownHelmValues<T>(object: T): T {
  const masked = (o: Shown): Shown => {
    if (!o || typeof o !== 'object' || !o.spec || typeof o.spec !== 'object') return o;
    const template = o.spec.template as Shown | undefined;
    const spec = template?.spec ? { ...o.spec, template: { ...template, spec: maskHelmValues(template.spec) } } : maskHelmValues(o.spec);
    const applied = o.metadata?.annotations?.[LAST_APPLIED];
    let annotations = o.metadata?.annotations;
    if (applied) {
      try {
        annotations = { ...annotations, [LAST_APPLIED]: JSON.stringify(masked(JSON.parse(applied) as Shown)) };
      } catch {
        annotations = { ...annotations, [LAST_APPLIED]: MASK };
      }
    }
    return { ...o, ...(o.metadata ? { metadata: { ...o.metadata, ...(annotations ? { annotations } : {}) } } : {}), spec };
  };
  return masked(object as Shown) as T;
}
