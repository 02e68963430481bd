// Go's text/template with Sprig, as Argo CD's ApplicationSet controller runs it for `goTemplate: true`
// (applicationset/utils/utils.go Render.Replace): tokenizer (gotemplate/lex.ts) → parser (gotemplate/parse.ts)
// → executor (gotemplate/exec.ts). No npm library evaluates Go templates, so this is a small one of our own.
//
// Deviations from Go, all at the edges: `define`/`template`/`block` are refused (an ApplicationSet field is one
// template); a pipeline ending in `|` is refused where Go ignores the `|`; Sprig covers the functions
// ApplicationSets use (see gotemplate/sprig.ts), not all of Sprig; an unknown one is a parse error as in Go.
import { Executor, FUNCTIONS, MissingKey, TemplateExecError } from './gotemplate/exec';
import { TemplateSyntaxError } from './gotemplate/lex';
import { Node, parse } from './gotemplate/parse';

export { normalize } from './gotemplate/sprig';

/** A template that Go would refuse to parse or fail to execute; the message is Go's. */
export class GoTemplateError extends Error {}

export interface GoTemplateOptions {
  /** `goTemplateOptions`, e.g. ["missingkey=error"]. */
  options?: string[];
}

/** text/template's Option("missingkey=..."); Go panics on anything else, we refuse it. */
export function missingKeyOption(options: string[] = []): MissingKey {
  let missingKey: MissingKey = 'default';
  for (const option of options) {
    const match = /^missingkey=(default|invalid|zero|error)$/.exec(option);
    if (!match) throw new GoTemplateError(`unrecognized option: ${option}`);
    missingKey = match[1] === 'invalid' ? 'default' : (match[1] as MissingKey);
  }
  return missingKey;
}

const lineOf = (text: string, pos: number) => text.slice(0, pos).split('\n').length;

/** Go's ErrorContext: the line, and the byte offset in it (the offset in the text on the first line). */
function location(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const newline = before.lastIndexOf('\n');
  const column = newline === -1 ? pos : pos - (newline + 1);
  return `${lineOf(text, pos)}:${column}`;
}

export function parseGoTemplate(text: string): Node[] {
  try {
    return parse(text, (name) => Object.prototype.hasOwnProperty.call(FUNCTIONS, name));
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new GoTemplateError(`template: :${lineOf(text, error.pos)}: ${error.message}`);
    throw error;
  }
}

/** Renders one template string against the parameters, as Go's template.Execute does. */
export function renderGoTemplate(text: string, data: Record<string, unknown>, options: GoTemplateOptions = {}): string {
  const missingKey = missingKeyOption(options.options);
  const tree = parseGoTemplate(text);
  try {
    return new Executor(missingKey).execute(tree, data);
  } catch (error) {
    if (error instanceof TemplateExecError) {
      const context = error.context.length > 20 ? `${error.context.slice(0, 20)}...` : error.context;
      throw new GoTemplateError(`template: :${location(text, error.pos)}: executing "" at <${context}>: ${error.message}`);
    }
    throw error;
  }
}
