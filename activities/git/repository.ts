// Git access with isomorphic-git: one cached bare clone per repository on the worker's disk, fetched
// incrementally, and trees read at a commit without any checkout of the whole repo.
import git, { ServerRef } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { userAgent } from '../../config/user-agent';
import { isSemverConstraint } from '../../domain/application/validate';
import { InputError } from '../../domain/errors';
import { metrics } from '../metrics';

export type GitErrorCode = 'RepositoryUnreachable' | 'AuthenticationFailed' | 'RevisionNotFound' | 'PathNotFound';

export class GitError extends InputError {
  constructor(readonly code: GitErrorCode, message: string) {
    super(message, { field: 'spec.source' });
  }
}

export interface RepoCredentials {
  username?: string;
  password?: string;
}

export interface ResolvedRevision {
  /** The full commit SHA. */
  sha: string;
  /** What it was resolved through: "refs/heads/main", "refs/tags/v1.2.0", "HEAD" or "sha". */
  ref: string;
}

/** A URL in a canonical form: lower-case scheme and host, no trailing slash or ".git", no credentials. */
export function normaliseRepoURL(url: string): string {
  try {
    const u = new URL(url.trim());
    u.username = '';
    u.password = '';
    const pathname = u.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
    return `${u.protocol.toLowerCase()}//${u.host.toLowerCase()}${pathname}`;
  } catch {
    return url.trim().replace(/\/+$/, '').replace(/\.git$/, '');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function httpStatus(error: unknown): number | undefined {
  const data = (error as { data?: { statusCode?: number } }).data;
  return data?.statusCode;
}

export class RepoCache {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly root = process.env.SLUICE_REPO_CACHE ?? path.join(os.homedir(), '.cache', 'sluice', 'repos')) {}

  gitdir(url: string): string {
    const key = createHash('sha256').update(normaliseRepoURL(url)).digest('hex').slice(0, 32);
    return path.join(this.root, key);
  }

  /** Runs `fn` with the repository's cache to itself, so concurrent activities don't race on one clone. */
  private async exclusive<T>(url: string, fn: (gitdir: string) => Promise<T>): Promise<T> {
    const gitdir = this.gitdir(url);
    const previous = this.locks.get(gitdir) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => fn(gitdir));
    this.locks.set(gitdir, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(gitdir) === run) this.locks.delete(gitdir);
    }
  }

  private async ensureRepo(gitdir: string, url: string): Promise<void> {
    if (fs.existsSync(path.join(gitdir, 'HEAD'))) return;
    await fs.promises.mkdir(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
    // The URL is stored without credentials; they are passed per request and never written to disk.
    await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: normaliseRepoURL(url) === url ? url : url.replace(/\/\/[^@/]*@/, '//') });
    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
  }

  private async listRefs(url: string, credentials?: RepoCredentials): Promise<ServerRef[]> {
    metrics.gitLsRemotes.inc({ repo: normaliseRepoURL(url) });
    try {
      return await git.listServerRefs({ http, url, headers: { 'User-Agent': userAgent() }, onAuth: () => credentials ?? {}, onAuthFailure: () => ({ cancel: true }), symrefs: true, peelTags: true, protocolVersion: 2 });
    } catch (error) {
      const status = httpStatus(error);
      if (status === 401 || status === 403 || (error as { code?: string }).code === 'UserCanceledError') {
        throw new GitError('AuthenticationFailed', `repository ${url}: authentication failed${credentials?.username ? ` for user ${credentials.username}` : ' (no credentials are configured for it)'}`);
      }
      throw new GitError('RepositoryUnreachable', `repository ${url} cannot be reached: ${describe(error)}`);
    }
  }

  /** Resolves a branch, HEAD, a tag, a full or short SHA, or a semver constraint over tags, and fetches it. */
  async resolve(url: string, revision: string | undefined, credentials?: RepoCredentials): Promise<ResolvedRevision> {
    const wanted = (revision ?? '').trim() || 'HEAD';
    const refs = await this.listRefs(url, credentials);
    const byName = new Map(refs.map((r) => [r.ref, r.peeled ?? r.oid]));
    let resolved: ResolvedRevision | undefined;
    if (wanted === 'HEAD') {
      const head = byName.get('HEAD');
      if (head) resolved = { sha: head, ref: 'HEAD' };
    } else {
      for (const ref of [`refs/heads/${wanted}`, `refs/tags/${wanted}`, wanted]) {
        const sha = byName.get(ref);
        if (sha) {
          resolved = { sha, ref };
          break;
        }
      }
      if (!resolved && isSemverConstraint(wanted)) {
        const tags = refs.filter((r) => r.ref.startsWith('refs/tags/')).map((r) => ({ tag: r.ref.slice('refs/tags/'.length), sha: r.peeled ?? r.oid }));
        const versions = tags.filter((t) => semver.valid(semver.clean(t.tag) ?? '')).map((t) => t.tag);
        const best = semver.maxSatisfying(versions, wanted, { loose: true });
        const tag = tags.find((t) => t.tag === best);
        if (!tag) throw new GitError('RevisionNotFound', `repository ${url}: no tag matches the semver constraint ${JSON.stringify(wanted)} (tags: ${tags.map((t) => t.tag).join(', ') || 'none'})`);
        resolved = { sha: tag.sha, ref: `refs/tags/${tag.tag}` };
      }
    }
    return this.exclusive(url, async (gitdir) => {
      await this.ensureRepo(gitdir, url);
      await this.fetch(gitdir, url, credentials);
      if (resolved) return resolved;
      if (/^[0-9a-f]{4,40}$/i.test(wanted)) {
        try {
          const sha = await git.expandOid({ fs, gitdir, oid: wanted.toLowerCase() });
          const { type } = await git.readObject({ fs, gitdir, oid: sha, format: 'parsed' });
          if (type === 'commit') return { sha, ref: 'sha' };
        } catch {
          // fall through to the error below
        }
      }
      throw new GitError('RevisionNotFound', `repository ${url}: revision ${JSON.stringify(wanted)} is not a branch, tag or commit of this repository`);
    });
  }

  private async fetch(gitdir: string, url: string, credentials?: RepoCredentials): Promise<void> {
    metrics.gitFetches.inc({ repo: normaliseRepoURL(url) });
    try {
      await git.fetch({ fs, http, gitdir, url, headers: { 'User-Agent': userAgent() }, remote: 'origin', singleBranch: false, tags: true, prune: true, onAuth: () => credentials ?? {}, onAuthFailure: () => ({ cancel: true }) });
    } catch (error) {
      // An empty repository has nothing to fetch; resolution then fails with RevisionNotFound.
      if ((error as { code?: string }).code === 'EmptyServerResponseError') return;
      throw new GitError('RepositoryUnreachable', `repository ${url}: fetch failed: ${describe(error)}`);
    }
  }

  /**
   * Writes the files under `repoPath` at commit `sha` into `dest` (which must not exist). The path is
   * relative to the repository root; "" or "." means the whole tree.
   */
  async materialise(url: string, sha: string, repoPath: string, dest: string, credentials?: RepoCredentials): Promise<void> {
    const clean = repoPath.replace(/^\.?\/*/, '').replace(/\/+$/, '');
    await this.exclusive(url, async (gitdir) => {
      await this.ensureRepo(gitdir, url);
      // A commit this cache has not seen yet (another worker resolved it) is fetched first.
      const known = await git.readObject({ fs, gitdir, oid: sha }).then(() => true, () => false);
      if (!known) await this.fetch(gitdir, url, credentials);
      let tree;
      try {
        tree = await git.readTree({ fs, gitdir, oid: sha, filepath: clean });
      } catch (error) {
        if ((error as { code?: string }).code === 'NotFoundError') {
          throw new GitError('PathNotFound', `repository ${url}: path ${JSON.stringify(clean || '.')} does not exist at revision ${sha.slice(0, 12)}`);
        }
        throw error;
      }
      metrics.checkouts.inc({ repo: normaliseRepoURL(url) });
      await fs.promises.mkdir(dest, { recursive: true });
      await this.writeTree(gitdir, tree.tree, dest);
    });
  }

  private async writeTree(gitdir: string, entries: Array<{ path: string; oid: string; type: string; mode: string }>, dest: string): Promise<void> {
    for (const entry of entries) {
      const target = path.join(dest, entry.path);
      if (entry.type === 'tree') {
        await fs.promises.mkdir(target, { recursive: true });
        const { tree } = await git.readTree({ fs, gitdir, oid: entry.oid });
        await this.writeTree(gitdir, tree, target);
      } else if (entry.type === 'blob') {
        const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid });
        // Symlinks are written as plain files holding their target, never followed: a repo cannot point outside itself.
        await fs.promises.writeFile(target, blob);
      }
    }
  }
}
