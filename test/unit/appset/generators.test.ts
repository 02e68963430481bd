// ApplicationSet generators against an in-memory tree and cluster list: each generator's parameter names in both
// template modes, excludes, matrix and merge, the post-selector, and the errors with their field paths.
import { InputError } from '../../../domain/errors';
import { generateParams, GeneratedParams } from '../../../domain/appset/generators';
import { goString } from '../../../domain/appset/params';
import { ApplicationSetGenerator, GeneratorCluster, GeneratorInputs, Params } from '../../../domain/appset/types';
import { validateApplicationSetSpec } from '../../../domain/appset/validate';

const REPO = 'http://git.local/apps.git';

/** A tree per revision: path → content; directories are every parent of a file. */
function inputs(files: Record<string, string>, clusters: GeneratorCluster[] = []): GeneratorInputs {
  const revisions: Record<string, Record<string, string>> = { HEAD: files, main: files };
  const tree = (repo: string, revision: string) => {
    if (repo !== REPO || !revisions[revision]) throw new Error(`no ${repo} at ${revision}`);
    return revisions[revision];
  };
  return {
    clusters,
    gitFiles: (repo, revision) => Object.keys(tree(repo, revision)),
    gitDirectories: (repo, revision) => [...new Set(Object.keys(tree(repo, revision)).flatMap((f) => f.split('/').slice(0, -1).map((_, i, s) => s.slice(0, i + 1).join('/'))))],
    readGitFile: (repo, revision, path) => {
      const content = tree(repo, revision)[path];
      if (content === undefined) throw new Error(`no ${path}`);
      return content;
    },
  };
}

/** A tiny stand-in for the template engine: `{{key}}` (or `{{.a.b}}` with goTemplate) replaced in every string. */
function substitute(goTemplate: boolean) {
  const lookup = (params: Params, key: string): unknown =>
    goTemplate ? key.replace(/^\./, '').split('.').reduce<unknown>((v, k) => (v as Params | undefined)?.[k], params) : params[key];
  const render = (value: unknown, params: Params): unknown => {
    if (typeof value === 'string') {
      return value.replace(/{{\s*([^}\s]+)\s*}}/g, (whole, key: string) => {
        const found = lookup(params, key);
        if (found === undefined) {
          if (goTemplate) throw new Error(`map has no entry for key ${key}`);
          return whole;
        }
        return goString(found);
      });
    }
    if (Array.isArray(value)) return value.map((v) => render(v, params));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, params)]));
    return value;
  };
  return render;
}

const run = (generators: ApplicationSetGenerator[], input: GeneratorInputs, goTemplate = false): GeneratedParams[] =>
  generateParams(generators, input, { goTemplate, renderNested: substitute(goTemplate) });
const params = (generators: ApplicationSetGenerator[], input: GeneratorInputs, goTemplate = false) => run(generators, input, goTemplate).map((r) => r.params);

const CLUSTERS: GeneratorCluster[] = [
  { name: 'Staging_EU', server: 'https://10.0.0.2:6443', labels: { 'sluice.dev/secret-type': 'cluster', env: 'staging' }, annotations: { owner: 'team-a' }, project: 'web', secret: 'sluice/staging' },
  { name: 'prod', server: 'https://10.0.0.3:6443', labels: { 'sluice.dev/secret-type': 'cluster', env: 'prod' }, annotations: {}, secret: 'sluice/prod' },
  { name: 'in-cluster', server: 'https://kubernetes.default.svc', labels: {}, annotations: {} },
];

describe('list', () => {
  test('elements are the parameter sets; values become values.<key>; the generator template and index travel along', () => {
    const template = { metadata: { name: '{{cluster}}-guestbook' } };
    expect(run([{ list: { elements: [{ cluster: 'dev', url: 'https://a' }] } }, { list: { elements: [{ cluster: 'prod', values: { replicas: '3' } }], template } }], inputs({}))).toEqual([
      { params: { cluster: 'dev', url: 'https://a' }, generatorIndex: 0 },
      { params: { cluster: 'prod', 'values.replicas': '3' }, template, generatorIndex: 1 },
    ]);
  });

  test('with goTemplate an element is taken as it is, nested values and numbers included', () => {
    expect(params([{ list: { elements: [{ cluster: 'dev', replicas: 2, values: { tier: { name: 'gold' } } }] } }], inputs({}), true)).toEqual([{ cluster: 'dev', replicas: 2, values: { tier: { name: 'gold' } } }]);
  });

  test('elementsYaml elements are appended after elements', () => {
    expect(params([{ list: { elements: [{ a: 'x' }], elementsYaml: '- a: why\n  count: 1\n- a: zed\n' } }], inputs({}), true)).toEqual([{ a: 'x' }, { a: 'why', count: 1 }, { a: 'zed' }]);
    // YAML 1.1 as Go reads it: y, yes and on are booleans.
    expect(params([{ list: { elementsYaml: '- a: y\n  b: on\n' } }], inputs({}), true)).toEqual([{ a: true, b: true }]);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a number', { cluster: 'dev', replicas: 2 }, 'spec.generators[0].list.elements[0].replicas'],
    ['a nested object', { cluster: { name: 'dev' } }, 'spec.generators[0].list.elements[0].cluster'],
    ['a values entry that is not a string', { values: { replicas: 3 } }, 'spec.generators[0].list.elements[0].values.replicas'],
  ])('without goTemplate, %s in an element is refused with its field', (_, element, field) => {
    expect(() => run([{ list: { elements: [element] } }], inputs({}))).toThrow(expect.objectContaining({ field, message: expect.stringContaining(`${field}: must be a string`) }));
  });
});

describe('clusters', () => {
  test('every cluster, Secret-backed first and the built-in in-cluster last, with Argo CD\'s flat names', () => {
    expect(params([{ clusters: {} }], inputs({}, CLUSTERS))).toEqual([
      { name: 'Staging_EU', nameNormalized: 'staging-eu', server: 'https://10.0.0.2:6443', project: 'web', 'metadata.labels.sluice.dev/secret-type': 'cluster', 'metadata.labels.env': 'staging', 'metadata.annotations.owner': 'team-a' },
      { name: 'prod', nameNormalized: 'prod', server: 'https://10.0.0.3:6443', project: '', 'metadata.labels.sluice.dev/secret-type': 'cluster', 'metadata.labels.env': 'prod' },
      { name: 'in-cluster', nameNormalized: 'in-cluster', server: 'https://kubernetes.default.svc', project: '' },
    ]);
  });

  test('with goTemplate labels and annotations are a nested metadata map (absent ones left out)', () => {
    expect(params([{ clusters: {} }], inputs({}, CLUSTERS), true).slice(1)).toEqual([
      { name: 'prod', nameNormalized: 'prod', server: 'https://10.0.0.3:6443', project: '', metadata: { labels: { 'sluice.dev/secret-type': 'cluster', env: 'prod' } } },
      { name: 'in-cluster', nameNormalized: 'in-cluster', server: 'https://kubernetes.default.svc', project: '' },
    ]);
  });

  test.each<[string, object, string[]]>([
    ['matchLabels', { matchLabels: { env: 'prod' } }, ['prod']],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['staging', 'prod'] }] }, ['Staging_EU', 'prod']],
    // NotIn matches a cluster without the label, but a non-empty selector leaves the Secret-less in-cluster out.
    ['NotIn', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, ['Staging_EU']],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, []],
    ['Exists', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, ['Staging_EU', 'prod']],
    ['an empty selector', { matchLabels: {} }, ['Staging_EU', 'prod', 'in-cluster']],
  ])('selector %s', (_, selector, names) => {
    expect(params([{ clusters: { selector } as never }], inputs({}, CLUSTERS)).map((p) => p.name)).toEqual(names);
  });

  test('an in-cluster registered by a Secret is selectable by its labels', () => {
    const relabelled = { ...CLUSTERS[2], labels: { env: 'prod' }, secret: 'sluice/in-cluster' };
    expect(params([{ clusters: { selector: { matchLabels: { env: 'prod' } } } }], inputs({}, [CLUSTERS[1], relabelled])).map((p) => p.name)).toEqual(['prod', 'in-cluster']);
  });

  test('values are templated with the cluster\'s own parameters, not with each other', () => {
    const values = { stage: '{{metadata.labels.env}}', host: '{{name}}.example.com', other: '{{values.stage}}' };
    expect(params([{ clusters: { selector: { matchLabels: { env: 'prod' } }, values } }], inputs({}, CLUSTERS))[0]).toMatchObject({ 'values.stage': 'prod', 'values.host': 'prod.example.com', 'values.other': '{{values.stage}}' });
    expect(params([{ clusters: { selector: { matchLabels: { env: 'prod' } }, values: { stage: '{{.metadata.labels.env}}' } } }], inputs({}, CLUSTERS), true)[0].values).toEqual({ stage: 'prod' });
  });
});

const TREE = {
  'apps/guestbook/kustomization.yaml': '',
  'apps/team_Blue/kustomization.yaml': '',
  'apps/legacy/kustomization.yaml': '',
  'apps/legacy/old/kustomization.yaml': '',
  'apps/.hidden/kustomization.yaml': '',
  'README.md': '',
};

describe('git directories', () => {
  test('matching directories, one segment per *, with path, basename, basenameNormalized and path[n]', () => {
    expect(params([{ git: { repoURL: REPO, revision: 'main', directories: [{ path: 'apps/*' }] } }], inputs(TREE))).toEqual([
      { path: 'apps/guestbook', 'path.basename': 'guestbook', 'path.basenameNormalized': 'guestbook', 'path[0]': 'apps', 'path[1]': 'guestbook' },
      { path: 'apps/legacy', 'path.basename': 'legacy', 'path.basenameNormalized': 'legacy', 'path[0]': 'apps', 'path[1]': 'legacy' },
      { path: 'apps/team_Blue', 'path.basename': 'team_Blue', 'path.basenameNormalized': 'team-blue', 'path[0]': 'apps', 'path[1]': 'team_Blue' },
    ]);
  });

  test('exclude wins over include, whatever the order; ** is not recursive (Go path.Match); hidden directories never match', () => {
    const paths = (directories: Array<{ path: string; exclude?: boolean }>) =>
      params([{ git: { repoURL: REPO, directories } }], inputs(TREE)).map((p) => p.path);
    expect(paths([{ path: 'apps/legacy', exclude: true }, { path: 'apps/*' }])).toEqual(['apps/guestbook', 'apps/team_Blue']);
    expect(paths([{ path: 'apps/**' }])).toEqual(['apps/guestbook', 'apps/legacy', 'apps/team_Blue']);
    expect(paths([{ path: 'apps/*/*' }, { path: '*' }])).toEqual(['apps', 'apps/legacy/old']);
    expect(paths([{ path: 'apps/.*' }])).toEqual([]);
  });

  test('goTemplate forms and pathParamPrefix; values templated with the path params', () => {
    const git = { repoURL: REPO, directories: [{ path: 'apps/guestbook' }], pathParamPrefix: 'app', values: { ns: '{{.app.path.basename}}-ns' } };
    expect(params([{ git }], inputs(TREE), true)).toEqual([
      { app: { path: { path: 'apps/guestbook', basename: 'guestbook', basenameNormalized: 'guestbook', segments: ['apps', 'guestbook'] } }, values: { ns: 'guestbook-ns' } },
    ]);
    expect(params([{ git: { ...git, values: { ns: '{{app.path.basename}}-ns' } } }], inputs(TREE))).toEqual([
      { 'app.path': 'apps/guestbook', 'app.path.basename': 'guestbook', 'app.path.basenameNormalized': 'guestbook', 'app.path[0]': 'apps', 'app.path[1]': 'guestbook', 'values.ns': 'guestbook-ns' },
    ]);
  });
});

const CONFIGS = {
  'clusters/eu/config.json': '{"cluster": {"name": "eu-1", "replicas": 3, "big": 1000000, "tags": ["a", "b"], "empty": {}}, "enabled": true}',
  'clusters/us/config.yaml': '- cluster: {name: us-1}\n  enabled: yes\n- cluster: {name: us-2}\n',
  'clusters/us/skip/config.yaml': 'cluster: {name: us-skip}\n',
  'config.yaml': 'cluster: {name: root}\n',
};

describe('git files', () => {
  test('an object is one set, a list one per element, flattened with Go\'s %v, plus the file\'s path params', () => {
    const sets = params([{ git: { repoURL: REPO, files: [{ path: 'clusters/*/config.*' }] } }], inputs(CONFIGS));
    expect(sets).toEqual([
      {
        'cluster.name': 'eu-1', 'cluster.replicas': '3', 'cluster.big': '1e+06', 'cluster.tags.0': 'a', 'cluster.tags.1': 'b', enabled: 'true',
        path: 'clusters/eu', 'path.basename': 'eu', 'path.filename': 'config.json', 'path.basenameNormalized': 'eu', 'path.filenameNormalized': 'config.json', 'path[0]': 'clusters', 'path[1]': 'eu',
      },
      expect.objectContaining({ 'cluster.name': 'us-1', enabled: 'true', path: 'clusters/us', 'path.filename': 'config.yaml' }),
      expect.objectContaining({ 'cluster.name': 'us-2', path: 'clusters/us' }),
    ]);
  });

  test('** crosses directories (doublestar), excludes drop files, a root file has path "."', () => {
    const names = (files: Array<{ path: string; exclude?: boolean }>, goTemplate = false) =>
      params([{ git: { repoURL: REPO, files } }], inputs(CONFIGS), goTemplate).map((p) => (goTemplate ? (p.cluster as Params).name : p['cluster.name']));
    expect(names([{ path: 'clusters/**/config.yaml' }])).toEqual(['us-1', 'us-2', 'us-skip']);
    expect(names([{ path: '**/config.yaml' }, { path: 'clusters/us/skip/*', exclude: true }])).toEqual(['us-1', 'us-2', 'root']);
    expect(names([{ path: 'clusters/{eu,nowhere}/config.json' }], true)).toEqual(['eu-1']);
    expect(params([{ git: { repoURL: REPO, files: [{ path: 'config.yaml' }] } }], inputs(CONFIGS))[0]).toMatchObject({ path: '.', 'path.basename': '.', 'path.basenameNormalized': '', 'path[0]': '.' });
  });

  test('with goTemplate the file\'s structure is kept and path is a nested map with segments and filename', () => {
    expect(params([{ git: { repoURL: REPO, files: [{ path: 'clusters/eu/config.json' }] } }], inputs(CONFIGS), true)).toEqual([{
      cluster: { name: 'eu-1', replicas: 3, big: 1000000, tags: ['a', 'b'], empty: {} }, enabled: true,
      path: { path: 'clusters/eu', basename: 'eu', basenameNormalized: 'eu', filename: 'config.json', filenameNormalized: 'config.json', segments: ['clusters', 'eu'] },
    }]);
  });

  test('a file that does not parse names the repo, revision, file and generator field', () => {
    const broken = inputs({ ...CONFIGS, 'clusters/bad/config.yaml': 'cluster: [unclosed\n' });
    let error: InputError | undefined;
    try {
      run([{ list: { elements: [] } }, { git: { repoURL: REPO, revision: 'main', files: [{ path: 'nothing' }, { path: 'clusters/*/config.yaml' }] } }], broken);
    } catch (e) {
      error = e as InputError;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ field: 'spec.generators[1].git.files[1]', file: 'clusters/bad/config.yaml' });
    expect(error?.message).toMatch(/^spec\.generators\[1\]\.git\.files\[1\]: http:\/\/git\.local\/apps\.git at main: clusters\/bad\/config\.yaml: not YAML or JSON/);
  });

  test('a file holding a scalar is refused', () => {
    expect(() => run([{ git: { repoURL: REPO, files: [{ path: 'x.yaml' }] } }], inputs({ 'x.yaml': 'just text' }))).toThrow(/x\.yaml: must hold an object or a list of objects/);
  });
});

describe('matrix', () => {
  const envs = { list: { elements: [{ env: 'dev', namespace: 'web-{{name}}' }, { env: 'prod', namespace: 'web-{{name}}' }] } };

  test('clusters × list: the cross product, the second child rendered with each cluster\'s params', () => {
    const sets = params([{ matrix: { generators: [{ clusters: { selector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } } }, envs] } }], inputs({}, CLUSTERS));
    expect(sets.map((p) => [p.name, p.env, p.namespace])).toEqual([
      ['Staging_EU', 'dev', 'web-Staging_EU'], ['Staging_EU', 'prod', 'web-Staging_EU'],
      ['prod', 'dev', 'web-prod'], ['prod', 'prod', 'web-prod'],
    ]);
    expect(sets[2]).toEqual({ name: 'prod', nameNormalized: 'prod', server: 'https://10.0.0.3:6443', project: '', 'metadata.labels.sluice.dev/secret-type': 'cluster', 'metadata.labels.env': 'prod', env: 'dev', namespace: 'web-prod' });
  });

  test('git files × clusters selected by a value from the file (interpolated selector of the child spec)', () => {
    const files = { 'targets/a.yaml': 'stage: prod\n', 'targets/b.yaml': 'stage: staging\n' };
    const sets = params([{ matrix: { generators: [
      { git: { repoURL: REPO, files: [{ path: 'targets/*.yaml' }] } },
      { clusters: { selector: { matchLabels: { env: '{{stage}}' } }, values: { label: '{{metadata.labels.env}}' } } },
    ] } }], inputs(files, CLUSTERS));
    expect(sets.map((p) => [p['path.filename'], p.name, p['values.label']])).toEqual([['a.yaml', 'prod', 'prod'], ['b.yaml', 'Staging_EU', 'staging']]);
  });

  test('a key both children set: equal is fine, different is an error without goTemplate; with goTemplate the first wins, deeply', () => {
    const same = [{ list: { elements: [{ env: 'dev', a: '1' }] } }, { list: { elements: [{ env: 'dev', b: '2' }] } }];
    expect(params([{ matrix: { generators: same } }], inputs({}))).toEqual([{ env: 'dev', a: '1', b: '2' }]);
    const clash = [{ list: { elements: [{ env: 'dev' }] } }, { list: { elements: [{ env: 'prod' }] } }];
    expect(() => run([{ list: { elements: [] } }, { matrix: { generators: clash } }], inputs({}))).toThrow(expect.objectContaining({ field: 'spec.generators[1].matrix', message: expect.stringMatching(/both generators set the parameter env/) }));
    const nested = [{ list: { elements: [{ env: 'dev', v: { a: 1 } }] } }, { list: { elements: [{ env: 'prod', v: { a: 2, b: 3 } }] } }];
    expect(params([{ matrix: { generators: nested } }], inputs({}), true)).toEqual([{ env: 'dev', v: { a: 1, b: 3 } }]);
  });

  test('a matrix nested in a matrix, and a merge in a matrix, one level deep', () => {
    const inner = { matrix: { generators: [{ list: { elements: [{ a: '1' }, { a: '2' }] } }, { list: { elements: [{ b: 'x' }] } }] } };
    expect(params([{ matrix: { generators: [inner, { list: { elements: [{ c: '{{a}}{{b}}' }] } }] } }], inputs({}))).toEqual([{ a: '1', b: 'x', c: '1x' }, { a: '2', b: 'x', c: '2x' }]);
  });

  test.each<[string, ApplicationSetGenerator[], string, RegExp]>([
    ['one child', [{ list: { elements: [] } }], 'spec.generators[1].matrix.generators', /exactly 2 generators, found 1/],
    ['three children', [{ list: { elements: [] } }, { list: { elements: [] } }, { list: { elements: [] } }], 'spec.generators[1].matrix.generators', /found 3/],
    ['nesting two levels', [{ list: { elements: [{ a: '1' }] } }, { matrix: { generators: [{ list: { elements: [{ b: '1' }] } }, { merge: { mergeKeys: ['b'], generators: [] } }] } }], 'spec.generators[1].matrix.generators[1].matrix.generators[1].merge', /nest only one level deep/],
  ])('%s is refused with the field', (_, generators, field, message) => {
    expect(() => run([{ list: { elements: [] } }, { matrix: { generators } }], inputs({}))).toThrow(expect.objectContaining({ field, message: expect.stringMatching(message) }));
  });
});

describe('merge', () => {
  const base = { list: { elements: [{ server: 'a', env: 'dev', replicas: '1' }, { server: 'b', env: 'dev', replicas: '1' }] } };

  test('later sets override the base set with equal merge keys; unmatched later sets are dropped', () => {
    const override = { list: { elements: [{ server: 'b', env: 'dev', replicas: '3' }, { server: 'c', env: 'dev', replicas: '9' }] } };
    expect(params([{ merge: { mergeKeys: ['server', 'env'], generators: [base, override] } }], inputs({}))).toEqual([
      { server: 'a', env: 'dev', replicas: '1' },
      { server: 'b', env: 'dev', replicas: '3' },
    ]);
  });

  test('clusters merged with a list of per-cluster values, and with goTemplate nested maps merge deeply', () => {
    const sets = params([{ merge: { mergeKeys: ['server'], generators: [{ clusters: {} }, { list: { elements: [{ server: 'https://10.0.0.3:6443', tier: 'gold' }] } }] } }], inputs({}, CLUSTERS));
    expect(sets.map((p) => [p.name, p.tier])).toEqual([['Staging_EU', undefined], ['prod', 'gold'], ['in-cluster', undefined]]);
    const deep = params([{ merge: { mergeKeys: ['k'], generators: [{ list: { elements: [{ k: 1, v: { a: 1, b: 1 } }] } }, { list: { elements: [{ k: 1, v: { b: 2 } }] } }] } }], inputs({}), true);
    expect(deep).toEqual([{ k: 1, v: { a: 1, b: 2 } }]);
  });

  test.each<[string, object, string, RegExp]>([
    ['no mergeKeys', { generators: [base, base] }, 'spec.generators[0].merge.mergeKeys', /at least one merge key/],
    ['one child', { mergeKeys: ['server'], generators: [base] }, 'spec.generators[0].merge.generators', /at least 2 generators, found 1/],
    ['non-unique sets', { mergeKeys: ['env'], generators: [base, base] }, 'spec.generators[0].merge.generators[0]', /same merge key values {"env":"dev"}/],
  ])('%s is refused with the field', (_, merge, field, message) => {
    expect(() => run([{ merge: merge as never }], inputs({}))).toThrow(expect.objectContaining({ field, message: expect.stringMatching(message) }));
  });
});

describe('selector (post-filter)', () => {
  const elements = [{ cluster: 'dev', env: 'staging' }, { cluster: 'prod', env: 'prod' }, { cluster: 'other' }];

  test.each<[string, object, string[]]>([
    ['matchLabels', { matchLabels: { env: 'staging' } }, ['dev']],
    ['NotIn keeps sets without the key', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['staging'] }] }, ['prod', 'other']],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, ['other']],
  ])('on a list: %s', (_, selector, clusters) => {
    expect(params([{ list: { elements }, selector: selector as never }], inputs({})).map((p) => p.cluster)).toEqual(clusters);
  });

  test('sees flattened parameters in goTemplate mode too, and filters matrix children', () => {
    expect(params([{ clusters: {}, selector: { matchLabels: { 'metadata.labels.env': 'prod' } } }], inputs({}, CLUSTERS), true).map((p) => p.name)).toEqual(['prod']);
    const matrix = { matrix: { generators: [{ list: { elements }, selector: { matchLabels: { cluster: 'prod' } } }, { list: { elements: [{ app: 'web' }] } }] } };
    expect(params([matrix], inputs({}))).toEqual([{ cluster: 'prod', env: 'prod', app: 'web' }]);
  });
});

describe('unsupported and empty generators', () => {
  test.each<[string, object, string]>([
    ['scmProvider', { scmProvider: { github: { organization: 'o' } } }, 'spec.generators[1].scmProvider'],
    ['pullRequest', { pullRequest: {} }, 'spec.generators[1].pullRequest'],
    ['clusterDecisionResource', { clusterDecisionResource: {} }, 'spec.generators[1].clusterDecisionResource'],
    ['plugin', { plugin: {} }, 'spec.generators[1].plugin'],
    ['an empty generator', {}, 'spec.generators[1]'],
    ['two kinds in one entry', { list: { elements: [] }, clusters: {} }, 'spec.generators[1]'],
    ['a plugin inside a matrix', { matrix: { generators: [{ list: { elements: [{ a: '1' }] } }, { plugin: {} }] } }, 'spec.generators[1].matrix.generators[1].plugin'],
  ])('%s is an InputError naming the field', (_, generator, field) => {
    expect(() => run([{ list: { elements: [] } }, generator as ApplicationSetGenerator], inputs({}))).toThrow(expect.objectContaining({ field }));
    expect(() => run([{ list: { elements: [] } }, generator as ApplicationSetGenerator], inputs({}))).toThrow(InputError);
  });
});

describe('validateApplicationSetSpec', () => {
  const valid = {
    goTemplate: true, goTemplateOptions: ['missingkey=error'],
    generators: [{ matrix: { generators: [{ clusters: { selector: { matchLabels: { env: 'prod' } } } }, { git: { repoURL: REPO, revision: 'main', directories: [{ path: 'apps/*' }, { path: 'apps/x', exclude: true }] } }] } }],
    template: { metadata: { name: '{{.name}}' }, spec: { project: 'default' } },
    syncPolicy: { applicationsSync: 'create-update' },
    strategy: { type: 'RollingSync', rollingSync: { steps: [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }], maxUpdate: '50%', approval: { approvers: ['alice'] } }] } },
  };

  test('a valid spec passes', () => {
    expect(() => validateApplicationSetSpec(valid)).not.toThrow();
  });

  test.each<[string, (s: any) => void, string, RegExp]>([
    ['an unknown spec field', (s) => (s.templatePatchh = 'x'), 'spec.templatePatchh', /unknown field/],
    ['preservedFields', (s) => (s.preservedFields = { annotations: ['a'] }), 'spec.preservedFields', /not supported by Sluice/],
    ['an scmProvider generator', (s) => s.generators.push({ scmProvider: {} }), 'spec.generators[1].scmProvider', /scmProvider generator is not supported/],
    ['clusters.flatList', (s) => (s.generators[0].matrix.generators[0].clusters.flatList = true), 'spec.generators[0].matrix.generators[0].clusters.flatList', /not supported/],
    ['an unknown git field', (s) => (s.generators[0].matrix.generators[1].git.path = 'x'), 'spec.generators[0].matrix.generators[1].git.path', /unknown field/],
    ['a matrix of one', (s) => s.generators[0].matrix.generators.pop(), 'spec.generators[0].matrix.generators', /exactly 2/],
    ['a merge without mergeKeys', (s) => s.generators.push({ merge: { generators: [{ list: { elements: [] } }, { list: { elements: [] } }] } }), 'spec.generators[1].merge.mergeKeys', /at least one merge key/],
    ['a bad selector operator', (s) => (s.generators[0].matrix.generators[0].clusters.selector = { matchExpressions: [{ key: 'a', operator: 'Is' }] }), 'spec.generators[0].matrix.generators[0].clusters.selector.matchExpressions[0].operator', /not one of/],
    ['strategy.deletionOrder', (s) => (s.strategy.deletionOrder = 'Reverse'), 'spec.strategy.deletionOrder', /not supported/],
    ['an unknown template metadata field', (s) => (s.template.metadata.generateName = 'x'), 'spec.template.metadata.generateName', /unknown field/],
    ['a bad maxUpdate', (s) => (s.strategy.rollingSync.steps[0].maxUpdate = 'half'), 'spec.strategy.rollingSync.steps[0].maxUpdate', /percentage/],
    ['git with both directories and files', (s) => (s.generators[0].matrix.generators[1].git.files = [{ path: 'a.yaml' }]), 'spec.generators[0].matrix.generators[1].git', /both directories and files/],
  ])('%s is refused with the field named', (_, change, field, message) => {
    const spec = structuredClone(valid);
    change(spec);
    expect(() => validateApplicationSetSpec(spec)).toThrow(expect.objectContaining({ field, message: expect.stringMatching(message) }));
  });
});
