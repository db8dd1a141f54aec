/**
 * A bound on the nesting of parsed bodies, checked before validation: a 30 KB body nested
 * 5000 deep is valid JSON, but a recursive (`z.lazy`) schema would recurse once per level and
 * overflow the stack (a RangeError, so a 500 on every such request). The check is one pass
 * over the body that stops one level past the limit, so its own recursion is bounded by the limit.
 */

/** Default maximum nesting of arrays/objects in a body. */
export const DEFAULT_MAX_BODY_DEPTH = 64;

/** True when `value` nests arrays/objects deeper than `maxDepth` (the top level is depth 1). */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  return deeperThan(value, maxDepth, 1);
}

// Recursion stops one level past maxDepth, so it is bounded by the limit, never by the body.
function deeperThan(value: unknown, maxDepth: number, depth: number): boolean {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  if (depth > maxDepth) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === 'object' && deeperThan(item, maxDepth, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const child = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object' && deeperThan(child, maxDepth, depth + 1)) return true;
  }
  return false;
}
