// Test repositories on the local git server: created over its API, written with the git CLI.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackEnv } from './stack';

export interface Credentials {
  username: string;
  password: string;
}

export class TestRepo {
  readonly workdir: string;

  private constructor(readonly name: string, readonly url: string, private readonly credentials?: Credentials) {
    this.workdir = mkdtempSync(path.join(os.tmpdir(), 'sluice-repo-'));
    this.git('init', '--quiet', '--initial-branch=main');
    this.git('config', 'user.email', 'test@sluice.dev');
    this.git('config', 'user.name', 'Sluice Test');
    this.git('remote', 'add', 'origin', this.authenticatedUrl());
  }

  static async create(prefix: string, credentials?: Credentials): Promise<TestRepo> {
    const name = `${prefix}-${randomBytes(4).toString('hex')}`;
    const base = stackEnv().SLUICE_GIT_URL;
    const response = await fetch(`${base}/api/repos`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, ...credentials }),
    });
    if (response.status !== 201) throw new Error(`creating repo ${name}: ${response.status} ${await response.text()}`);
    return new TestRepo(name, `${base}/${name}.git`, credentials);
  }

  private authenticatedUrl(): string {
    if (!this.credentials) return this.url;
    const u = new URL(this.url);
    u.username = this.credentials.username;
    u.password = this.credentials.password;
    return u.toString();
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.workdir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** Writes files (path → content; null deletes), commits and pushes to main. Returns the commit SHA. */
  commit(message: string, files: Record<string, string | null>, branch = 'main'): string {
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(this.workdir, file);
      if (content === null) {
        rmSync(full, { force: true, recursive: true });
      } else {
        mkdirSync(path.dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    this.git('add', '-A');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    this.git('push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
    return this.git('rev-parse', 'HEAD');
  }

  tag(name: string): void {
    this.git('tag', name);
    this.git('push', '--quiet', 'origin', `refs/tags/${name}`);
  }

  cleanup(): void {
    rmSync(this.workdir, { recursive: true, force: true });
  }
}
