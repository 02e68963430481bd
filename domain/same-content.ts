// Whether two JSON values say the same, as a merge patch sees them: null and absent are the same, object keys
// compare in any order, and arrays and objects compare by content.
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalise((value as Record<string, unknown>)[key]);
      if (v !== null && v !== undefined) out[key] = v;
    }
    return out;
  }
  return value;
}

export function sameContent(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}
