// `sluice completion bash`: the generated script, sourced in a real bash, completes from the commander program.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { program } from '../../../client/cli';
import { bashCompletion, zshCompletion } from '../../../client/completion';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-completion-'));
const script = path.join(dir, 'sluice.bash');
fs.writeFileSync(script, bashCompletion(program()));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What bash offers for the command line `words`, the cursor on the last word (an empty one: after a space). */
function complete(...words: string[]): string[] {
  const line = ['sluice', ...words];
  const quoted = line.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=${line.length - 1}; _sluice; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(`bash failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test.each([
  ['the top-level commands', [''], ['app', 'appset', 'cluster', 'completion', 'version']],
  ['app subcommands by prefix', ['app', 'r'], ['refresh', 'reject', 'rollback']],
  ['app subcommands after global options, whose values are not commands', ['--temporal-address', '127.0.0.1:7233', '--context', 'cluster', 'app', 'd'], ['delete', 'diff']],
  ['the options of app sync', ['app', 'sync', 'web', '--t'], ['--timeout']],
  ['the values -o takes for app get, wide included', ['app', 'get', 'web', '-o', ''], ['json', 'table', 'wide', 'yaml']],
  ['the values -o takes for app list', ['app', 'list', '--output', ''], ['json', 'table', 'yaml']],
  ['nothing after an option that takes a free value', ['app', 'sync', 'web', '--revision', ''], []],
  ['files after -f', ['app', 'create', '-f', 'sluice.b'], ['sluice.bash']],
  ['the shells', ['completion', ''], ['bash', 'zsh']],
])('bash completes %s', (_what, words, expected) => {
  expect(complete(...words)).toEqual(expected);
});

test('a command added to the program is completed without touching the generator', () => {
  const p = program();
  p.commands.find((c) => c.name() === 'app')!.command('brand-new');
  const file = path.join(dir, 'extended.bash');
  fs.writeFileSync(file, bashCompletion(p));
  const r = spawnSync('bash', ['--norc', '-c', `source '${file}'; COMP_WORDS=(sluice app bra); COMP_CWORD=2; _sluice; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  expect(r.stdout.trim()).toBe('brand-new');
});

test('the zsh script defines the same lookups and registers with compdef', () => {
  const zsh = zshCompletion(program());
  expect(zsh.startsWith('#compdef sluice')).toBe(true);
  expect(zsh).toContain('"app") echo "list get diff sync');
  expect(zsh).toContain('compdef _sluice sluice');
  // zsh's own `path` is tied to PATH: the script must never assign it.
  expect(zsh).not.toMatch(/\bpath=/);
});

// zsh is not on every machine: where it is, the script is run as zsh runs it, compadd standing in for the widget.
const zsh = spawnSync('zsh', ['--version']).status === 0;
(zsh ? test : test.skip)('zsh completes from the same lookups', () => {
  const file = path.join(dir, 'sluice.zsh');
  fs.writeFileSync(file, zshCompletion(program()));
  const offered = (words: string[]) => {
    const line = ['sluice', ...words].map((w) => `'${w}'`).join(' ');
    const r = spawnSync('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -D; source '${file}'; compadd() { [[ $1 == -- ]] && shift; print -r -- "$*"; }; _files() { print FILES; }; words=(${line}); CURRENT=${words.length + 1}; _sluice`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`zsh failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  expect(offered(['app', 'r']).split(' ')).toEqual(expect.arrayContaining(['refresh', 'reject', 'rollback']));
  expect(offered(['--context', 'cluster', 'app', 'get', 'web', '-o', ''])).toBe('table wide json yaml');
  expect(offered(['app', 'create', '-f', ''])).toBe('FILES');
  expect(offered(['completion', ''])).toBe('bash zsh');
});
