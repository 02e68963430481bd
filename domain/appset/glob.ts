// The two glob dialects of Argo CD's git generator, compiled to regular expressions:
// - directories use Go's path.Match: `*` and `?` never cross '/', `[...]` (negated with `^`), `\` escapes;
//   there is no `**` (it is two `*`, still within one path segment);
// - files use doublestar, the "new git file globbing" Argo CD offers as an option (Generators-Git-File-Globbing.md):
//   the same, plus `**` as a whole segment for any number of directories, `[!...]` and `{a,b}` alternatives.
//   Sluice does not reproduce the default `git ls-files` matching, where `*` crosses directories.

export class GlobSyntaxError extends Error {}

export type GlobDialect = 'path.Match' | 'doublestar';

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function globToRegExp(pattern: string, dialect: GlobDialect): RegExp {
  const doublestar = dialect === 'doublestar';
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const atSegmentStart = i === 0 || pattern[i - 1] === '/';
    if (c === '*' && doublestar && pattern[i + 1] === '*' && atSegmentStart && (i + 2 === pattern.length || pattern[i + 2] === '/')) {
      // `**/` is zero or more directories; a trailing `**` is everything below (and the directory itself).
      if (i + 2 === pattern.length) {
        out = out.endsWith('/') ? `${out.slice(0, -1)}(?:/.*)?` : `${out}.*`;
        i += 1;
      } else {
        out += '(?:[^/]*/)*';
        i += 2;
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '\\') {
      if (i + 1 === pattern.length) throw new GlobSyntaxError(`${JSON.stringify(pattern)}: ends with an escape`);
      out += escapeRegExp(pattern[++i]);
    } else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) throw new GlobSyntaxError(`${JSON.stringify(pattern)}: unclosed [`);
      let body = pattern.slice(i + 1, end);
      let negate = false;
      if (body.startsWith('^') || (doublestar && body.startsWith('!'))) {
        negate = true;
        body = body.slice(1);
      }
      if (body === '') throw new GlobSyntaxError(`${JSON.stringify(pattern)}: empty character class`);
      out += `[${negate ? '^/' : ''}${body.replace(/\\(.)/g, '$1').replace(/[\]\\^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{' && doublestar) {
      braces++;
      out += '(?:';
    } else if (c === ',' && doublestar && braces > 0) {
      out += '|';
    } else if (c === '}' && doublestar && braces > 0) {
      braces--;
      out += ')';
    } else {
      out += escapeRegExp(c);
    }
  }
  if (braces > 0) throw new GlobSyntaxError(`${JSON.stringify(pattern)}: unclosed {`);
  return new RegExp(`^${out}$`);
}

function classEnd(pattern: string, open: number): number {
  for (let j = open + 1; j < pattern.length; j++) {
    if (pattern[j] === '\\') j++;
    else if (pattern[j] === ']') return j;
  }
  return -1;
}
