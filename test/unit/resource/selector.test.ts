import { parseLabelSelector, selects } from '../../../domain/resource/selector';

test.each([
  ['sluice.dev/app', { key: 'sluice.dev/app' }],
  ['sluice.dev/app=team-a_web', { key: 'sluice.dev/app', value: 'team-a_web' }],
  ['argocd.argoproj.io/secret-type=repo-creds', { key: 'argocd.argoproj.io/secret-type', value: 'repo-creds' }],
  ['a=b,c=d', undefined],
  ['a!=b', undefined],
  ['a==b', undefined],
  ['a in (b)', undefined],
  ['!a', undefined],
  ['', undefined],
])('parse %j', (selector, expected) => expect(parseLabelSelector(selector)).toEqual(expected));

test.each([
  [{ key: 'k' }, { k: 'v' }, true],
  [{ key: 'k' }, { other: 'v' }, false],
  [{ key: 'k', value: 'v' }, { k: 'v' }, true],
  [{ key: 'k', value: 'v' }, { k: 'w' }, false],
  [{ key: 'k', value: '' }, { k: '' }, true],
  [{ key: 'k' }, undefined, false],
])('%j selects %j: %s', (selector, labels, expected) => expect(selects(selector, labels)).toBe(expected));
