// The parser of Go's text/template (text/template/parse/parse.go): tokens to a tree of text, actions and the
// control structures if / else if / else, range (with break and continue) and with. `define`, `template` and
// `block` are refused: an ApplicationSet field is one template, never a set of named ones.
import { TemplateSyntaxError, Token, TokenType, tokenize } from './lex';

export type Node = TextNode | ActionNode | IfNode | RangeNode | WithNode | BreakNode | ContinueNode;
export interface TextNode { kind: 'text'; text: string }
export interface ActionNode { kind: 'action'; pos: number; pipe: Pipe }
export interface IfNode { kind: 'if'; pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
export interface WithNode { kind: 'with'; pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
export interface RangeNode { kind: 'range'; pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
export interface BreakNode { kind: 'break'; pos: number }
export interface ContinueNode { kind: 'continue'; pos: number }

export interface Pipe { pos: number; source: string; decl: string[]; isAssign: boolean; cmds: Command[] }
export interface Command { pos: number; source: string; args: Operand[] }

export type Operand =
  | { kind: 'field'; pos: number; source: string; idents: string[] }
  | { kind: 'variable'; pos: number; source: string; name: string; idents: string[] }
  | { kind: 'chain'; pos: number; source: string; node: Operand; idents: string[] }
  | { kind: 'identifier'; pos: number; source: string; name: string }
  | { kind: 'dot'; pos: number; source: string }
  | { kind: 'nil'; pos: number; source: string }
  | { kind: 'bool'; pos: number; source: string; value: boolean }
  | { kind: 'number'; pos: number; source: string; int?: bigint; float?: number }
  | { kind: 'string'; pos: number; source: string; value: string }
  | { kind: 'pipe'; pos: number; source: string; pipe: Pipe };

type EndKeyword = 'end' | 'else';

class Parser {
  private index = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(private readonly text: string, private readonly tokens: Token[], private readonly isFunction: (name: string) => boolean) {}

  parseTemplate(): Node[] {
    const { nodes, end } = this.itemList(false);
    if (end) throw new TemplateSyntaxError(end.pos, `unexpected {{${end.value}}}`);
    return nodes;
  }

  /** Nodes up to {{end}} or {{else}} (returned as `end`), or to EOF when `inside` is false. */
  private itemList(inside: boolean): { nodes: Node[]; end?: { value: EndKeyword; pos: number } } {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.type === 'eof') {
        if (inside) throw new TemplateSyntaxError(token.pos, 'unexpected EOF');
        return { nodes };
      }
      if (token.type === 'text') {
        nodes.push({ kind: 'text', text: token.value });
        continue;
      }
      const keyword = this.peekNonSpace();
      if (keyword.type === 'keyword' && (keyword.value === 'end' || keyword.value === 'else')) {
        this.nextNonSpace();
        if (keyword.value === 'end') this.expect('rightDelim', 'end');
        return { nodes, end: { value: keyword.value, pos: keyword.pos } };
      }
      nodes.push(this.action());
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    if (token.type === 'keyword') {
      switch (token.value) {
        case 'if': case 'with': case 'range': return this.control(token.value, token.pos);
        case 'break': case 'continue': {
          if (this.rangeDepth === 0) throw new TemplateSyntaxError(token.pos, `{{${token.value}}} outside {{range}}`);
          this.expect('rightDelim', token.value);
          return { kind: token.value, pos: token.pos };
        }
        default: throw new TemplateSyntaxError(token.pos, `{{${token.value}}} is not supported in an ApplicationSet template`);
      }
    }
    this.backup();
    return { kind: 'action', pos: token.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private control(kind: 'if' | 'with' | 'range', pos: number): IfNode | WithNode | RangeNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const { nodes: list, end } = this.itemList(true);
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (end?.value === 'else') {
      const next = this.peekNonSpace();
      // {{else if x}} (and {{else with x}}) is an else holding one more control that shares this {{end}}.
      if ((kind === 'if' || kind === 'with') && next.type === 'keyword' && next.value === kind) {
        this.nextNonSpace();
        elseList = [this.control(kind, next.pos)];
      } else {
        this.expect('rightDelim', 'else');
        const rest = this.itemList(true);
        if (rest.end?.value !== 'end') throw new TemplateSyntaxError(rest.end?.pos ?? pos, 'expected end; found {{else}}');
        elseList = rest.nodes;
      }
    }
    this.vars.length = mark;
    return { kind, pos, pipe, list, elseList } as IfNode | WithNode | RangeNode;
  }

  private pipeline(context: string, end: TokenType): Pipe {
    const start = this.peekNonSpace();
    const pipe: Pipe = { pos: start.pos, source: '', decl: [], isAssign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        if (pipe.cmds.length === 0) throw new TemplateSyntaxError(token.pos, `missing value for ${context}`);
        pipe.cmds.slice(1).forEach((cmd, i) => {
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(cmd.args[0].kind)) {
            throw new TemplateSyntaxError(cmd.pos, `non executable command in pipeline stage ${i + 2}`);
          }
        });
        pipe.source = this.text.slice(start.pos, token.pos).trim();
        return pipe;
      }
      if (['bool', 'char', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(token.type)) {
        this.backup();
        pipe.cmds.push(this.command(context));
      } else {
        throw this.unexpected(token, context);
      }
    }
  }

  /** `$x :=`, `$x =`, and for range `$i, $v :=`. */
  private declarations(pipe: Pipe, context: string): void {
    const save = this.index;
    const first = this.nextNonSpace();
    if (first.type !== 'variable') return void (this.index = save);
    const names = [first.value];
    let next = this.nextNonSpace();
    if (next.type === 'comma' && context === 'range') {
      const second = this.nextNonSpace();
      if (second.type !== 'variable') throw new TemplateSyntaxError(second.pos, `range can only initialize variables`);
      names.push(second.value);
      next = this.nextNonSpace();
      if (next.type !== 'declare' && next.type !== 'assign') throw new TemplateSyntaxError(next.pos, 'expected := or = after range variables');
    }
    if (next.type !== 'declare' && next.type !== 'assign') return void (this.index = save);
    pipe.isAssign = next.type === 'assign';
    for (const name of names) {
      if (pipe.isAssign) this.checkVariable(name, first.pos);
      else this.vars.push(name);
    }
    pipe.decl = names;
  }

  private command(context: string): Command {
    const start = this.peekNonSpace();
    const cmd: Command = { pos: start.pos, source: '', args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup();
      else if (token.type === 'pipe') {
        const after = this.peekNonSpace();
        if (after.type === 'rightDelim' || after.type === 'rightParen') throw new TemplateSyntaxError(after.pos, 'missing command after |');
      } else throw this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) throw new TemplateSyntaxError(start.pos, `empty command in ${context}`);
    const last = cmd.args[cmd.args.length - 1];
    cmd.source = this.text.slice(start.pos, last.pos + last.source.length);
    return cmd;
  }

  private operand(): Operand | undefined {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const idents: string[] = [];
    while (this.peek().type === 'field') idents.push(this.next().value.slice(1));
    const source = this.text.slice(node.pos, this.tokens[this.index - 1].pos + this.tokens[this.index - 1].value.length);
    switch (node.kind) {
      case 'field': return { ...node, source, idents: [...node.idents, ...idents] };
      case 'variable': return { ...node, source, idents: [...node.idents, ...idents] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        throw new TemplateSyntaxError(node.pos, `unexpected . after term "${node.source}"`);
      default: return { kind: 'chain', pos: node.pos, source, node, idents };
    }
  }

  private term(): Operand | undefined {
    const token = this.nextNonSpace();
    const base = { pos: token.pos, source: token.value };
    switch (token.type) {
      case 'identifier':
        if (!this.isFunction(token.value)) throw new TemplateSyntaxError(token.pos, `function "${token.value}" not defined`);
        return { ...base, kind: 'identifier', name: token.value };
      case 'dot': return { ...base, kind: 'dot' };
      case 'nil': return { ...base, kind: 'nil' };
      case 'variable':
        this.checkVariable(token.value, token.pos);
        return { ...base, kind: 'variable', name: token.value, idents: [] };
      case 'field': return { ...base, kind: 'field', idents: [token.value.slice(1)] };
      case 'bool': return { ...base, kind: 'bool', value: token.value === 'true' };
      case 'char': return { ...base, kind: 'number', int: BigInt(unquote(token).codePointAt(0) ?? 0) };
      case 'number': return { ...base, kind: 'number', ...parseNumber(token) };
      case 'string': case 'rawString': return { ...base, kind: 'string', value: unquote(token) };
      case 'leftParen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        return { kind: 'pipe', pos: token.pos, source: this.text.slice(token.pos, this.tokens[this.index - 1].pos + 1), pipe };
      }
    }
    this.backup();
    return undefined;
  }

  private checkVariable(name: string, pos: number): void {
    if (!this.vars.includes(name)) throw new TemplateSyntaxError(pos, `undefined variable "${name}"`);
  }

  private unexpected(token: Token, context: string): TemplateSyntaxError {
    const what = token.type === 'rightDelim' ? '"}}"' : token.type === 'eof' ? 'EOF' : `"${token.value}"`;
    return new TemplateSyntaxError(token.pos, `unexpected ${what} in ${context}`);
  }

  private expect(type: TokenType, context: string): Token {
    const token = this.nextNonSpace();
    if (token.type !== type) throw this.unexpected(token, context);
    return token;
  }

  private next(): Token { return this.tokens[this.index++] ?? this.tokens[this.tokens.length - 1]; }
  private backup(): void { this.index--; }
  private peek(): Token { return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]; }
  private nextNonSpace(): Token {
    let token = this.next();
    while (token.type === 'space') token = this.next();
    return token;
  }
  private peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }
}

function parseNumber(token: Token): { int?: bigint; float?: number } {
  const text = token.value.replace(/_/g, '');
  const isFloat = !/^[+-]?0[xX]/.test(text) && /[.eE]/.test(text);
  if (isFloat) return { float: Number(text) };
  const negative = text.startsWith('-');
  const magnitude = BigInt(text.replace(/^[+-]/, ''));
  return { int: negative ? -magnitude : magnitude };
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

function unquote(token: Token): string {
  if (token.type === 'rawString') return token.value.slice(1, -1).replace(/\r/g, '');
  const body = token.value.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (all, escape: string) => {
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    if (/^[0-7]{3}$/.test(escape)) return String.fromCodePoint(parseInt(escape, 8));
    const replaced = ESCAPES[escape];
    if (replaced === undefined) throw new TemplateSyntaxError(token.pos, `invalid syntax: ${token.value}`);
    return replaced;
  });
}

export function parse(text: string, isFunction: (name: string) => boolean): Node[] {
  return new Parser(text, tokenize(text), isFunction).parseTemplate();
}
