// Which kubeconfig the worker and the CLI load: kubectl's default when there is one ($KUBECONFIG, ~/.kube/config,
// in-cluster); failing those, the local stack's ($SLUICE_RUN_DIR, or .run/stack beside the code), so that with
// nothing set both work against the local stack for Kubernetes as they do for Temporal; failing that, none, which
// they say in so many words instead of the client library's "HTTP protocol is not allowed".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type KubeconfigChoice = { use: 'default' } | { use: 'file'; file: string } | { use: 'none' };

/** Where the local stack keeps its kubeconfig, for code run from the repo (config/) or from its build (dist/config/). */
const STACK_ROOTS = [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')];

export const NO_KUBECONFIG = 'no kubeconfig: $KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod';
export const NO_KUBECONFIG_HINT = 'set KUBECONFIG (for the local stack: `set -a; source .run/stack/env; set +a`, or bring it up with `npm run stack:up`)';

export function kubeconfigChoice(env: NodeJS.ProcessEnv, exists: (file: string) => boolean, roots: string[], home: string): KubeconfigChoice {
  if (env.KUBECONFIG || env.KUBERNETES_SERVICE_HOST || exists(path.join(home, '.kube', 'config'))) return { use: 'default' };
  const candidates = [...(env.SLUICE_RUN_DIR ? [path.join(env.SLUICE_RUN_DIR, 'kubeconfig')] : []), ...roots.map((root) => path.join(root, '.run', 'stack', 'kubeconfig'))];
  const file = candidates.find(exists);
  return file ? { use: 'file', file } : { use: 'none' };
}

/** This process's choice. */
export const processKubeconfig = (): KubeconfigChoice => kubeconfigChoice(process.env, fs.existsSync, STACK_ROOTS, os.homedir());
