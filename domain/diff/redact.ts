// Secret values never leave the engine: both sides of a Secret diff are masked, with masks of different
// lengths where the values differ, so a change still shows without showing what changed (Argo CD does the same).
import { groupOf } from '../resource/identity';
import { KubeObject } from '../resource/types';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function isSecret(obj: KubeObject | undefined): boolean {
  return !!obj && obj.kind === 'Secret' && groupOf(obj.apiVersion) === '';
}

function mask(length: number): string {
  return '+'.repeat(length);
}

function stripLastApplied(obj: KubeObject): void {
  if (obj.metadata.annotations?.[LAST_APPLIED] !== undefined) {
    obj.metadata.annotations = { ...obj.metadata.annotations, [LAST_APPLIED]: mask(8) };
  }
}

/** Masks data and stringData of a desired/live Secret pair in place. Non-Secrets are left alone. */
export function redactSecretPair(desired: KubeObject | undefined, live: KubeObject | undefined): void {
  if (!isSecret(desired) && !isSecret(live)) return;
  const fields = ['data', 'stringData'] as const;
  for (const field of fields) {
    const a = (desired?.[field] as Record<string, string> | undefined) ?? undefined;
    const b = (live?.[field] as Record<string, string> | undefined) ?? undefined;
    const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
    const maskedA: Record<string, string> = {};
    const maskedB: Record<string, string> = {};
    for (const key of keys) {
      const same = a?.[key] === b?.[key];
      if (a && key in a) maskedA[key] = mask(8);
      if (b && key in b) maskedB[key] = mask(same ? 8 : 16);
    }
    if (desired && a) desired[field] = maskedA;
    if (live && b) live[field] = maskedB;
  }
  if (desired) stripLastApplied(desired);
  if (live) stripLastApplied(live);
}
