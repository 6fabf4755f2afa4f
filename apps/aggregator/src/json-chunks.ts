/**
 * JSON text in pieces: the same characters `JSON.stringify(value)` gives, produced a piece at a
 * time so that a large document (the state file: arrays with an entry per node and per meter)
 * is written without ever holding its whole text, nor the whole text's bytes, in memory. One
 * difference: a typed array of numbers is written as an array of its numbers (a number that is
 * not finite as null), where `JSON.stringify` writes an object with a member per index. The
 * engine's columns go to the state file that way, as views, without a copy into plain arrays.
 */

/**
 * The method by which a value gives its own JSON text in pieces (see {@link JsonPieces}).
 */
export const JSON_PIECES: unique symbol = Symbol("coreflux.jsonPieces");

/**
 * A value that writes its JSON text itself: {@link jsonChunks} yields what `[JSON_PIECES]`
 * yields, instead of walking the value. For data held in typed arrays that the file shows as
 * objects (a packed history as rows and ledger entries): their text is made a batch at a time,
 * so that the objects live one batch long instead of all through a write. The pieces must join
 * to exactly what `JSON.stringify` makes of the value (through its `toJSON`): the contract each
 * implementation's tests check.
 */
export interface JsonPieces {
  /** The value's JSON text in pieces, about `batchElements` array elements each. */
  [JSON_PIECES](batchElements: number): Iterable<string>;
  /** The value as `JSON.stringify` should see it (the same text as the pieces'). */
  toJSON(): unknown;
}

function hasJsonPieces(value: object): value is JsonPieces {
  return typeof (value as Partial<JsonPieces>)[JSON_PIECES] === "function";
}

/** Elements of an array stringified together at most (one piece of text each). */
export const ARRAY_BATCH_ELEMENTS = 4096;

/**
 * The most an element may weigh (see {@link weightOf}) to be stringified together with its
 * neighbours: a state file's ledger entry (an array of 9 numbers and a path) or history row (an
 * object of 10 members) is well below it, a column of the engine's far above.
 */
const SMALL_ELEMENT_WEIGHT = 64;

/** A piece of small elements weighs at most this many times its batch size. */
const BATCH_WEIGHT_PER_ELEMENT = 4;

/** A typed array of numbers (not a DataView, not of BigInts, which JSON cannot hold). */
type NumberView =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

function isNumberView(value: unknown): value is NumberView {
  return (
    ArrayBuffer.isView(value) &&
    !(value instanceof DataView) &&
    !(value instanceof BigInt64Array) &&
    !(value instanceof BigUint64Array)
  );
}

/**
 * Entries `from .. to - 1` of `view` as JSON array elements: the native `join` when every one is
 * finite (its number formatting is JSON's), else one at a time with null for the others.
 */
function numbersText(view: NumberView, from: number, to: number): string {
  const part = view.subarray(from, to);
  if (!(part instanceof Float64Array || part instanceof Float32Array)) return part.join(",");
  let finite = true;
  for (let k = 0; k < part.length; k++) {
    if (!Number.isFinite(part[k])) {
      finite = false;
      break;
    }
  }
  if (finite) return part.join(",");
  let text = "";
  for (let k = 0; k < part.length; k++) {
    const v = part[k] as number;
    text += `${k > 0 ? "," : ""}${Number.isFinite(v) ? v : "null"}`;
  }
  return text;
}

/** A typed array as a JSON array, `batchElements` numbers a piece. */
function* numberViewChunks(view: NumberView, batchElements: number): Generator<string> {
  yield "[";
  for (let i = 0; i < view.length; i += batchElements) {
    const text = numbersText(view, i, Math.min(view.length, i + batchElements));
    yield i > 0 ? `,${text}` : text;
  }
  yield "]";
}

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
 * What `value` weighs if it is small enough to be stringified with its neighbours in one
 * `JSON.stringify` call: 1 per scalar, array or object, plus 1 per 16 characters of a string or
 * a key; -1 when it weighs more than `limit`, or holds an object that is not walked (a Date, a
 * Map, anything with `toJSON`: what JSON.stringify makes of those has no size known here).
 */
function weightOf(value: unknown, limit: number): number {
  if (typeof value === "string") return 1 + (value.length >> 4);
  if (isScalar(value) || typeof value === "function") return 1;
  if (!isWalkable(value as object)) return -1;
  let weight = 1;
  if (Array.isArray(value)) {
    if (value.length >= limit) return -1;
    for (let i = 0; i < value.length; i++) {
      const w = weightOf(value[i], limit - weight);
      if (w < 0) return -1;
      weight += w;
    }
  } else {
    for (const key in value as object) {
      if (!Object.hasOwn(value as object, key)) continue;
      const w = weightOf((value as Record<string, unknown>)[key], limit - weight);
      if (w < 0) return -1;
      weight += w + (key.length >> 4);
      if (weight > limit) return -1;
    }
  }
  return weight > limit ? -1 : weight;
}

/**
 * Yields pieces of text whose concatenation is exactly `JSON.stringify(value)` (no replacer, no
 * indentation) for any value whose top level is an object or an array. A run of an array's
 * scalars and small elements (a few numbers in an array or an object) is one piece of at most
 * {@link ARRAY_BATCH_ELEMENTS} elements, made by one native `JSON.stringify` call; at 200,000
 * ledger entries that is several times faster, and far less garbage, than a piece per value. A
 * top level JSON.stringify would write as `undefined` (a function, `undefined` itself) yields
 * nothing. A value with a {@link JSON_PIECES} method (a {@link JsonPieces}) gives its own pieces.
 */
export function* jsonChunks(
  value: unknown,
  batchElements: number = ARRAY_BATCH_ELEMENTS,
): Generator<string> {
  if (isNumberView(value)) {
    yield* numberViewChunks(value, batchElements);
    return;
  }
  if (typeof value === "object" && value !== null && hasJsonPieces(value)) {
    yield* value[JSON_PIECES](batchElements);
    return;
  }
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
      // A run of scalars and small elements (a ledger entry, a history row) goes in one
      // piece; a larger structure is walked on its own.
      let end = i;
      let weight = 0;
      const maxWeight = batchElements * BATCH_WEIGHT_PER_ELEMENT;
      while (end < value.length && end - i < batchElements && weight < maxWeight) {
        const w = weightOf(value[end], SMALL_ELEMENT_WEIGHT);
        if (w < 0) break;
        weight += w;
        end++;
      }
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
 * The UTF-8 bytes of {@link jsonChunks}' pieces, gathered in `block` (a piece is never split):
 * yields `block`'s filled part each time the next piece would not fit, and at the end. Each
 * yielded view is only valid until the generator resumes (the next piece overwrites it): write
 * it before asking for the next. A piece larger than `block` comes as a Buffer of its own. No
 * text is joined and no buffer made per write: a state write's garbage is its pieces only.
 */
export function* jsonByteBlocks(value: unknown, block: Buffer): Generator<Buffer> {
  let used = 0;
  for (const piece of jsonChunks(value)) {
    // Up to 3 bytes per UTF-16 unit: count exactly only when it might not fit.
    if (used + piece.length * 3 > block.length) {
      const bytes = Buffer.byteLength(piece);
      if (used + bytes > block.length) {
        if (used > 0) yield block.subarray(0, used);
        used = 0;
        if (bytes > block.length) {
          yield Buffer.from(piece);
          continue;
        }
      }
    }
    used += block.write(piece, used);
  }
  if (used > 0) yield block.subarray(0, used);
}
