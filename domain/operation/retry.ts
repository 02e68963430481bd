// Argo CD's retry semantics: limit 0 means none and negative means unlimited; the wait before retry n
// (n from 0) is duration × factor^n, capped at maxDuration. Defaults: 5s, factor 2, 3m. An automated sync
// with no retry block gets a limit of 5 (controller/appcontroller.go).
import { RetryStrategy } from '../application/types';
import { parseDuration } from '../duration';

export interface EffectiveRetry {
  limit: number;
  durationMs: number;
  factor: number;
  maxDurationMs: number;
}

export const DEFAULT_BACKOFF = { durationMs: 5_000, factor: 2, maxDurationMs: 180_000 };
export const AUTOMATED_DEFAULT_LIMIT = 5;

export function effectiveRetry(retry: RetryStrategy | undefined, automated: boolean): EffectiveRetry {
  const limit = retry?.limit ?? (automated && !retry ? AUTOMATED_DEFAULT_LIMIT : 0);
  return {
    limit,
    durationMs: parseDuration(retry?.backoff?.duration ?? '') ?? DEFAULT_BACKOFF.durationMs,
    factor: retry?.backoff?.factor ?? DEFAULT_BACKOFF.factor,
    maxDurationMs: parseDuration(retry?.backoff?.maxDuration ?? '') ?? DEFAULT_BACKOFF.maxDurationMs,
  };
}

/** Whether another attempt is allowed after `failedAttempts` failures. */
export function canRetry(retry: EffectiveRetry, failedAttempts: number): boolean {
  return retry.limit < 0 || failedAttempts <= retry.limit;
}

/** The wait before retry number `n` (0 for the first retry). */
export function retryDelayMs(retry: EffectiveRetry, n: number): number {
  return Math.min(retry.durationMs * Math.pow(retry.factor, n), retry.maxDurationMs);
}
