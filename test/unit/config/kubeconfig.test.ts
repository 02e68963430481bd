// Which kubeconfig the worker and the CLI load (config/kubeconfig.ts).
import { kubeconfigChoice } from '../../../config/kubeconfig';

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
