// metav1.LabelSelector matching, as k8s.io/apimachinery's labels.Selector: matchLabels and matchExpressions all
// hold. Used on cluster labels (the clusters generator) and on flattened parameters (a generator's `selector`).
// Like Argo CD's own copy of LabelSelectorAsSelector, label values are not restricted to label syntax, so a
// selector may match a server URL.
import { LabelSelectorSpec } from './types';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** What is wrong with a selector, each problem with the field under `field` it is about. */
export function selectorProblems(selector: unknown, field: string): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (typeof selector !== 'object' || selector === null || Array.isArray(selector)) return [{ field, message: 'must be an object with matchLabels and matchExpressions' }];
  for (const key of Object.keys(selector)) {
    if (key !== 'matchLabels' && key !== 'matchExpressions') problems.push({ field: `${field}.${key}`, message: 'unknown field (a selector has matchLabels and matchExpressions)' });
  }
  const { matchLabels, matchExpressions } = selector as Record<string, unknown>;
  if (matchLabels !== undefined) {
    if (typeof matchLabels !== 'object' || matchLabels === null || Array.isArray(matchLabels)) problems.push({ field: `${field}.matchLabels`, message: 'must be a map of strings' });
    else for (const [k, v] of Object.entries(matchLabels)) if (typeof v !== 'string') problems.push({ field: `${field}.matchLabels.${k}`, message: 'must be a string' });
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) problems.push({ field: `${field}.matchExpressions`, message: 'must be a list' });
    else matchExpressions.forEach((e: Record<string, unknown>, i) => {
      const at = `${field}.matchExpressions[${i}]`;
      if (typeof e?.key !== 'string' || e.key === '') problems.push({ field: `${at}.key`, message: 'is required' });
      if (!OPERATORS.has(e?.operator as string)) problems.push({ field: `${at}.operator`, message: `${JSON.stringify(e?.operator)} is not one of In, NotIn, Exists, DoesNotExist` });
      const values = e?.values;
      if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) problems.push({ field: `${at}.values`, message: 'must be a list of strings' });
      const count = Array.isArray(values) ? values.length : 0;
      if ((e?.operator === 'In' || e?.operator === 'NotIn') && count === 0) problems.push({ field: `${at}.values`, message: `must not be empty for ${e.operator}` });
      if ((e?.operator === 'Exists' || e?.operator === 'DoesNotExist') && count > 0) problems.push({ field: `${at}.values`, message: `must be empty for ${e.operator}` });
    });
  }
  return problems;
}

/** An empty selector matches everything, as LabelSelectorAsSelector makes it. */
export function selectorMatches(selector: LabelSelectorSpec, labels: Record<string, string>): boolean {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const matched =
      operator === 'In' ? has(key) && values.includes(labels[key])
      : operator === 'NotIn' ? !has(key) || !values.includes(labels[key])
      : operator === 'Exists' ? has(key)
      : !has(key);
    if (!matched) return false;
  }
  return true;
}

export function isEmptySelector(selector: LabelSelectorSpec | undefined): boolean {
  return !selector || ((selector.matchLabels === undefined || Object.keys(selector.matchLabels).length === 0) && (selector.matchExpressions ?? []).length === 0);
}
