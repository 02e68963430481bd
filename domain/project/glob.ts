// The glob dialect of Argo CD's AppProject fields (github.com/gobwas/glob, as util/glob uses it): `*` is any run
// of characters except a separator, `**` any run at all, `?` one character but a separator, `[abc]`/`[!abc]`/
// `[a-z]` classes and `{a,b}` alternatives. sourceRepos compile with '/' as the separator; destinations, kinds'
// namespaces and sourceNamespaces with none, so there `*` crosses '/' (a server URL matches `https://*`).

export class ProjectGlobError extends Error {}

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

const compiled = new Map<string, RegExp>();

export function projectGlob(pattern: string, separator?: '/'): RegExp {
  const key = `${separator ?? ''}\u0000${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = compile(pattern, separator);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

function compile(pattern: string, separator?: '/'): RegExp {
  const any = separator ? '[^/]' : '[\\s\\S]';
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      out += '[\\s\\S]*';
      while (pattern[i + 1] === '*') i++;
    } else if (c === '*') {
      out += `${any}*`;
    } else if (c === '?') {
      out += any;
    } else if (c === '\\') {
      if (i + 1 === pattern.length) throw new ProjectGlobError(`${JSON.stringify(pattern)}: ends with an escape`);
      out += escapeRegExp(pattern[++i]);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new ProjectGlobError(`${JSON.stringify(pattern)}: unclosed [`);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\]\\^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else {
      out += escapeRegExp(c);
    }
  }
  if (braces > 0) throw new ProjectGlobError(`${JSON.stringify(pattern)}: unclosed {`);
  return new RegExp(`^${out}$`);
}

/** Whether `value` matches `pattern` (`*` alone matches everything, as in Argo CD's globMatch). */
export function globMatches(pattern: string | undefined, value: string, separator?: '/'): boolean {
  if (pattern === undefined) return false;
  if (pattern === '*') return true;
  return projectGlob(pattern, separator).test(value);
}

/**
 * Argo CD's globMatch with negation allowed: a pattern `!p` "matches" every value that p does not match. The
 * callers read a failed match of a `!` pattern as a deny.
 */
export function globMatchesAllowingNegation(pattern: string | undefined, value: string, separator?: '/'): boolean {
  if (pattern?.startsWith('!')) return !globMatches(pattern.slice(1), value, separator);
  return globMatches(pattern, value, separator);
}

export const isDenyPattern = (pattern: string | undefined): boolean => !!pattern?.startsWith('!');
