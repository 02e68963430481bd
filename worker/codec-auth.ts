// Who may call the codec endpoint (worker/codec-server.ts). Two modes, chosen by the environment:
//   SLUICE_CODEC_AUTH_TOKEN=<token>   one shared bearer token
//   SLUICE_CODEC_AUTH=kubernetes      the bearer token is a Kubernetes credential: a TokenReview says who it is, and a
//                                     SubjectAccessReview whether they may `decode` (or `encode`) the pseudo-resource
//                                     `payloads` of group sluice.dev, which RBAC grants like any other
//                                     (rules: [{apiGroups: [sluice.dev], resources: [payloads], verbs: [decode]}])
// Neither set: the endpoint is off. Reviews are cached for a minute per token, as the UI decodes page by page.
import { createHash } from 'node:crypto';
import type { KubeClient } from '../activities/cluster/kube-client';
import { safeEqual } from './webhook';

export type CodecOperation = 'encode' | 'decode';
export type CodecAuthResult = { ok: true; user: string } | { ok: false; status: 401 | 403; reason: string };
export type CodecAuthorizer = (token: string | undefined, operation: CodecOperation) => Promise<CodecAuthResult>;

const UNAUTHENTICATED: CodecAuthResult = { ok: false, status: 401, reason: 'a valid Authorization: Bearer token is required' };
const CACHE_MS = 60_000;

export function staticTokenAuth(expected: string): CodecAuthorizer {
  return async (token) => (token && safeEqual(token, expected) ? { ok: true, user: 'codec-token' } : UNAUTHENTICATED);
}

interface UserInfo { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }

export function kubernetesAuth(kube: Pick<KubeClient, 'request'>, now: () => number = Date.now): CodecAuthorizer {
  const cache = new Map<string, { result: CodecAuthResult; until: number }>();
  return async (token, operation) => {
    if (!token) return UNAUTHENTICATED;
    const key = `${operation}:${createHash('sha256').update(token).digest('hex')}`;
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.result;
    const review = await kube.request<{ status: { authenticated?: boolean; user?: UserInfo } }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const user = review.status.authenticated ? review.status.user : undefined;
    let result: CodecAuthResult = UNAUTHENTICATED;
    if (user) {
      const access = await kube.request<{ status: { allowed?: boolean; reason?: string } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        body: {
          apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
          spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, resourceAttributes: { group: 'sluice.dev', resource: 'payloads', verb: operation } },
        },
      });
      result = access.status.allowed ? { ok: true, user: user.username }
        : { ok: false, status: 403, reason: `${user.username} may not ${operation} payloads (RBAC: verb ${operation} on payloads.sluice.dev)` };
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, { result, until: now() + CACHE_MS });
    return result;
  };
}

/** The authorizer the environment asks for, or undefined: the endpoint is off, never open. */
export function codecAuthFromEnv(env: NodeJS.ProcessEnv, kube: Pick<KubeClient, 'request'>): CodecAuthorizer | undefined {
  const mode = env.SLUICE_CODEC_AUTH?.trim();
  const token = env.SLUICE_CODEC_AUTH_TOKEN?.trim();
  if (mode && mode !== 'kubernetes' && mode !== 'token') throw new Error(`SLUICE_CODEC_AUTH=${mode}: expected kubernetes or token`);
  if (mode === 'kubernetes') {
    if (token) throw new Error('SLUICE_CODEC_AUTH=kubernetes reviews each caller\'s own token: unset SLUICE_CODEC_AUTH_TOKEN');
    return kubernetesAuth(kube);
  }
  if (mode === 'token' && !token) throw new Error('SLUICE_CODEC_AUTH=token needs SLUICE_CODEC_AUTH_TOKEN');
  return token ? staticTokenAuth(token) : undefined;
}
