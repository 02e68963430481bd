// Render an Application's source at a commit: take the commit's shared checkout, detect the source type, run
// the renderer, and keep the result in a disk cache keyed by a digest of everything that shapes the output
// (see key.ts: the git objects the render reads and its options, not the commit).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationSource, SourceType } from '../../domain/application/types';
import { detectSourceType } from '../../domain/manifests/source-type';
import { KubeObject } from '../../domain/resource/types';
import { cleanRepoPath } from '../../domain/manifests/render-key';
import { InputError } from '../../domain/errors';
import { Credentials, GitError, RepoCache } from '../git/repository';
import { renderDirectory } from './directory';
import { renderHelm } from './helm';
import { renderKustomize } from './kustomize';
import { refuseOutOfBoundsSymlinks } from './symlinks';

export { renderDigest } from './key';

export interface RenderInput {
  appName: string;
  source: ApplicationSource;
  /** The resolved commit SHA. */
  revision: string;
  destinationNamespace: string;
  /** Never part of the digest, never stored. */
  credentials?: Credentials;
}

export interface Rendered {
  sourceType: SourceType;
  manifests: KubeObject[];
}

export class RenderedStore {
  constructor(readonly root = process.env.SLUICE_RENDER_CACHE ?? path.join(os.homedir(), '.cache', 'sluice', 'rendered')) {}

  private file(digest: string): string {
    return path.join(this.root, `${digest}.json`);
  }

  async get(digest: string): Promise<Rendered | undefined> {
    try {
      return JSON.parse(await fs.promises.readFile(this.file(digest), 'utf8')) as Rendered;
    } catch {
      return undefined;
    }
  }

  async put(digest: string, rendered: Rendered): Promise<void> {
    await fs.promises.mkdir(this.root, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(digest)}.${process.pid}.tmp`;
    // Rendered output can hold Secrets: readable by the worker's user only.
    await fs.promises.writeFile(tmp, JSON.stringify(rendered), { mode: 0o600 });
    await fs.promises.rename(tmp, this.file(digest));
  }
}

/** Renders at the commit's shared checkout; renderers read it and write only to their own scratch directories. */
export async function renderSource(repos: RepoCache, input: RenderInput): Promise<Rendered> {
  const { source } = input;
  const appPath = cleanRepoPath(source.path);
  // The whole tree, since overlays and value files may refer to files outside the app's path; written once per commit.
  const checkout = await repos.checkout(source.repoURL, input.revision, input.credentials);
  try {
    const root = checkout.dir;
    const dir = path.join(root, appPath);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new GitError('PathNotFound', `repository ${source.repoURL}: path ${JSON.stringify(appPath)} does not exist at revision ${input.revision.slice(0, 12)}`);
    }
    await refuseOutOfBoundsSymlinks(await repos.at(source.repoURL, input.revision, input.credentials), appPath);
    const sourceType = detectSourceType(source, await fs.promises.readdir(dir));
    let manifests: KubeObject[];
    if (sourceType === 'Helm') {
      manifests = await renderHelm(root, dir, appPath, { ...source.helm, defaultReleaseName: input.appName, defaultNamespace: input.destinationNamespace });
    } else if (sourceType === 'Kustomize') {
      manifests = await renderKustomize(root, appPath, source.kustomize);
    } else {
      manifests = await renderDirectory(root, dir, appPath, source.directory);
    }
    return { sourceType, manifests };
  } catch (error) {
    // A renderer names files by their path on this machine; the user knows them by their path in the repository.
    if (error instanceof InputError) error.message = error.message.split(`${checkout.dir}/`).join('');
    throw error;
  } finally {
    checkout.release();
  }
}
