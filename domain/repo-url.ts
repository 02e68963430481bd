// Repository URLs compared as Argo CD's git.NormalizeGitURL compares them.

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
