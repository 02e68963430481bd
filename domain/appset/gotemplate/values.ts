// Go values as the template engine sees them, and Go's fmt rendering of them. Parameters are JSON, so a JS number
// is Go's float64 (what encoding/json gives Argo CD), a bigint is Go's int (literals, len, range indexes), null
// is a nil interface{}, arrays are []interface{} and plain objects map[string]interface{}. MISSING is Go's
// invalid reflect.Value: a map key that is not there, printed as "<no value>".
export const MISSING: unique symbol = Symbol('no value');
export type GoValue = unknown;

export const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function goTypeName(value: unknown): string {
  if (value === null) return 'interface {}';
  if (Array.isArray(value)) return value.every((item) => typeof item === 'string') && value.length > 0 ? '[]string' : '[]interface {}';
  switch (typeof value) {
    case 'string': return 'string';
    case 'number': return 'float64';
    case 'bigint': return 'int';
    case 'boolean': return 'bool';
    case 'object': return 'map[string]interface {}';
  }
  return 'invalid';
}

/** Go's template truth: not the zero value of its type. */
export function isTrue(value: unknown): boolean {
  if (value === MISSING || value === null || value === undefined) return false;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  return value === true;
}

/** strconv.FormatFloat(v, 'g', -1, 64), which is what fmt's %v prints for a float64. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** fmt's %v. */
export function formatValue(value: unknown): string {
  if (value === MISSING) return '<no value>';
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return formatFloat(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(' ')}]`;
  if (isMap(value)) return `map[${Object.keys(value).sort().map((key) => `${key}:${formatValue(value[key])}`).join(' ')}]`;
  return String(value);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg);
  });
  return out;
}

export const sprintln = (args: unknown[]): string => `${args.map(formatValue).join(' ')}\n`;

const NAMED_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\' };

/** strconv.Quote (and QuoteRune with `'`). */
export function goQuote(text: string, quote = '"'): string {
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === quote) out += `\\${quote}`;
    else if (NAMED_ESCAPES[char]) out += NAMED_ESCAPES[char];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (/[\p{C}\p{Zl}\p{Zp}]/u.test(char)) out += code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return out + quote;
}

/** fmt.Sprintf for the verbs templates use: %v %s %d %q %t %x %X %f %%, with flags `-` `0` `+` and a width. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let next = 0;
  const verb = /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/y;
  for (let i = 0; i < format.length;) {
    if (format[i] !== '%') {
      out += format[i++];
      continue;
    }
    verb.lastIndex = i;
    const match = verb.exec(format);
    if (!match) {
      out += '%!(NOVERB)';
      break;
    }
    i = verb.lastIndex;
    const [, flags, width, precision, letter] = match;
    if (letter === '%') {
      out += '%';
      continue;
    }
    if (next >= args.length) {
      out += `%!${letter}(MISSING)`;
      continue;
    }
    const text = formatVerb(letter, args[next++], precision === undefined ? undefined : Number(precision), flags.includes('+'));
    out += pad(text, width ? Number(width) : 0, flags);
  }
  if (next < args.length) out += `%!(EXTRA ${args.slice(next).map((arg) => `${goTypeName(arg)}=${formatValue(arg)}`).join(', ')})`;
  return out;
}

function pad(text: string, width: number, flags: string): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0') && /^[+-]?[0-9]/.test(text)) {
    const sign = /^[+-]/.test(text) ? text[0] : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}

function formatVerb(letter: string, arg: unknown, precision: number | undefined, plus: boolean): string {
  const bad = () => (arg === null ? `%!${letter}(<nil>)` : `%!${letter}(${goTypeName(arg)}=${formatValue(arg)})`);
  if (Array.isArray(arg) && letter !== 'v') return `[${arg.map((item) => formatVerb(letter, item, precision, plus)).join(' ')}]`;
  switch (letter) {
    case 'v': return formatValue(arg);
    case 's': return typeof arg === 'string' ? (precision === undefined ? arg : [...arg].slice(0, precision).join('')) : isMap(arg) ? formatValue(arg) : bad();
    case 'q':
      if (typeof arg === 'string') return goQuote(arg);
      if (typeof arg === 'bigint') return goQuote(String.fromCodePoint(Number(arg)), "'");
      return bad();
    case 'd': return typeof arg === 'bigint' ? (plus && arg >= 0n ? '+' : '') + arg.toString() : bad();
    case 't': return typeof arg === 'boolean' ? String(arg) : bad();
    case 'x': case 'X': {
      const hex = typeof arg === 'bigint' ? arg.toString(16) : typeof arg === 'string' ? [...new TextEncoder().encode(arg)].map((b) => b.toString(16).padStart(2, '0')).join('') : undefined;
      if (hex === undefined) return bad();
      return letter === 'X' ? hex.toUpperCase() : hex;
    }
    case 'f': return typeof arg === 'number' ? arg.toFixed(precision ?? 6) : bad();
  }
  return `%!${letter}(${goTypeName(arg)}=${formatValue(arg)})`;
}
