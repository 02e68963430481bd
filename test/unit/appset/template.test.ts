import { ApplicationSetSpec } from '../../../domain/appset/types';
import { InputError } from '../../../domain/errors';
import { GENERATED_APP_FINALIZER, mergeTemplates, renderApplication, renderFastTemplate, renderNestedValue } from '../../../domain/appset/template';

const flat = { env: 'prod', server: 'https://prod.example.com', 'metadata.labels.env': 'prod', 'path[0]': 'apps', count: 3 as unknown };

describe('default (fasttemplate) substitution', () => {
  test.each([
    ['gitops-monitor-{{env}}', 'gitops-monitor-prod'],
    ['{{ env }}/{{  server  }}', 'prod/https://prod.example.com'],
    ['{{metadata.labels.env}}-{{path[0]}}', 'prod-apps'],
    ['{{unknown}} stays', '{{unknown}} stays'],
    ['{{ count }} is not a string', '{{ count }} is not a string'],
    ['{{}} and {{ }}', '{{}} and {{ }}'],
    ['{{.env}} is Go syntax', '{{.env}} is Go syntax'],
    ['no tags', 'no tags'],
    ['{{ env\n}} spans lines', '{{ env\n}} spans lines'],
  ])('%j → %j', (template, expected) => expect(renderFastTemplate(template, flat)).toBe(expected));

  test('an opening tag without a closing one, on a line that has both, is an error as in fasttemplate', () => {
    expect(() => renderFastTemplate('{{env}} {{env', flat)).toThrow('cannot find end tag="}}"');
  });
});

const issueTemplate = (goTemplate: boolean): ApplicationSetSpec => {
  const p = (name: string) => (goTemplate ? `{{.${name}}}` : `{{${name}}}`);
  return {
    goTemplate,
    generators: [],
    template: {
      metadata: { name: `gitops-monitor-${p('env')}`, labels: { env: p('env') } },
      spec: { project: 'default', source: { repoURL: 'https://git.example.com/monitor.git', path: `manifests/${p('env')}` }, destination: { server: p('server'), namespace: 'monitor' } },
    },
  } as ApplicationSetSpec;
};

test.each([false, true])('the issue example renders (goTemplate: %s)', (goTemplate) => {
  const app = renderApplication(issueTemplate(goTemplate), { env: 'staging', server: 'https://staging.example.com' });
  expect(app).toEqual({
    metadata: { name: 'gitops-monitor-staging', labels: { env: 'staging' }, finalizers: [GENERATED_APP_FINALIZER] },
    spec: { project: 'default', source: { repoURL: 'https://git.example.com/monitor.git', path: 'manifests/staging' }, destination: { server: 'https://staging.example.com', namespace: 'monitor' } },
  });
});

describe('goTemplate rendering', () => {
  const spec = (extra: Partial<ApplicationSetSpec> = {}): ApplicationSetSpec => ({ ...issueTemplate(true), ...extra });

  test('map keys are rendered too, and nested params are objects', () => {
    const s = spec();
    s.template.metadata.annotations = { 'team.example.com/{{ .path.basename }}': '{{ index .path.segments 0 }}' };
    const app = renderApplication(s, { env: 'dev', server: 's', path: { basename: 'web', segments: ['apps', 'web'] } });
    expect(app.metadata.annotations).toEqual({ 'team.example.com/web': 'apps' });
  });

  test('a missing key prints <no value> without missingkey=error (and the name is then invalid)', () => {
    const s = spec();
    s.template.spec.source!.path = 'manifests/{{ .envv }}';
    expect(renderApplication({ ...s, template: { ...s.template, metadata: { name: 'fixed' } } }, { env: 'dev', server: 's' }).spec.source?.path).toBe('manifests/<no value>');
  });

  test('with missingkey=error a missing key is an InputError naming the field', () => {
    const s = spec({ goTemplateOptions: ['missingkey=error'] });
    s.template.spec.source!.path = 'manifests/{{ .envv }}';
    const run = () => renderApplication(s, { env: 'dev', server: 's' });
    expect(run).toThrow(InputError);
    expect(run).toThrow('spec.template.spec.source.path: template: :1:13: executing "" at <.envv>: map has no entry for key "envv"');
    try {
      run();
    } catch (error) {
      expect((error as InputError).field).toBe('spec.template.spec.source.path');
    }
  });

  test.each([
    ['an unknown function', '{{ envv .x }}', 'spec.template.metadata.labels.env: template: :1: function "envv" not defined'],
    ['an unterminated action', '{{ .env', 'spec.template.metadata.labels.env: template: :1: unclosed action'],
  ])('%s is an InputError naming the field', (_, label, message) => {
    const s = spec();
    s.template.metadata.labels = { env: label };
    expect(() => renderApplication(s, { env: 'dev', server: 's' })).toThrow(new InputError(message));
  });

  test('a key with dots in its name is named in brackets', () => {
    const s = spec({ goTemplateOptions: ['missingkey=error'] });
    s.template.metadata.labels = { 'app.kubernetes.io/name': '{{ .nope }}' };
    expect(() => renderApplication(s, { env: 'dev', server: 's' })).toThrow('spec.template.metadata.labels["app.kubernetes.io/name"]: template');
  });

  test('an unrecognized goTemplateOptions entry is refused', () => {
    expect(() => renderApplication(spec({ goTemplateOptions: ['missingkey=maybe'] }), { env: 'dev', server: 's' })).toThrow('spec.goTemplateOptions: unrecognized option: missingkey=maybe');
  });
});

describe('the rendered name', () => {
  test.each([
    ['empty', '{{env}}', { env: '' }, 'spec.template.metadata.name: the rendered name is empty'],
    ['not a DNS subdomain', '{{env}}', { env: 'Prod_1' }, 'spec.template.metadata.name: the rendered name "Prod_1" is not a DNS-1123 subdomain'],
    ['an unknown fasttemplate tag left as is', 'app-{{nope}}', { env: 'x' }, 'the rendered name "app-{{nope}}" is not a DNS-1123 subdomain'],
  ])('%s is an InputError', (_, name, params, message) => {
    const s = issueTemplate(false);
    s.template.metadata.name = name;
    expect(() => renderApplication(s, params)).toThrow(InputError);
    expect(() => renderApplication(s, params)).toThrow(message);
  });
});

describe('a generator template over spec.template (mergo.Merge semantics)', () => {
  test.each([
    ['generator fields win', { a: 'g' }, { a: 'b', c: 'b' }, { a: 'g', c: 'b' }],
    ['empty generator fields are filled from the base', { a: '', l: [] }, { a: 'b', l: [1] }, { a: 'b', l: [1] }],
    ['maps merge key by key', { labels: { x: 'g' } }, { labels: { x: 'b', y: 'b' } }, { labels: { x: 'g', y: 'b' } }],
    ['lists are not merged', { l: ['g'] }, { l: ['b1', 'b2'] }, { l: ['g'] }],
  ])('%s', (_, override, base, expected) => expect(mergeTemplates(override, base)).toEqual(expected));

  test('renderApplication uses the merged template', () => {
    const app = renderApplication(issueTemplate(false), { env: 'qa', server: 's' }, { spec: { source: { path: 'other/{{env}}' } } as never });
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.com/monitor.git', path: 'other/qa' });
    expect(app.metadata.name).toBe('gitops-monitor-qa');
  });
});

describe('templatePatch', () => {
  const patched = (templatePatch: string, extra: Partial<ApplicationSetSpec> = {}) =>
    renderApplication({ ...issueTemplate(true), templatePatch, ...extra }, { env: 'prod', server: 's', autoSync: true, valueFiles: ['a.yaml', 'b.yaml'] });

  test('renders with the params, merges maps, replaces lists, and cannot change the project', () => {
    const app = patched(`
metadata:
  annotations:
    note: '{{ .env }}'
spec:
  project: other
  source:
    helm:
      valueFiles:
      {{- range .valueFiles }}
      - {{ . }}
      {{- end }}
  {{- if .autoSync }}
  syncPolicy:
    automated:
      prune: true
  {{- end }}
`);
    expect(app.metadata.annotations).toEqual({ note: 'prod' });
    expect(app.metadata.labels).toEqual({ env: 'prod' });
    expect(app.spec.project).toBe('default');
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.com/monitor.git', path: 'manifests/prod', helm: { valueFiles: ['a.yaml', 'b.yaml'] } });
    expect(app.spec.syncPolicy).toEqual({ automated: { prune: true } });
  });

  test('null deletes a key; a patch that renders to nothing changes nothing', () => {
    expect(patched('metadata:\n  labels: null').metadata.labels).toBeUndefined();
    expect(patched('{{ if false }}spec: {}{{ end }}').spec.destination).toEqual({ server: 's', namespace: 'monitor' });
  });

  test.each([
    ['not a mapping', 'hello world', 'spec.templatePatch: the rendered patch must be a mapping'],
    ['a field outside metadata and spec', 'status: {}', 'spec.templatePatch: only metadata and spec can be patched, not status'],
    ['not YAML', 'a: [', 'spec.templatePatch: the rendered patch is not YAML'],
    ['a template error', '{{ .nope }}', 'spec.templatePatch: template: :1:3: executing "" at <.nope>: map has no entry for key "nope"'],
  ])('%s is an InputError', (_, patch, message) => {
    expect(() => patched(patch, { goTemplateOptions: ['missingkey=error'] })).toThrow(InputError);
    expect(() => patched(patch, { goTemplateOptions: ['missingkey=error'] })).toThrow(message);
  });
});

describe('finalizer and empty params (as Argo CD)', () => {
  test('preserveResourcesOnDeletion leaves the finalizers alone; set finalizers are kept', () => {
    expect(renderApplication({ ...issueTemplate(false), syncPolicy: { preserveResourcesOnDeletion: true } }, { env: 'a', server: 's' }).metadata.finalizers).toBeUndefined();
    const s = issueTemplate(false);
    s.template.metadata.finalizers = ['example.com/mine'];
    expect(renderApplication(s, { env: 'a', server: 's' }).metadata.finalizers).toEqual(['example.com/mine']);
  });

  test('an empty parameter set leaves the template unrendered', () => {
    const s = issueTemplate(false);
    s.template.metadata.name = 'fixed';
    expect(renderApplication(s, {}).spec.source?.path).toBe('manifests/{{env}}');
  });
});

describe('renderNestedValue', () => {
  test('renders every string and key of a generator spec with one parameter set', () => {
    expect(renderNestedValue({ git: { repoURL: 'r', files: [{ path: 'clusters/{{name}}/*.json' }] }, '{{name}}-key': 1 }, { name: 'prod' }, {}))
      .toEqual({ git: { repoURL: 'r', files: [{ path: 'clusters/prod/*.json' }] }, 'prod-key': 1 });
  });
  test('a Go template error is an InputError naming spec.generators', () => {
    expect(() => renderNestedValue({ path: '{{ .missing.deeper }}' }, {}, { goTemplate: true, goTemplateOptions: ['missingkey=error'] })).toThrow(/^spec\.generators: template: .*missing/);
  });
});
