// Test helpers for the real API server: a namespace per test file, and polling without fixed sleeps.
import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { stackEnv } from './stack';

export function kubeConfig(file = stackEnv().KUBECONFIG): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

export async function createTestNamespace(kc: k8s.KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name, labels: { 'sluice.dev/test': 'true' } } } });
  return name;
}

export async function deleteNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name }).catch(() => undefined);
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delay = 100; ; delay = Math.min(delay * 1.5, 1000)) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
