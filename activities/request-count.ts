// Kubernetes API requests counted per refresh (issue 11 asks for them): every request made inside
// `countRequests` is tallied by verb in its own async context, so concurrent refreshes never mix counts.
// Background work started from inside one (a watch's relist) leaves the context with `uncounted`.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<Record<string, number>>();

export async function countRequests<T>(fn: () => Promise<T>): Promise<{ result: T; requests: Record<string, number> }> {
  const requests: Record<string, number> = {};
  const result = await scope.run(requests, fn);
  return { result, requests };
}

export function noteRequest(verb: string): void {
  const counts = scope.getStore();
  if (counts) counts[verb] = (counts[verb] ?? 0) + 1;
}

export function uncounted<T>(fn: () => T): T {
  return scope.exit(fn);
}
