// The local stack's coordinates, read from the env file `scripts/stack.sh up` writes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const runDir = process.env.SLUICE_RUN_DIR ?? path.join(repoRoot, '.run', 'stack');

export interface StackEnv {
  KUBECONFIG: string;
  SLUICE_RESTRICTED_KUBECONFIG: string;
  TEMPORAL_ADDRESS: string;
  SLUICE_TEMPORAL_UI: string;
  SLUICE_GIT_URL: string;
  SLUICE_TEMPORAL_CLI: string;
  SLUICE_TEST_SERVER: string;
  SLUICE_KUBECTL: string;
  SLUICE_KUSTOMIZE: string;
  SLUICE_HELM: string;
  /** Absent from env files written before go-jsonnet was part of the stack. */
  SLUICE_JSONNET?: string;
}

export function stackEnv(): StackEnv {
  const file = path.join(runDir, 'env');
  if (!existsSync(file)) throw new Error(`the local stack is not up (no ${file}); run: npm run stack:up`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env as unknown as StackEnv;
}

/** Points the engine's tool lookups (kustomize, helm, jsonnet) at the stack's builds; an exported SLUICE_JSONNET wins over an env file without it. */
export function useStackTools(): StackEnv {
  const env = stackEnv();
  process.env.SLUICE_KUSTOMIZE = env.SLUICE_KUSTOMIZE;
  process.env.SLUICE_HELM = env.SLUICE_HELM;
  if (env.SLUICE_JSONNET) process.env.SLUICE_JSONNET = env.SLUICE_JSONNET;
  return env;
}

/** SLUICE_JSONNET for a child process: the stack's build, or the one exported in this shell. */
export function jsonnetEnv(env: StackEnv): { SLUICE_JSONNET?: string } {
  const jsonnet = env.SLUICE_JSONNET ?? process.env.SLUICE_JSONNET;
  return jsonnet ? { SLUICE_JSONNET: jsonnet } : {};
}
