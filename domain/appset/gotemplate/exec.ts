// The executor of Go's text/template (text/template/exec.go) over JSON parameters: walks the parsed tree,
// evaluates pipelines, fields, variables and function calls with Go's rules for missing keys, truth and printing.
import { BUILTINS, FunctionError, ParamKind, TemplateFunction } from './builtins';
import { Command, Node, Operand, Pipe } from './parse';
import { SPRIG } from './sprig';
import { MISSING, formatValue, goTypeName, isMap, isTrue } from './values';

export type MissingKey = 'default' | 'zero' | 'error';

export const FUNCTIONS: Record<string, TemplateFunction> = { ...SPRIG, ...BUILTINS };

/** An execution error, located at the node Go would name: `template: :1:3: executing "" at <.envv>: ...`. */
export class TemplateExecError extends Error {
  constructor(readonly pos: number, readonly context: string, message: string) {
    super(message);
  }
}

class BreakSignal {}
class ContinueSignal {}

interface Variable { name: string; value: unknown }

export class Executor {
  private vars: Variable[] = [];
  private out = '';
  private at: { pos: number; source: string } = { pos: 0, source: '' };

  constructor(private readonly missingKey: MissingKey) {}

  execute(nodes: Node[], data: unknown): string {
    this.vars = [{ name: '$', value: data }];
    this.out = '';
    this.walkList(nodes, data);
    return this.out;
  }

  private fail(message: string): never {
    throw new TemplateExecError(this.at.pos, this.at.source, message);
  }

  private walkList(nodes: Node[], dot: unknown): void {
    for (const node of nodes) this.walk(node, dot);
  }

  private walk(node: Node, dot: unknown): void {
    switch (node.kind) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out += formatValue(value);
        return;
      }
      case 'if': case 'with': {
        const mark = this.vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        if (isTrue(value)) this.walkList(node.list, node.kind === 'with' ? value : dot);
        else if (node.elseList) this.walkList(node.elseList, dot);
        this.vars.length = mark;
        return;
      }
      case 'range': return this.walkRange(node.pipe, node.list, node.elseList, dot);
      case 'break': throw new BreakSignal();
      case 'continue': throw new ContinueSignal();
    }
  }

  private walkRange(pipe: Pipe, list: Node[], elseList: Node[] | undefined, dot: unknown): void {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, pipe);
    const bodyMark = this.vars.length;
    let entries: Array<[unknown, unknown]>;
    if (Array.isArray(value)) entries = value.map((item, i) => [BigInt(i), item]);
    else if (isMap(value)) entries = Object.keys(value).sort().map((key) => [key, value[key]]);
    else if (value === MISSING) entries = [];
    else if (typeof value === 'bigint') entries = Array.from({ length: Math.max(0, Number(value)) }, (_, i) => [BigInt(i), BigInt(i)]);
    else this.fail(`range can't iterate over ${formatValue(value)}`);
    for (const [key, item] of entries) {
      // The last declared variable is the element, the one before it the index or key.
      if (pipe.decl.length > 0) this.vars[this.vars.length - 1].value = item;
      if (pipe.decl.length > 1) this.vars[this.vars.length - 2].value = key;
      try {
        this.walkList(list, item);
      } catch (signal) {
        if (signal instanceof BreakSignal) break;
        if (!(signal instanceof ContinueSignal)) throw signal;
      } finally {
        this.vars.length = bodyMark;
      }
    }
    if (entries.length === 0 && elseList) this.walkList(elseList, dot);
    this.vars.length = mark;
  }

  private evalPipeline(dot: unknown, pipe: Pipe): unknown {
    this.at = { pos: pipe.pos, source: pipe.source };
    let value: unknown = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go digs an interface{} down to what it holds; a nil interface{} becomes "no value".
      if (value === null) value = MISSING;
    }
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.fail(`undefined variable: ${name}`);
  }

  private evalCommand(dot: unknown, cmd: Command, final: unknown): unknown {
    const first = cmd.args[0];
    this.at = first;
    switch (first.kind) {
      case 'field': return this.evalFieldChain(dot, first.idents, cmd.args, final);
      case 'chain': return this.evalFieldChain(this.evalArg(dot, 'any', first.node, true), first.idents, cmd.args, final);
      case 'variable': {
        const value = this.varValue(first.name);
        if (first.idents.length === 0) {
          this.notAFunction(cmd, final);
          return value;
        }
        return this.evalFieldChain(value, first.idents, cmd.args, final);
      }
      case 'identifier': return this.evalCall(dot, first.name, cmd, final);
      case 'pipe':
        this.notAFunction(cmd, final);
        return this.evalPipeline(dot, first.pipe);
    }
    this.notAFunction(cmd, final);
    switch (first.kind) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': return this.fail('nil is not a command');
      case 'number': return first.int ?? first.float;
      case 'string': return first.value;
    }
  }

  private notAFunction(cmd: Command, final: unknown): void {
    if (cmd.args.length > 1 || final !== NO_FINAL) this.fail(`can't give argument to non-function ${cmd.args[0].source}`);
  }

  private evalFieldChain(receiver: unknown, idents: string[], args: Operand[], final: unknown): unknown {
    for (const [i, ident] of idents.entries()) {
      const hasArgs = i === idents.length - 1 && (args.length > 1 || final !== NO_FINAL);
      receiver = this.evalField(ident, receiver, hasArgs);
    }
    return receiver;
  }

  private evalField(name: string, receiver: unknown, hasArgs: boolean): unknown {
    if (receiver === MISSING) {
      if (this.missingKey === 'error') this.fail(`nil data; no entry for key "${name}"`);
      return MISSING;
    }
    if (receiver === null) this.fail(`nil pointer evaluating interface {}.${name}`);
    if (!isMap(receiver)) this.fail(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    if (hasArgs) this.fail(`${name} is not a method but has arguments`);
    if (Object.prototype.hasOwnProperty.call(receiver, name)) return receiver[name];
    if (this.missingKey === 'error') this.fail(`map has no entry for key "${name}"`);
    return this.missingKey === 'zero' ? null : MISSING;
  }

  private evalCall(dot: unknown, name: string, cmd: Command, final: unknown): unknown {
    const fn = FUNCTIONS[name];
    const args = cmd.args.slice(1);
    const count = args.length + (final !== NO_FINAL ? 1 : 0);
    if (fn.variadic ? count < fn.params.length : count !== fn.params.length) {
      this.fail(`wrong number of args for ${name}: want ${fn.variadic ? 'at least ' : ''}${fn.params.length} got ${count}`);
    }
    const kindAt = (i: number): ParamKind => fn.params[i] ?? fn.variadic ?? 'any';
    if (fn.lazy) return this.evalLazy(dot, name, args, final);
    const values = args.map((arg, i) => this.evalArg(dot, kindAt(i), arg));
    if (final !== NO_FINAL) values.push(this.validate(final, kindAt(args.length)));
    this.at = cmd;
    try {
      return (fn.fn as (...values: unknown[]) => unknown)(...values);
    } catch (error) {
      if (error instanceof FunctionError) this.fail(`error calling ${name}: ${error.message}`);
      throw error;
    }
  }

  /** `and` and `or` stop at the first argument that decides the result, and return that argument. */
  private evalLazy(dot: unknown, name: string, args: Operand[], final: unknown): unknown {
    const thunks: Array<() => unknown> = args.map((arg) => () => this.evalArg(dot, 'value', arg));
    if (final !== NO_FINAL) thunks.push(() => final);
    let value: unknown = MISSING;
    for (const thunk of thunks) {
      value = thunk();
      if (isTrue(value) === (name === 'or')) return value;
    }
    return value;
  }

  private evalArg(dot: unknown, kind: ParamKind, arg: Operand, untyped = false): unknown {
    this.at = arg;
    switch (arg.kind) {
      case 'dot': return this.validate(dot, kind);
      case 'nil':
        if (kind === 'any' || kind === 'value') return null;
        return this.fail(`cannot assign nil to ${kind}`);
      case 'field': return this.validate(this.evalFieldChain(dot, arg.idents, [arg], NO_FINAL), kind, untyped);
      case 'variable': {
        const value = this.varValue(arg.name);
        return this.validate(arg.idents.length ? this.evalFieldChain(value, arg.idents, [arg], NO_FINAL) : value, kind, untyped);
      }
      case 'pipe': return this.validate(this.evalPipeline(dot, arg.pipe), kind, untyped);
      case 'identifier': return this.validate(this.evalCall(dot, arg.name, { pos: arg.pos, source: arg.source, args: [arg] }, NO_FINAL), kind, untyped);
      case 'chain': return this.validate(this.evalFieldChain(this.evalArg(dot, 'any', arg.node, true), arg.idents, [arg], NO_FINAL), kind, untyped);
    }
    // A literal must already be of the parameter's type: Go does not convert "3" to 3 or 3 to "3".
    const literal = arg.kind === 'number' ? arg.int ?? arg.float : arg.value;
    const expected = { string: 'string', int: 'bigint', bool: 'boolean' }[kind as 'string'];
    if (expected && typeof literal !== expected) this.fail(`expected ${kind === 'int' ? 'integer' : kind}; found ${arg.source}`);
    return literal;
  }

  /** Go's validateType: a missing value becomes nil where nil is allowed; otherwise the type must match. */
  private validate(value: unknown, kind: ParamKind, untyped = false): unknown {
    if (value === MISSING) {
      if (kind === 'value' || untyped) return MISSING;
      if (kind === 'any') return null;
      return this.fail(`invalid value; expected ${kind}`);
    }
    if (kind === 'value') return value === null ? MISSING : value;
    const expected = { string: 'string', int: 'bigint', bool: 'boolean' }[kind as 'string'];
    if (expected && (value === null || typeof value !== expected)) {
      this.fail(`wrong type for value; expected ${kind}; got ${goTypeName(value)}`);
    }
    return value;
  }
}

/** Go's missingVal: no value was piped into this command. */
const NO_FINAL = Symbol('no final');
