// Which kubeconfig the worker and the CLI load, and the CLI's renderers from the local stack (config/kubeconfig.ts).
import { kubeconfigChoice, stackTools } from '../../../config/kubeconfig';

const roots = ['/repo', '/'];
const files = (...present: string[]) => (file: string) => present.includes(file);

test.each<[string, NodeJS.ProcessEnv, string[], ReturnType<typeof kubeconfigChoice>]>([
  ['$KUBECONFIG set: kubectl\'s default, whatever else exists', { KUBECONFIG: '/k' }, ['/repo/.run/stack/kubeconfig'], { use: 'default' }],
  ['~/.kube/config exists: kubectl\'s default', {}, ['/home/u/.kube/config', '/repo/.run/stack/kubeconfig'], { use: 'default' }],
  ['in a pod: kubectl\'s default (in-cluster)', { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, [], { use: 'default' }],
  ['nothing set, the stack up beside the CLI: the stack\'s', {}, ['/repo/.run/stack/kubeconfig'], { use: 'file', file: '/repo/.run/stack/kubeconfig' }],
  ['an empty $KUBECONFIG counts as unset', { KUBECONFIG: '' }, ['/repo/.run/stack/kubeconfig'], { use: 'file', file: '/repo/.run/stack/kubeconfig' }],
  ['$SLUICE_RUN_DIR first (a stack on other ports)', { SLUICE_RUN_DIR: '/tmp/s2' }, ['/tmp/s2/kubeconfig', '/repo/.run/stack/kubeconfig'], { use: 'file', file: '/tmp/s2/kubeconfig' }],
  ['the CLI run from dist/: the stack one level up', {}, ['/.run/stack/kubeconfig'], { use: 'file', file: '/.run/stack/kubeconfig' }],
  ['nothing anywhere: none, which the CLI says', { SLUICE_RUN_DIR: '/tmp/s2' }, [], { use: 'none' }],
])('%s', (_, env, present, expected) => {
  expect(kubeconfigChoice(env, files(...present), roots, '/home/u')).toEqual(expected);
});

const ENV_FILE = 'KUBECONFIG=/repo/.run/stack/kubeconfig\nSLUICE_KUSTOMIZE=/cache/kustomize\nSLUICE_HELM=/cache/helm\nSLUICE_JSONNET=/cache/jsonnet\n';
const reads = (files: Record<string, string>) => (file: string) => files[file];

test.each<[string, NodeJS.ProcessEnv, Record<string, string>, Record<string, string>]>([
  ['nothing set: every renderer from the stack beside the code', {}, { '/repo/.run/stack/env': ENV_FILE }, { SLUICE_KUSTOMIZE: '/cache/kustomize', SLUICE_HELM: '/cache/helm', SLUICE_JSONNET: '/cache/jsonnet' }],
  ['one set: only the others', { SLUICE_HELM: '/mine/helm' }, { '/repo/.run/stack/env': ENV_FILE }, { SLUICE_KUSTOMIZE: '/cache/kustomize', SLUICE_JSONNET: '/cache/jsonnet' }],
  ['all set: nothing read', { SLUICE_KUSTOMIZE: 'a', SLUICE_HELM: 'b', SLUICE_JSONNET: 'c' }, { '/repo/.run/stack/env': ENV_FILE }, {}],
  ['$SLUICE_RUN_DIR first', { SLUICE_RUN_DIR: '/tmp/s2' }, { '/tmp/s2/env': 'SLUICE_KUSTOMIZE=/s2/kustomize\n', '/repo/.run/stack/env': ENV_FILE }, { SLUICE_KUSTOMIZE: '/s2/kustomize' }],
  ['no stack: nothing (the binaries on PATH)', {}, {}, {}],
  ['other variables of the env file are left alone', {}, { '/repo/.run/stack/env': 'KUBECONFIG=/x\nTEMPORAL_ADDRESS=y\n' }, {}],
])('stackTools: %s', (_, env, files, expected) => {
  expect(stackTools(env, reads(files), roots)).toEqual(expected);
});
