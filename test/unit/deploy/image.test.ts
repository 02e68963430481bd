// The worker image (Dockerfile) cannot be built here (no Docker engine), so what it would run is checked against
// what runs here: its command is `npm start`'s, its node satisfies package.json's engines, and its tools are
// built at the versions scripts/versions.env pins, not at versions written into the Dockerfile.
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { dockerfileInstructions, imageProcess } from '../../support/dockerfile';
import { repoRoot } from '../../support/stack';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const versions = Object.fromEntries(fs.readFileSync(path.join(repoRoot, 'scripts/versions.env'), 'utf8').split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

test('the image runs `npm start`\'s command, with its environment, from the build in dist/', () => {
  const words = (pkg.scripts.start as string).split(/\s+/);
  const assignments = words.filter((w, i) => /^[A-Z_]+=/.test(w) && words.slice(0, i).every((x) => /^[A-Z_]+=/.test(x)));
  const image = imageProcess();
  expect(image.cmd).toEqual(words.slice(assignments.length));
  expect(image.cmd.at(-1)).toBe('dist/worker/main.js');
  for (const a of assignments) expect(`${a.split('=')[0]}=${image.env[a.split('=')[0]]}`).toBe(a);
  // An init process, so the renderers' children are reaped and SIGTERM reaches node.
  expect(image.entrypoint).toEqual(['/usr/bin/tini', '--']);
});

test('the image\'s node satisfies package.json\'s engines, and runs as a numeric non-root user', () => {
  const nodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
  expect(semver.satisfies(nodeVersion!, pkg.engines.node)).toBe(true);
  const users = dockerfileInstructions(dockerfile).filter((i) => i.keyword === 'USER').map((i) => i.args);
  expect(users).toEqual(['10001:10001']);
});

test('kustomize, helm, jsonnet and git come at the versions scripts/versions.env pins', () => {
  for (const name of ['KUSTOMIZE_VERSION', 'HELM_VERSION', 'JSONNET_VERSION', 'IMAGE_GIT_VERSION']) {
    expect(versions[name]).toBeTruthy();
    // Read from versions.env at build time, never copied into the Dockerfile.
    expect(dockerfile).not.toContain(versions[name]);
  }
  expect(dockerfile).toMatch(/for tool in kustomize helm jsonnet; do SLUICE_CACHE=\/cache bash scripts\/build-tools\.sh "\$tool"/);
  expect(dockerfile).toContain('"git=$IMAGE_GIT_VERSION"');
});
