// Git access with isomorphic-git: one cached bare clone per repository on the worker's disk, fetched
// incrementally. The cost of a refresh must not grow with the fleet (issue 11), so:
// - a repository's refs are listed once per SLUICE_REVISION_TTL (10s by default; a webhook clears them), and
//   concurrent listings share one request;
// - only fetches are serialised, one per repository at a time, shared by every caller waiting meanwhile, and a
//   revision whose commit is already here is not fetched at all;
// - reads of a commit already here (trees, blobs, object ids) never wait behind a fetch;
// - a commit is checked out once on disk and shared (see checkouts.ts).
import git, { GitHttpRequest, HttpClient, ServerRef } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { userAgent } from '../../config/user-agent';
import { isSemverConstraint } from '../../domain/application/validate';
import { parseDuration } from '../../domain/duration';
import { InputError } from '../../domain/errors';
import { CheckoutCache, CheckoutLease, parseSize } from './checkouts';
import { metrics } from '../metrics';

export type GitErrorCode = 'RepositoryUnreachable' | 'AuthenticationFailed' | 'RevisionNotFound' | 'PathNotFound' | 'RepositoryTooLarge';

export class GitError extends InputError {
  constructor(readonly code: GitErrorCode, message: string) {
    super(message, { field: 'spec.source' });
  }
}

export interface RepoCredentials {
  username?: string;
  password?: string;
}

/** Credentials, or how to get them: looked up only when the remote is asked (a read of a commit already here needs none). */
export type Credentials = RepoCredentials | (() => Promise<RepoCredentials | undefined>) | undefined;

const credentialsOf = async (credentials: Credentials): Promise<RepoCredentials | undefined> => (typeof credentials === 'function' ? credentials() : credentials);

export interface ResolvedRevision {
  /** The full commit SHA. */
  sha: string;
  /** What it was resolved through: "refs/heads/main", "refs/tags/v1.2.0", "HEAD" or "sha". */
  ref: string;
}

import { normaliseRepoURL } from '../../domain/repo-url';

export { normaliseRepoURL };

/**
 * How long a git server may stay silent within one request (SLUICE_GIT_TIMEOUT, 60s by default, Flux's
 * GitRepository default). Without it, a kept-alive socket keeps the idle timeout of the server's `Keep-Alive:
 * timeout=5` hint (Node's agent honours it) into the next request, and a server packing a big repository is silent
 * longer than that: every fetch of it failed with "aborted".
 */
export const gitIdleTimeoutMs = (env: NodeJS.ProcessEnv = process.env): number => parseDuration(env.SLUICE_GIT_TIMEOUT ?? '') ?? 60_000;

/**
 * The most one fetch may bring (SLUICE_MAX_FETCH_SIZE, 128Mi by default). isomorphic-git holds a whole pack in
 * memory and indexes it there: a 200 MB repository took the worker to 920 MiB. A bigger fetch is stopped as it
 * streams, and the app is told which setting allows it.
 */
export const maxFetchBytes = (env: NodeJS.ProcessEnv = process.env): number => parseSize(env.SLUICE_MAX_FETCH_SIZE ?? '') ?? 128 * 1024 * 1024;

class FetchTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`a fetch brought more than ${formatSize(limit)}`);
  }
}

const formatSize = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)}Mi` : `${bytes} bytes`);

/** Passes the chunks of a pack on, and stops with FetchTooLarge once they add up to more than `limit`. */
async function* bounded(body: AsyncIterableIterator<Uint8Array>, limit: number): AsyncIterableIterator<Uint8Array> {
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      if (bytes > limit) throw new FetchTooLarge(limit);
      yield chunk;
    }
  } finally {
    await body.return?.();
  }
}

/** isomorphic-git's Node client: each request with its own idle timeout, and a pack's size bounded. */
const http: HttpClient = {
  request: async (request: GitHttpRequest) => {
    const response = await nodeHttp.request({ ...request, fetchOptions: { timeout: gitIdleTimeoutMs(), ...request.fetchOptions } });
    if (!request.url.endsWith('/git-upload-pack') || !response.body) return response;
    return { ...response, body: bounded(response.body, maxFetchBytes()) };
  },
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A connection cut mid-request (not refused: a server that is down is reported at once, and polled again later). */
export function isConnectionCut(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || /socket hang up/.test(describe(error));
}

/** Runs a git request again, twice at most, after a connection cut mid-request: a flaky network is not an outage. */
async function retryCuts<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= 3 || !isConnectionCut(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 4 ** (attempt - 1)));
    }
  }
}

function httpStatus(error: unknown): number | undefined {
  const data = (error as { data?: { statusCode?: number } }).data;
  return data?.statusCode;
}

export interface CommitAuthor {
  commit: string;
  email: string;
  name: string;
  /** The whole commit message. */
  message: string;
  /** When it was authored, in seconds since the epoch. */
  timestamp: number;
}

export interface TreeEntry {
  path: string;
  oid: string;
  type: string;
  mode: string;
}

/** Reads one commit that is already in the cache; no fetch, no lock. */
export interface CommitReader {
  /** The tree at `repoPath` ("." for the root) with its object id; PathNotFound when it is missing or not a directory. */
  tree(repoPath: string): Promise<{ oid: string; entries: TreeEntry[] }>;
  /** The object id at `repoPath`, undefined when there is nothing there. */
  oid(repoPath: string): Promise<string | undefined>;
  /** A file's text. */
  text(repoPath: string): Promise<string>;
}

interface RefListing {
  refs: Promise<ServerRef[]>;
  /** When the listing arrived; undefined while it is under way (then it is shared, whatever its age). */
  at?: number;
}

export interface RepoCacheOptions {
  /** How long a listing of the remote's refs answers resolutions (SLUICE_REVISION_TTL, 10s by default; 0 = every time). */
  revisionTtlMs?: number;
  checkouts?: CheckoutCache;
}

const treePath = (repoPath: string) => (repoPath === '.' ? '' : repoPath);

export class RepoCache {
  private readonly opened = new Map<string, Promise<void>>();
  private readonly fetches = new Map<string, Promise<void>>();
  private readonly listings = new Map<string, RefListing>();
  /** isomorphic-git's cache of parsed pack indexes, per repository: reads stay fast without re-parsing packs. */
  private readonly objectCaches = new Map<string, object>();
  readonly revisionTtlMs: number;
  readonly checkouts: CheckoutCache;

  constructor(readonly root = process.env.SLUICE_REPO_CACHE ?? path.join(os.homedir(), '.cache', 'sluice', 'repos'), options: RepoCacheOptions = {}) {
    this.revisionTtlMs = options.revisionTtlMs ?? parseDuration(process.env.SLUICE_REVISION_TTL ?? '') ?? 10_000;
    this.checkouts = options.checkouts ?? new CheckoutCache(process.env.SLUICE_CHECKOUT_CACHE ?? path.join(this.root, '.checkouts'));
  }

  gitdir(url: string): string {
    const key = createHash('sha256').update(normaliseRepoURL(url)).digest('hex').slice(0, 32);
    return path.join(this.root, key);
  }

  /** Forgets the listed refs of `url` (a webhook announced a push): the next resolution asks the remote. */
  invalidate(url: string): void {
    const gitdir = this.gitdir(url);
    for (const key of this.listings.keys()) if (key.startsWith(`${gitdir} `)) this.listings.delete(key);
  }

  private cache(gitdir: string): object {
    let cache = this.objectCaches.get(gitdir);
    if (!cache) this.objectCaches.set(gitdir, (cache = {}));
    return cache;
  }

  /** The repository's bare clone, created once. */
  private async open(url: string): Promise<string> {
    const gitdir = this.gitdir(url);
    let opened = this.opened.get(gitdir);
    if (!opened) {
      opened = this.create(gitdir, url);
      this.opened.set(gitdir, opened);
      opened.catch(() => this.opened.delete(gitdir));
    }
    await opened;
    return gitdir;
  }

  private async create(gitdir: string, url: string): Promise<void> {
    if (fs.existsSync(path.join(gitdir, 'HEAD'))) return;
    await fs.promises.mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
    // The URL is stored without credentials; they are passed per request and never written to disk.
    await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: normaliseRepoURL(url) === url ? url : url.replace(/\/\/[^@/]*@/, '//') });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  }

  /** The remote's refs: listed at most once per TTL per repository (and credentials), one listing at a time. */
  private refs(url: string, credentials: RepoCredentials | undefined): Promise<ServerRef[]> {
    const key = `${this.gitdir(url)} ${createHash('sha256').update(`${credentials?.username ?? ''}:${credentials?.password ?? ''}`).digest('hex').slice(0, 16)}`;
    const cached = this.listings.get(key);
    if (cached && (cached.at === undefined || Date.now() - cached.at < this.revisionTtlMs)) return cached.refs;
    const listing: RefListing = { refs: this.listRefs(url, credentials) };
    this.listings.set(key, listing);
    listing.refs.then(
      () => {
        listing.at = Date.now();
      },
      () => {
        if (this.listings.get(key) === listing) this.listings.delete(key);
      },
    );
    return listing.refs;
  }

  private async listRefs(url: string, credentials?: RepoCredentials): Promise<ServerRef[]> {
    metrics.gitLsRemotes.inc({ repo: normaliseRepoURL(url) });
    try {
      return await retryCuts(() => git.listServerRefs({ http, url, headers: { 'User-Agent': userAgent() }, onAuth: () => credentials ?? {}, onAuthFailure: () => ({ cancel: true }), symrefs: true, peelTags: true, protocolVersion: 2 }));
    } catch (error) {
      const status = httpStatus(error);
      if (status === 401 || status === 403 || (error as { code?: string }).code === 'UserCanceledError') {
        throw new GitError('AuthenticationFailed', `repository ${url}: authentication failed${credentials?.username ? ` for user ${credentials.username}` : ' (no credentials are configured for it)'}`);
      }
      throw new GitError('RepositoryUnreachable', `repository ${url} cannot be reached: ${describe(error)}`);
    }
  }

  /** Resolves a branch, HEAD, a tag, a full or short SHA, or a semver constraint over tags, and fetches it when it is not here yet. */
  async resolve(url: string, revision: string | undefined, credentials?: Credentials): Promise<ResolvedRevision> {
    const wanted = (revision ?? '').trim() || 'HEAD';
    const creds = await credentialsOf(credentials);
    const resolved = pickRevision(url, await this.refs(url, creds), wanted);
    const gitdir = await this.open(url);
    if (resolved) {
      await this.ensureCommit(gitdir, url, resolved.sha, creds);
      return resolved;
    }
    if (/^[0-9a-f]{4,40}$/i.test(wanted)) {
      const present = () => this.expandCommit(gitdir, wanted);
      let sha = await present();
      if (!sha) {
        await this.fetchUntil(gitdir, url, creds, async () => (await present()) !== undefined);
        sha = await present();
      }
      if (sha) return { sha, ref: 'sha' };
    }
    throw new GitError('RevisionNotFound', `repository ${url}: revision ${JSON.stringify(wanted)} is not a branch, tag or commit of this repository`);
  }

  private async expandCommit(gitdir: string, short: string): Promise<string | undefined> {
    try {
      const sha = await git.expandOid({ fs, gitdir, oid: short.toLowerCase(), cache: this.cache(gitdir) });
      const { type } = await git.readObject({ fs, gitdir, oid: sha, format: 'parsed', cache: this.cache(gitdir) });
      return type === 'commit' ? sha : undefined;
    } catch {
      return undefined;
    }
  }

  private has(gitdir: string, oid: string): Promise<boolean> {
    return git.readObject({ fs, gitdir, oid, format: 'deflated', cache: this.cache(gitdir) }).then(() => true, () => false);
  }

  /** Fetches only when `sha` is not here yet (another worker resolved it, or a push brought it). */
  private async ensureCommit(gitdir: string, url: string, sha: string, credentials: Credentials): Promise<void> {
    if (await this.has(gitdir, sha)) return;
    await this.fetchUntil(gitdir, url, await credentialsOf(credentials), () => this.has(gitdir, sha));
  }

  /**
   * Waits for the fetch under way, if any (it may bring what is wanted); then, if `present` is still false,
   * fetches — joining the fetch another waiter has just started, so one repository has one fetch at a time.
   */
  private async fetchUntil(gitdir: string, url: string, credentials: RepoCredentials | undefined, present: () => Promise<boolean>): Promise<void> {
    const running = this.fetches.get(gitdir);
    if (running) {
      await running.catch(() => undefined);
      if (await present()) return;
    }
    let fetch = this.fetches.get(gitdir);
    if (!fetch) {
      fetch = this.fetch(gitdir, url, credentials).finally(() => this.fetches.delete(gitdir));
      this.fetches.set(gitdir, fetch);
    }
    await fetch;
  }

  private async fetch(gitdir: string, url: string, credentials?: RepoCredentials): Promise<void> {
    metrics.gitFetches.inc({ repo: normaliseRepoURL(url) });
    try {
      await retryCuts(() => git.fetch({ fs, http, gitdir, url, headers: { 'User-Agent': userAgent() }, remote: 'origin', singleBranch: false, tags: true, prune: true, onAuth: () => credentials ?? {}, onAuthFailure: () => ({ cancel: true }), cache: this.cache(gitdir) }));
    } catch (error) {
      // An empty repository has nothing to fetch; resolution then fails with RevisionNotFound.
      if ((error as { code?: string }).code === 'EmptyServerResponseError') return;
      if (error instanceof FetchTooLarge) {
        throw new GitError('RepositoryTooLarge', `repository ${url}: fetch stopped: it brought more than ${formatSize(error.limit)}, the most one fetch may bring (SLUICE_MAX_FETCH_SIZE on the worker; raise it together with the worker's memory limit)`);
      }
      throw new GitError('RepositoryUnreachable', `repository ${url}: fetch failed: ${describe(error)}`);
    }
  }

  /** Reads commit `sha` (fetched first if it is not here yet). */
  async at(url: string, sha: string, credentials?: Credentials): Promise<CommitReader> {
    const gitdir = await this.open(url);
    await this.ensureCommit(gitdir, url, sha, credentials);
    const cache = this.cache(gitdir);
    const notFound = (repoPath: string, what = 'does not exist') => new GitError('PathNotFound', `repository ${url}: path ${JSON.stringify(repoPath)} ${what} at revision ${sha.slice(0, 12)}`);
    return {
      tree: async (repoPath) => {
        try {
          const { oid, tree } = await git.readTree({ fs, gitdir, oid: sha, filepath: treePath(repoPath), cache });
          return { oid, entries: tree };
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === 'NotFoundError') throw notFound(repoPath);
          if (code === 'ObjectTypeError') throw notFound(repoPath, 'is not a directory');
          throw error;
        }
      },
      oid: async (repoPath) => {
        try {
          return (await git.readObject({ fs, gitdir, oid: sha, filepath: treePath(repoPath), format: 'deflated', cache })).oid;
        } catch {
          return undefined;
        }
      },
      text: async (repoPath) => Buffer.from((await git.readBlob({ fs, gitdir, oid: sha, filepath: treePath(repoPath), cache })).blob).toString('utf8'),
    };
  }

  /**
   * The commits from `sha` back to `since` (excluded), newest first, at most `limit` (the walk stops there when
   * `since` is not an ancestor); only `sha` itself without `since`. For separation of duties.
   */
  async commitsSince(url: string, sha: string, since: string | undefined, credentials?: Credentials, limit = 100): Promise<CommitAuthor[]> {
    const gitdir = await this.open(url);
    await this.ensureCommit(gitdir, url, sha, credentials);
    const log = await git.log({ fs, gitdir, ref: sha, depth: since ? limit : 1, cache: this.cache(gitdir) });
    const commits: CommitAuthor[] = [];
    for (const entry of log) {
      if (entry.oid === since) break;
      const { author, message } = entry.commit;
      commits.push({ commit: entry.oid, email: author.email, name: author.name, message, timestamp: author.timestamp });
    }
    return commits;
  }

  /** The whole tree at `sha`, on disk once and shared; release the lease when done. Never write into it. */
  async checkout(url: string, sha: string, credentials?: Credentials): Promise<CheckoutLease> {
    const gitdir = await this.open(url);
    await this.ensureCommit(gitdir, url, sha, credentials);
    return this.checkouts.acquire(`${path.basename(gitdir)}-${sha}`, async (dest) => {
      metrics.checkouts.inc({ repo: normaliseRepoURL(url) });
      const { tree } = await git.readTree({ fs, gitdir, oid: sha, cache: this.cache(gitdir) });
      await fs.promises.mkdir(dest, { recursive: true });
      return this.writeTree(gitdir, tree, dest);
    });
  }

  /** Writes a tree, read-only, and returns the bytes written. */
  private async writeTree(gitdir: string, entries: TreeEntry[], dest: string): Promise<number> {
    let bytes = 0;
    for (const entry of entries) {
      const target = path.join(dest, entry.path);
      if (entry.type === 'tree') {
        await fs.promises.mkdir(target, { recursive: true });
        const { tree } = await git.readTree({ fs, gitdir, oid: entry.oid, cache: this.cache(gitdir) });
        bytes += 4096 + (await this.writeTree(gitdir, tree, target));
      } else if (entry.type === 'blob') {
        const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid, cache: this.cache(gitdir) });
        // Symlinks are written as plain files holding their target, never followed: a repo cannot point outside itself.
        await fs.promises.writeFile(target, blob, { mode: 0o444 });
        bytes += blob.length;
      }
    }
    return bytes;
  }
}

/** The ref (or semver-matching tag) `wanted` names among the remote's refs; undefined when none does (it may be a SHA). */
function pickRevision(url: string, refs: ServerRef[], wanted: string): ResolvedRevision | undefined {
  const byName = new Map(refs.map((r) => [r.ref, r.peeled ?? r.oid]));
  if (wanted === 'HEAD') {
    const head = byName.get('HEAD');
    return head ? { sha: head, ref: 'HEAD' } : undefined;
  }
  for (const ref of [`refs/heads/${wanted}`, `refs/tags/${wanted}`, wanted]) {
    const sha = byName.get(ref);
    if (sha) return { sha, ref };
  }
  if (!isSemverConstraint(wanted)) return undefined;
  const tags = refs.filter((r) => r.ref.startsWith('refs/tags/')).map((r) => ({ tag: r.ref.slice('refs/tags/'.length), sha: r.peeled ?? r.oid }));
  const versions = tags.filter((t) => semver.valid(semver.clean(t.tag) ?? '')).map((t) => t.tag);
  const best = semver.maxSatisfying(versions, wanted, { loose: true });
  const tag = tags.find((t) => t.tag === best);
  if (!tag) throw new GitError('RevisionNotFound', `repository ${url}: no tag matches the semver constraint ${JSON.stringify(wanted)} (tags: ${tags.map((t) => t.tag).join(', ') || 'none'})`);
  return { sha: tag.sha, ref: `refs/tags/${tag.tag}` };
}
