// What a set's generators read, nested ones included: the worker regenerates it on a push to one of its repos
// (gitRepos) and on a cluster Secret change (readsClusters).
import { gitRepos, readsClusters } from '../../../worker/appset-controller';

const git = (repoURL: string) => ({ git: { repoURL, revision: 'main', directories: [{ path: '*' }] } });
const list = { list: { elements: [{ env: 'dev' }] } };
const clusters = { clusters: { selector: { matchLabels: { env: 'prod' } } } };

test.each<[string, unknown[] | undefined, string[], boolean]>([
  ['no generators', undefined, [], false],
  ['a list', [list], [], false],
  ['clusters, with no selector', [{ clusters: {} }], [], true],
  ['clusters and git side by side', [clusters, git('https://git.example/a')], ['https://git.example/a'], true],
  ['clusters × list in a matrix', [{ matrix: { generators: [clusters, list] } }], [], true],
  ['clusters in a matrix nested in a merge', [{ merge: { mergeKeys: ['server'], generators: [list, { matrix: { generators: [git('https://git.example/b'), clusters] } }] } }], ['https://git.example/b'], true],
  ['git twice, one nested', [git('https://git.example/a'), { matrix: { generators: [git('https://git.example/a'), list] } }], ['https://git.example/a'], false],
  ['junk entries are skipped', [null, 'x', { clusters: null }, list], [], false],
])('%s', (_name, generators, repos, reads) => {
  expect(gitRepos(generators)).toEqual(repos);
  expect(readsClusters(generators)).toBe(reads);
});
