// The tokenizer of Go's text/template (text/template/parse/lex.go), for `{{ }}` delimiters: text between actions,
// trim markers (`{{- ` and ` -}}`), comments, and the words inside an action.

export type TokenType =
  | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'identifier' | 'keyword' | 'field' | 'variable' | 'dot'
  | 'bool' | 'nil' | 'number' | 'string' | 'rawString' | 'char' | 'pipe' | 'leftParen' | 'rightParen'
  | 'declare' | 'assign' | 'comma' | 'eof';

export interface Token {
  type: TokenType;
  value: string;
  /** Offset in the template text, for error positions. */
  pos: number;
}

export class TemplateSyntaxError extends Error {
  constructor(readonly pos: number, message: string) {
    super(message);
  }
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const LEFT = '{{';
const RIGHT = '}}';
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string) => /^[\p{L}\p{N}_]$/u.test(c);

/** Whether `{{` at `pos` opens with a trim marker: `{{-` followed by a space. */
function leftTrimAt(text: string, pos: number): boolean {
  return text[pos + 2] === '-' && isSpace(text[pos + 3] ?? '');
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let trimNextText = false;
  while (pos < text.length) {
    const open = text.indexOf(LEFT, pos);
    let chunk = text.slice(pos, open === -1 ? text.length : open);
    if (trimNextText) chunk = chunk.replace(/^[ \t\r\n]+/, '');
    if (open !== -1 && leftTrimAt(text, open)) chunk = chunk.replace(/[ \t\r\n]+$/, '');
    if (chunk) tokens.push({ type: 'text', value: chunk, pos });
    if (open === -1) break;
    const result = lexAction(text, open, tokens);
    pos = result.end;
    trimNextText = result.trimAfter;
  }
  tokens.push({ type: 'eof', value: '', pos: text.length });
  return tokens;
}

/** Lexes one action starting at its `{{`; returns where the text after its `}}` starts. */
function lexAction(text: string, open: number, tokens: Token[]): { end: number; trimAfter: boolean } {
  let pos = open + LEFT.length;
  if (leftTrimAt(text, open)) pos += 2;
  if (text.startsWith('/*', pos)) return lexComment(text, open, pos);
  tokens.push({ type: 'leftDelim', value: LEFT, pos: open });
  const parens = { depth: 0 };
  for (;;) {
    if (pos >= text.length) throw new TemplateSyntaxError(open, 'unclosed action');
    if (parens.depth > 0 && (text.startsWith(' -' + RIGHT, pos) || text.startsWith(RIGHT, pos))) throw new TemplateSyntaxError(pos, 'unclosed left paren');
    if (text.startsWith(' -' + RIGHT, pos)) {
      tokens.push({ type: 'rightDelim', value: RIGHT, pos: pos + 2 });
      return { end: pos + 2 + RIGHT.length, trimAfter: true };
    }
    if (text.startsWith(RIGHT, pos)) {
      tokens.push({ type: 'rightDelim', value: RIGHT, pos });
      return { end: pos + RIGHT.length, trimAfter: false };
    }
    pos = lexInsideAction(text, pos, parens, tokens);
  }
}

function lexComment(text: string, open: number, pos: number): { end: number; trimAfter: boolean } {
  const close = text.indexOf('*/', pos + 2);
  if (close === -1) throw new TemplateSyntaxError(open, 'unclosed comment');
  const after = close + 2;
  if (text.startsWith(' -' + RIGHT, after)) return { end: after + 2 + RIGHT.length, trimAfter: true };
  if (text.startsWith(RIGHT, after)) return { end: after + RIGHT.length, trimAfter: false };
  throw new TemplateSyntaxError(open, 'comment ends before closing delimiter');
}

const SINGLE: Record<string, TokenType> = { '|': 'pipe', '(': 'leftParen', ')': 'rightParen', ',': 'comma', '=': 'assign' };

/** Lexes one word inside an action; returns the position after it. */
function lexInsideAction(text: string, pos: number, parens: { depth: number }, tokens: Token[]): number {
  const c = text[pos];
  const push = (type: TokenType, end: number) => {
    tokens.push({ type, value: text.slice(pos, end), pos });
    return end;
  };
  if (isSpace(c)) {
    let end = pos;
    while (end < text.length && isSpace(text[end]) && !text.startsWith(' -' + RIGHT, end)) end++;
    return push('space', end === pos ? pos + 1 : end);
  }
  if (c === ':') {
    if (text[pos + 1] !== '=') throw new TemplateSyntaxError(pos, 'expected :=');
    return push('declare', pos + 2);
  }
  if (c === '(') parens.depth++;
  if (c === ')' && --parens.depth < 0) throw new TemplateSyntaxError(pos, `unexpected right paren ${describeChar(c)}`);
  if (SINGLE[c]) return push(SINGLE[c], pos + 1);
  if (c === '"') return push('string', quotedEnd(text, pos, '"', 'unterminated quoted string'));
  if (c === "'") return push('char', quotedEnd(text, pos, "'", 'unterminated character constant'));
  if (c === '`') {
    const close = text.indexOf('`', pos + 1);
    if (close === -1) throw new TemplateSyntaxError(pos, 'unterminated raw quoted string');
    return push('rawString', close + 1);
  }
  if (c === '$') return checkTerminator(text, push('variable', wordEnd(text, pos + 1)));
  if (c === '.') {
    if (/[0-9]/.test(text[pos + 1] ?? '')) return checkTerminator(text, push('number', numberEnd(text, pos)));
    const end = wordEnd(text, pos + 1);
    return checkTerminator(text, push(end === pos + 1 ? 'dot' : 'field', end));
  }
  if (/[0-9+-]/.test(c)) return checkTerminator(text, push('number', numberEnd(text, pos)));
  if (isAlphaNumeric(c)) {
    const end = wordEnd(text, pos);
    const word = text.slice(pos, end);
    const type: TokenType = KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier';
    return checkTerminator(text, push(type, end));
  }
  throw new TemplateSyntaxError(pos, `unexpected ${describeChar(c)} in command`);
}

function wordEnd(text: string, pos: number): number {
  while (pos < text.length && isAlphaNumeric(text[pos])) pos++;
  return pos;
}

function numberEnd(text: string, pos: number): number {
  const match = /^[+-]?(0[xX][0-9a-fA-F_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(text.slice(pos));
  const end = pos + (match ? match[0].length : 0);
  if (end === pos || /^[+-]?$/.test(text.slice(pos, end)) || isAlphaNumeric(text[end] ?? ' ')) {
    throw new TemplateSyntaxError(pos, `bad number syntax: "${text.slice(pos, Math.max(end, pos + 1))}"`);
  }
  return end;
}

function quotedEnd(text: string, pos: number, quote: string, unterminated: string): number {
  for (let i = pos + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '\n') break;
    else if (text[i] === quote) return i + 1;
  }
  throw new TemplateSyntaxError(pos, unterminated);
}

/** Go requires a word to be followed by a space, a delimiter, or punctuation that can follow a word. */
function checkTerminator(text: string, end: number): number {
  const c = text[end] ?? '';
  if (c === '' || isSpace(c) || '.,|:()='.includes(c) || text.startsWith(RIGHT, end)) return end;
  throw new TemplateSyntaxError(end, `bad character ${describeChar(c)}`);
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}
