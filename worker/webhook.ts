// Git webhooks: POST /api/webhook takes push events from GitHub, GitLab, Gitea/Gogs and a generic
// {repoURL, revision}, checks the shared secret (HMAC-SHA256 for GitHub and Gitea, the token for GitLab and
// the generic form), and refreshes every Application whose repo and tracked revision match the push.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { normaliseRepoURL } from '../activities/git/repository';

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface PushEvent {
  provider: 'github' | 'gitlab' | 'gitea' | 'generic';
  repoURLs: string[];
  /** "refs/heads/main", "refs/tags/v1", or a bare revision from the generic form. */
  ref: string;
}

export class WebhookError extends Error {
  constructor(readonly status: 400 | 401 | 413, message: string) {
    super(message);
  }
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

export function readBody(req: IncomingMessage, limit = MAX_WEBHOOK_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new WebhookError(413, `body of ${declared} bytes is over the ${limit}-byte limit`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new WebhookError(413, `body is over the ${limit}-byte limit`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Verifies and parses a push event. Without a configured secret nothing is verified, as in Argo CD. */
export function parsePush(headers: IncomingMessage['headers'], body: Buffer, secret: string | undefined): PushEvent | undefined {
  const header = (name: string) => (headers[name] as string | undefined) ?? '';
  let provider: PushEvent['provider'];
  if (headers['x-github-event']) {
    provider = 'github';
    if (secret && !safeEqual(header('x-hub-signature-256'), `sha256=${hmac(secret, body)}`)) throw new WebhookError(401, 'bad GitHub signature');
    if (header('x-github-event') !== 'push') return undefined;
  } else if (headers['x-gitlab-event']) {
    provider = 'gitlab';
    if (secret && !safeEqual(header('x-gitlab-token'), secret)) throw new WebhookError(401, 'bad GitLab token');
    if (!/^(Push|Tag Push) Hook$/.test(header('x-gitlab-event'))) return undefined;
  } else if (headers['x-gitea-event'] || headers['x-gogs-event']) {
    provider = 'gitea';
    const signature = header('x-gitea-signature') || header('x-gogs-signature');
    if (secret && !safeEqual(signature, hmac(secret, body))) throw new WebhookError(401, 'bad Gitea/Gogs signature');
    if ((header('x-gitea-event') || header('x-gogs-event')) !== 'push') return undefined;
  } else {
    provider = 'generic';
    if (secret && !safeEqual(header('x-sluice-token'), secret)) throw new WebhookError(401, 'bad X-Sluice-Token');
  }
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new WebhookError(400, 'the body is not JSON');
  }
  const repo = (payload.repository ?? payload.project ?? {}) as Record<string, string>;
  const repoURLs = provider === 'generic' ? [payload.repoURL as string] : [repo.clone_url, repo.html_url, repo.git_http_url, repo.web_url, repo.url].filter(Boolean);
  const ref = (provider === 'generic' ? payload.revision : payload.ref) as string | undefined;
  if (repoURLs.length === 0 || typeof repoURLs[0] !== 'string' || !ref) throw new WebhookError(400, `a ${provider} push needs a repository URL and a ref`);
  return { provider, repoURLs, ref };
}

/** Whether a push should refresh an app tracking `repoURL` at `targetRevision`. */
export function pushMatches(push: PushEvent, repoURL: string, targetRevision: string | undefined): boolean {
  const wanted = normaliseRepoURL(repoURL).toLowerCase();
  if (!push.repoURLs.some((u) => normaliseRepoURL(u).toLowerCase() === wanted)) return false;
  const revision = (targetRevision ?? '').trim();
  const branch = push.ref.replace(/^refs\/heads\//, '');
  if (push.ref.startsWith('refs/tags/')) return !/^(HEAD|)$/.test(revision) && revision !== branch; // tags and semver ranges
  // HEAD follows the default branch, which the push does not name: refresh (it is cheap).
  return revision === '' || revision === 'HEAD' || revision === branch || revision === push.ref;
}
