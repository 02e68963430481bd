// Files named by the spec are read only from inside the checkout; a symlink is judged by where it really points.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveRepoFile } from '../../../activities/render/repo-paths';
import { InputError } from '../../../domain/errors';

let work: string;
let root: string;
beforeAll(() => {
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-paths-')));
  root = path.join(work, 'repo');
  fs.mkdirSync(path.join(root, 'chart'), { recursive: true });
  fs.writeFileSync(path.join(root, 'values.yaml'), 'a: 1\n');
  fs.writeFileSync(path.join(work, 'secret.yaml'), 'token: x\n');
  fs.symlinkSync('../values.yaml', path.join(root, 'chart', 'inside.yaml'));
  fs.symlinkSync('../../secret.yaml', path.join(root, 'chart', 'escape.yaml'));
  fs.symlinkSync('/etc', path.join(root, 'chart', 'etc'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const where = { appPath: 'chart', field: 'spec.source.helm.valueFiles[0]' };

test.each([
  ['../values.yaml', 'values.yaml'],
  ['/values.yaml', 'values.yaml'],
  ['inside.yaml', 'values.yaml'],
])('%s is read from %s in the repository', async (file, expected) => {
  expect(await resolveRepoFile(root, path.join(root, 'chart'), file, where)).toBe(path.join(root, expected));
});

test.each([
  ['escape.yaml', /resolves \(through a symlink\) outside the repository/],
  ['etc/passwd', /resolves \(through a symlink\) outside the repository/],
  ['../../secret.yaml', /is outside the repository/],
  ['s3://bucket/values.yaml', /is a URL/],
  ['missing.yaml', /does not exist in the repository/],
  ['.', /is not a file/],
])('%s is refused', async (file, why) => {
  const error = await resolveRepoFile(root, path.join(root, 'chart'), file, where).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect(error).toMatchObject({ field: 'spec.source.helm.valueFiles[0]', file: 'chart', message: expect.stringMatching(why) });
});
