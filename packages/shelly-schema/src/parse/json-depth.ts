/**
 * True when `value` nests objects/arrays more than `maxDepth` levels deep. Recursion never goes
 * deeper than `maxDepth + 1`, so a hostile payload cannot overflow the stack here.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (maxDepth <= 0) return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) {
    if (nestsDeeperThan(child, maxDepth - 1)) return true;
  }
  return false;
}
