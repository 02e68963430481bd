// The list generator (Argo CD's list.go): each element of `elements` is one parameter set. Without goTemplate every
// element value must be a string, except `values`, a map of strings that becomes `values.<key>`; with goTemplate
// an element is taken as it is. Elements of `elementsYaml` are appended as they are, in either mode, as Argo CD does.
import { InputError } from '../errors';
import { isObject, parseGoYaml } from './params';
import { ListGenerator, Params } from './types';

export function listParams(list: ListGenerator, field: string, options: { goTemplate: boolean }): Params[] {
  const sets: Params[] = (list.elements ?? []).map((element, i) => {
    const at = `${field}.elements[${i}]`;
    if (element === null) return {};
    if (!isObject(element)) throw new InputError(`${at}: a list element must be an object`, { field: at });
    return options.goTemplate ? { ...element } : flatElement(element, at);
  });
  if (list.elementsYaml) sets.push(...yamlElements(list.elementsYaml, `${field}.elementsYaml`));
  return sets;
}

function flatElement(element: Record<string, unknown>, at: string): Params {
  const params: Params = {};
  const notString = (field: string) => new InputError(`${field}: must be a string (without spec.goTemplate, list element values are strings; values is a map of strings)`, { field });
  for (const [key, value] of Object.entries(element)) {
    if (key !== 'values') {
      if (typeof value !== 'string') throw notString(`${at}.${key}`);
      params[key] = value;
      continue;
    }
    if (!isObject(value)) throw new InputError(`${at}.values: must be a map of strings`, { field: `${at}.values` });
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw notString(`${at}.values.${k}`);
      params[`values.${k}`] = v;
    }
  }
  return params;
}

function yamlElements(text: string, field: string): Params[] {
  let parsed: unknown;
  try {
    parsed = parseGoYaml(text);
  } catch (error) {
    throw new InputError(`${field}: not YAML: ${(error as Error).message}`, { field });
  }
  if (parsed === null || parsed === undefined) return [];
  if (!Array.isArray(parsed)) throw new InputError(`${field}: must be a list of objects`, { field });
  return parsed.map((element, i) => {
    if (element === null) return {};
    if (!isObject(element)) throw new InputError(`${field}[${i}]: must be an object`, { field });
    return element;
  });
}
