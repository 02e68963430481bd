// Repository credentials from Kubernetes Secrets, the way Argo CD's repository Secrets work: a Secret
// labelled sluice.dev/secret-type=repository (or argocd.argoproj.io/secret-type=repository) with url,
// username and password. A "repo-creds" Secret's url is a prefix shared by many repositories.
import { normaliseRepoURL, RepoCredentials } from '../git/repository';
import { SECRET_TYPE_LABELS } from '../../domain/secret-types';
import { LiveReader } from './live-cache';

const decode = (value: string | undefined) => (value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8'));

export async function repoCredentials(client: LiveReader, repoURL: string, namespace: string): Promise<RepoCredentials | undefined> {
  const wanted = normaliseRepoURL(repoURL);
  let best: { length: number; credentials: RepoCredentials } | undefined;
  for (const label of SECRET_TYPE_LABELS) {
    for (const type of ['repository', 'repo-creds']) {
      const secrets = await client.list('v1', 'Secret', { namespace, labelSelector: `${label}=${type}` });
      for (const secret of secrets) {
        const data = (secret.data ?? {}) as Record<string, string>;
        const url = normaliseRepoURL(decode(data.url) ?? '');
        const matches = type === 'repository' ? url === wanted : url !== '' && wanted.startsWith(url);
        if (!matches) continue;
        // An exact repository Secret beats any prefix; a longer prefix beats a shorter one.
        const length = type === 'repository' ? Number.MAX_SAFE_INTEGER : url.length;
        if (!best || length > best.length) best = { length, credentials: { username: decode(data.username), password: decode(data.password) } };
      }
    }
  }
  return best?.credentials;
}
