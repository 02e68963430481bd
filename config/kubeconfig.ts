// What the worker and the CLI take from the local stack when nothing else names it. The kubeconfig: kubectl's
// default when there is one ($KUBECONFIG, ~/.kube/config, in-cluster); failing those, the local stack's
// ($SLUICE_RUN_DIR, or .run/stack beside the code); failing that, none, which they say in so many words instead of
// the client library's "HTTP protocol is not allowed". And, for the CLI, the renderers the stack built.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type KubeconfigChoice = { use: 'default' } | { use: 'file'; file: string } | { use: 'none' };

/** Where the local stack keeps its kubeconfig, for code run from the repo (config/) or from its build (dist/config/). */
const STACK_ROOTS = [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')];

export const NO_KUBECONFIG = 'no kubeconfig: $KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod';
export const NO_KUBECONFIG_HINT = 'set KUBECONFIG (for the local stack: `set -a; source .run/stack/env; set +a`, or bring it up with `npm run stack:up`)';

/** Where the local stack may be: $SLUICE_RUN_DIR, then .run/stack under each root. */
const stackDirs = (env: NodeJS.ProcessEnv, roots: string[]) => [...(env.SLUICE_RUN_DIR ? [env.SLUICE_RUN_DIR] : []), ...roots.map((root) => path.join(root, '.run', 'stack'))];

export function kubeconfigChoice(env: NodeJS.ProcessEnv, exists: (file: string) => boolean, roots: string[], home: string): KubeconfigChoice {
  if (env.KUBECONFIG || env.KUBERNETES_SERVICE_HOST || exists(path.join(home, '.kube', 'config'))) return { use: 'default' };
  const file = stackDirs(env, roots).map((dir) => path.join(dir, 'kubeconfig')).find(exists);
  return file ? { use: 'file', file } : { use: 'none' };
}

/** The renderers' binaries (activities/render/exec.ts), which the stack builds and names in its env file. */
export const STACK_TOOLS = ['SLUICE_KUSTOMIZE', 'SLUICE_HELM', 'SLUICE_JSONNET'] as const;

/**
 * The renderers the local stack built, for those of STACK_TOOLS not set: read from the first stack env file found
 * (`read` gives undefined for a missing file). So `sluice app diff` renders a new commit with the same kustomize
 * and helm as the worker, with nothing set; with no stack, nothing (the binaries on PATH).
 */
export function stackTools(env: NodeJS.ProcessEnv, read: (file: string) => string | undefined, roots: string[]): Record<string, string> {
  const missing = STACK_TOOLS.filter((name) => !env[name]);
  if (missing.length === 0) return {};
  for (const dir of stackDirs(env, roots)) {
    const text = read(path.join(dir, 'env'));
    if (text === undefined) continue;
    const values = new Map(text.split('\n').map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1], m[2]]));
    return Object.fromEntries(missing.filter((name) => values.get(name)).map((name) => [name, values.get(name)!]));
  }
  return {};
}

const readIfThere = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);

/** This process's renderers from the local stack (see stackTools). */
export const processStackTools = (): Record<string, string> => stackTools(process.env, readIfThere, STACK_ROOTS);

/** This process's choice. */
export const processKubeconfig = (): KubeconfigChoice => kubeconfigChoice(process.env, fs.existsSync, STACK_ROOTS, os.homedir());

/** Loads this process's kubeconfig into `kc`, the worker's and the CLI's alike; false when there is none. */
export function loadKubeconfig(kc: { loadFromFile(file: string): void; loadFromDefault(): void }): boolean {
  const choice = processKubeconfig();
  if (choice.use === 'file') kc.loadFromFile(choice.file);
  else if (choice.use === 'default') kc.loadFromDefault();
  return choice.use !== 'none';
}
