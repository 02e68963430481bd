// An ApplicationSet's template turned into one Application for one parameter set, as Argo CD's controller does
// (applicationset/utils/utils.go RenderTemplateParams, controllers/template/template.go and patch.go):
//   1. a generator's own template is merged over spec.template (mergo.Merge: the generator's fields win, empty ones
//      are filled from spec.template);
//   2. every string, map keys included, is rendered on its own, with fasttemplate or with Go's text/template. That is
//      what Argo CD does today (its JSON-text-once rendering is long gone), so `{{range}}` cannot span two fields;
//   3. templatePatch is rendered as one Go (or fasttemplate) text, read as YAML and merged onto the Application:
//      maps merge, lists and scalars replace, null deletes, and spec.project cannot be changed by the patch;
//   4. the resources finalizer is added unless preserveResourcesOnDeletion; the name must be a DNS-1123 subdomain.
import { parse as parseYaml } from 'yaml';
import { ApplicationSpec } from '../application/types';
import { InputError } from '../errors';
import { GoTemplateError, missingKeyOption, renderGoTemplate } from './gotemplate';
import { ApplicationSetSpec, ApplicationSetTemplate, ApplicationSetTemplateMeta, Params } from './types';

export interface RenderedApplication {
  metadata: ApplicationSetTemplateMeta & { name: string };
  spec: ApplicationSpec;
}

/** Argo CD's resources finalizer, which it puts on generated Applications (Sluice honours it too). */
export const GENERATED_APP_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
const TEMPLATE_FIELD = 'spec.template';
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The default engine, valyala/fasttemplate as Argo CD drives it: `{{ key }}` is replaced when the trimmed key is
 * a parameter holding a string; anything else (unknown key, non-string value, empty tag) is written back as it was.
 */
export function renderFastTemplate(text: string, params: Params): string {
  // Argo CD only hands a string to fasttemplate when `{{` and a later `}}` share a line.
  if (!/\{\{.*\}\}/.test(text)) return text;
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open === -1) return out + text.slice(pos);
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new GoTemplateError(`invalid template: cannot find end tag="}}" in the template="${text}" starting from "${text.slice(open + 2)}"`);
    const tag = text.slice(open + 2, close);
    const value = params[tag.trim()];
    out += text.slice(pos, open) + (tag.trim() !== '' && typeof value === 'string' ? value : `{{${tag}}}`);
    pos = close + 2;
  }
}

/** Renders one string with the set's engine. */
export function renderString(text: string, params: Params, spec: Pick<ApplicationSetSpec, 'goTemplate' | 'goTemplateOptions'>): string {
  return spec.goTemplate ? renderGoTemplate(text, params, { options: spec.goTemplateOptions }) : renderFastTemplate(text, params);
}

/** mergo.Merge(generatorTemplate, specTemplate): the override's non-empty values win, recursively. */
export function mergeTemplates(override: unknown, base: unknown): unknown {
  if (isObject(override) && isObject(base)) {
    const merged: Record<string, unknown> = { ...override };
    for (const [key, value] of Object.entries(base)) merged[key] = mergeTemplates(override[key], value);
    return merged;
  }
  return isEmpty(override) ? base : override;
}

const isEmpty = (value: unknown) =>
  value === undefined || value === null || value === '' || value === false || value === 0 || (Array.isArray(value) && value.length === 0);

/** `metadata.labels["app.kubernetes.io/name"]`, `spec.sources[0].path`. */
function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function renderDeep(value: unknown, path: string, render: (text: string, path: string) => string): unknown {
  if (typeof value === 'string') return render(value, path);
  if (Array.isArray(value)) return value.map((item, i) => renderDeep(item, childPath(path, i), render));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const field = childPath(path, key);
      out[render(key, field)] = renderDeep(item, field, render);
    }
    return out;
  }
  return value;
}

/** A template error as an input error on the field it came from. */
function located<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof GoTemplateError) throw new InputError(`${field}: ${error.message}`, { field });
    throw error;
  }
}

/** The strategic merge Argo CD applies for templatePatch on an Application: maps merge, the rest replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch) || !isObject(target)) return patch;
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(target[key], value);
  }
  return out;
}

function applyTemplatePatch(app: RenderedApplication, spec: ApplicationSetSpec, params: Params): RenderedApplication {
  const field = 'spec.templatePatch';
  const text = located(field, () => renderString(spec.templatePatch ?? '', params, spec));
  let patch: unknown;
  try {
    patch = parseYaml(text);
  } catch (error) {
    throw new InputError(`${field}: the rendered patch is not YAML: ${(error as Error).message.split('\n')[0]}`, { field });
  }
  // A patch whose every line sat in a false {{if}} renders to nothing: nothing to merge.
  if (patch === null || patch === undefined) return app;
  if (!isObject(patch)) throw new InputError(`${field}: the rendered patch must be a mapping with metadata and/or spec`, { field });
  const unknown = Object.keys(patch).filter((key) => key !== 'metadata' && key !== 'spec');
  if (unknown.length) throw new InputError(`${field}: only metadata and spec can be patched, not ${unknown.join(', ')}`, { field });
  const patched = mergePatch(app, patch) as RenderedApplication;
  // Argo CD keeps the project the template set, so a patch cannot move an app into another project.
  return { ...patched, spec: { ...patched.spec, project: app.spec.project } };
}

/**
 * One Application from the set's template (with a generator's template merged over it) and one parameter set.
 * Errors are InputErrors naming the template field, for the set's condition.
 */
export function renderApplication(spec: ApplicationSetSpec, params: Params, generatorTemplate?: Partial<ApplicationSetTemplate>): RenderedApplication {
  if (spec.goTemplate) located('spec.goTemplateOptions', () => missingKeyOption(spec.goTemplateOptions));
  const template = (generatorTemplate ? mergeTemplates(generatorTemplate, spec.template) : spec.template) as ApplicationSetTemplate;
  // As Argo CD: an empty parameter set leaves the template as written.
  const rendered = (Object.keys(params).length === 0
    ? structuredClone({ metadata: template.metadata ?? {}, spec: template.spec })
    : renderDeep({ metadata: template.metadata ?? {}, spec: template.spec }, TEMPLATE_FIELD, (text, field) => located(field, () => renderString(text, params, spec)))) as RenderedApplication;
  let app = spec.templatePatch ? applyTemplatePatch(rendered, spec, params) : rendered;
  if (!spec.syncPolicy?.preserveResourcesOnDeletion && !app.metadata.finalizers?.length) {
    app = { ...app, metadata: { ...app.metadata, finalizers: [GENERATED_APP_FINALIZER] } };
  }
  const name = app.metadata.name;
  const field = `${TEMPLATE_FIELD}.metadata.name`;
  if (!name) throw new InputError(`${field}: the rendered name is empty`, { field });
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new InputError(`${field}: the rendered name "${name}" is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)`, { field });
  }
  return app;
}

/**
 * Renders every string (map keys too) of a generator's spec with one parameter set: how a matrix renders its second
 * child with each parameter set of the first, and how clusters and git generators render their `values`.
 */
export function renderNestedValue(value: unknown, params: Params, spec: Pick<ApplicationSetSpec, 'goTemplate' | 'goTemplateOptions'>): unknown {
  if (typeof value === 'string') {
    try {
      return renderString(value, params, spec);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`spec.generators: ${(error as Error).message}`, { field: 'spec.generators' });
    }
  }
  if (Array.isArray(value)) return value.map((v) => renderNestedValue(v, params, spec));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [renderNestedValue(k, params, spec) as string, renderNestedValue(v, params, spec)]));
  }
  return value;
}
