// The CLI's exit codes, argocd's: 0 success; 1 a failed sync, a refused decision, or a diff found (`app diff`);
// 2 bad arguments or usage (commander's errors too), or a request refused as asked; 20 an API that could not be
// reached or answered with an error (Kubernetes, Temporal), a --timeout that ran out, or anything unexpected
// (argocd's generic code, which its `app wait` and `app sync` also return when they time out).
import { CommanderError } from 'commander';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { KubeApiError } from '../activities/cluster/kube-client';

export const EXIT = { success: 0, failed: 1, usage: 2, api: 20 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI says in its own words, with a hint and the code to exit with (usage, 2, unless said). */
export class CliError extends Error {
  constructor(message: string, readonly hint?: string, readonly exitCode: number = EXIT.usage, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Node's codes for a connection that could not be made or was cut (node-fetch's FetchError carries them). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
/** A file named on the command line that cannot be read: a bad argument. */
const FILE_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR']);
/** gRPC's UNAVAILABLE and DEADLINE_EXCEEDED. */
const UNREACHABLE_GRPC = new Set([14, 4]);

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | undefined)?.code;

/** The error and the causes it wraps, outermost first. */
function chain(error: unknown): unknown[] {
  const errors: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && errors.length < 10; e = (e as { cause?: unknown }).cause) errors.push(e);
  return errors;
}

/**
 * Temporal could not be reached (a server restarting, a network cut) once the client's own retries (about 20 s)
 * gave up: worth asking again, unlike an answer such as a failed or unknown workflow.
 */
export function temporalUnreachable(error: unknown): boolean {
  const cause = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(cause) && UNREACHABLE_GRPC.has(cause.code);
}

/** No connection to an API: Temporal unreachable, or a Kubernetes request that never got an answer. */
export function apiUnreachable(error: unknown): boolean {
  return chain(error).some((e) => temporalUnreachable(e) || (typeof codeOf(e) === 'string' && NETWORK_CODES.has(codeOf(e) as string)) || (e as Error)?.name === 'FetchError');
}

/** The code the CLI exits with after `error` (see the header). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.success : EXIT.usage;
  if (apiUnreachable(error)) return EXIT.api;
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof KubeApiError || error instanceof ServiceError || isGrpcServiceError(error)) return EXIT.api;
  if (typeof codeOf(error) === 'string' && FILE_CODES.has(codeOf(error) as string)) return EXIT.usage;
  return EXIT.api;
}
