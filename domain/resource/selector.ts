// The label selectors the live-object cache can answer from a watch on a label key: `key` (exists) and
// `key=value`. Anything else (sets, negations, several terms) is left to the API server.
export interface LabelSelector {
  key: string;
  value?: string;
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function parseLabelSelector(selector: string): LabelSelector | undefined {
  const [key, value, ...rest] = selector.trim().split('=');
  if (rest.length > 0 || !KEY.test(key)) return undefined;
  if (value === undefined) return { key };
  return VALUE.test(value) ? { key, value } : undefined;
}

export function selects(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const actual = labels?.[selector.key];
  return actual !== undefined && (selector.value === undefined || actual === selector.value);
}
