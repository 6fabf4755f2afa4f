/**
 * JSON text in pieces: the same characters `JSON.stringify(value)` gives, produced a piece at a
 * time so that a large document (the state file: arrays with an entry per node and per meter)
 * is written without ever holding its whole text, nor the whole text's bytes, in memory.
 */

/** Elements of an array stringified together at most (one piece of text each). */
export const ARRAY_BATCH_ELEMENTS = 4096;

/** A value JSON.stringify writes as one token (or "null"), never as a nested structure. */
function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== "object" && typeof value !== "function");
}

/**
 * Objects walked key by key: plain objects and arrays without `toJSON`. Anything else (a Date,
 * a class instance, a Map) is left to `JSON.stringify` whole, which knows its rules.
 */
function isWalkable(value: object): boolean {
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Yields pieces of text whose concatenation is exactly `JSON.stringify(value)` (no replacer, no
 * indentation) for any value whose top level is an object or an array; arrays are written
 * {@link ARRAY_BATCH_ELEMENTS} scalar elements per piece. A top level JSON.stringify would write
 * as `undefined` (a function, `undefined` itself) yields nothing.
 */
export function* jsonChunks(
  value: unknown,
  batchElements: number = ARRAY_BATCH_ELEMENTS,
): Generator<string> {
  if (typeof value !== "object" || value === null || !isWalkable(value)) {
    const text = JSON.stringify(value) as string | undefined;
    if (text !== undefined) yield text;
    return;
  }
  if (Array.isArray(value)) {
    yield "[";
    let i = 0;
    while (i < value.length) {
      if (i > 0) yield ",";
      // A run of scalars goes in one piece; a nested structure is walked on its own.
      let end = i;
      while (end < value.length && end - i < batchElements && isScalar(value[end])) end++;
      if (end > i) {
        yield JSON.stringify(value.slice(i, end)).slice(1, -1);
        i = end;
      } else {
        yield* element(value[i], batchElements);
        i++;
      }
    }
    yield "]";
    return;
  }
  yield "{";
  let first = true;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    // JSON.stringify leaves these members out of an object.
    if (member === undefined || typeof member === "function" || typeof member === "symbol") {
      continue;
    }
    yield `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    yield* element(member, batchElements);
  }
  yield "}";
}

/** An array element or an object member: what JSON.stringify would write there. */
function* element(value: unknown, batchElements: number): Generator<string> {
  // Inside an array these become null (in an object they were skipped by the caller).
  if (value === undefined || typeof value === "function" || typeof value === "symbol") {
    yield "null";
    return;
  }
  yield* jsonChunks(value, batchElements);
}

/**
 * Groups the pieces of {@link jsonChunks} into strings of about `targetChars` characters (a
 * piece is never split), for writes of a useful size.
 */
export function* jsonBlocks(value: unknown, targetChars: number): Generator<string> {
  let pending: string[] = [];
  let pendingChars = 0;
  for (const piece of jsonChunks(value)) {
    pending.push(piece);
    pendingChars += piece.length;
    if (pendingChars >= targetChars) {
      yield pending.join("");
      pending = [];
      pendingChars = 0;
    }
  }
  if (pending.length > 0) yield pending.join("");
}
