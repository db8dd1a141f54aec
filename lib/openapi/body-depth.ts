/**
 * A bound on the nesting of parsed bodies, checked before validation: a 30 KB body nested
 * 5000 deep is valid JSON, but a recursive (`z.lazy`) schema would recurse once per level and
 * overflow the stack (a RangeError, so a 500 on every such request). Counting iteratively
 * costs one pass over the body and cannot overflow itself.
 */

/** Default maximum nesting of arrays/objects in a body. */
export const DEFAULT_MAX_BODY_DEPTH = 64;

/** True when `value` nests arrays/objects deeper than `maxDepth` (the top level is depth 1). */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (depth > maxDepth) return true;
    for (const child of Object.values(current as object)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
