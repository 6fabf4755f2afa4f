/**
 * Typed-array columns that grow by doubling. The engine stores one value per meter or node in
 * each column, which keeps a million meters in a few hundred bytes each and the hot path free
 * of object allocation. `data` may be replaced when the column grows: read it after
 * {@link ensureAll}.
 */
interface TypedArrayLike {
  length: number;
  readonly BYTES_PER_ELEMENT: number;
  set(source: ArrayLike<number>): void;
  fill(value: number, start?: number): unknown;
}

/** Makes a column's typed array: a new one, or a view of `length` elements into `buffer`. */
type Make<T> = (length: number, buffer?: ArrayBuffer, byteOffset?: number) => T;

abstract class Growable<T extends TypedArrayLike> {
  data: T;

  constructor(
    private readonly make: Make<T>,
    private readonly initial: number,
  ) {
    this.data = make(16);
    if (initial !== 0) this.data.fill(initial);
  }

  /** The length the column grows to so that `index` fits: doubling, at least 16. */
  grownLength(index: number): number {
    let length = Math.max(16, this.data.length * 2);
    while (length <= index) length *= 2;
    return length;
  }

  /**
   * Moves the column into `length` elements of `buffer` at `byteOffset` (see
   * {@link ensureAll}); new slots hold the column's initial value.
   */
  growInto(buffer: ArrayBuffer, byteOffset: number, length: number): void {
    this.moveTo(this.make(length, buffer, byteOffset));
  }

  private moveTo(next: T): void {
    next.set(this.data as unknown as ArrayLike<number>);
    if (this.initial !== 0) next.fill(this.initial, this.data.length);
    this.data = next;
  }

  /** Takes `values` as the column's storage (no copy); it grows by doubling from there. */
  adopt(values: T): void {
    if (values.length > 0) this.data = values;
  }
}

/** A growable `Float64Array` (integers up to 2^53 are exact). */
export class GrowableFloat64 extends Growable<Float64Array> {
  constructor(initial = 0) {
    super((n, b, o) => (b ? new Float64Array(b, o, n) : new Float64Array(n)), initial);
  }
}

/** A growable `Int32Array` (node and meter indices; -1 means none). */
export class GrowableInt32 extends Growable<Int32Array> {
  constructor(initial = 0) {
    super((n, b, o) => (b ? new Int32Array(b, o, n) : new Int32Array(n)), initial);
  }
}

/** A growable `Uint32Array` (counts). */
export class GrowableUint32 extends Growable<Uint32Array> {
  constructor() {
    super((n, b, o) => (b ? new Uint32Array(b, o, n) : new Uint32Array(n)), 0);
  }
}

/** A growable `Uint8Array` (small enums and flags). */
export class GrowableUint8 extends Growable<Uint8Array> {
  constructor() {
    super((n, b, o) => (b ? new Uint8Array(b, o, n) : new Uint8Array(n)), 0);
  }
}

/** Padding between the columns {@link ensureAll} lays out in one buffer. */
const CACHE_LINE_BYTES = 64;

/** Any of the columns above. */
export type AnyGrowable = GrowableFloat64 | GrowableInt32 | GrowableUint32 | GrowableUint8;

/**
 * Makes `index` addressable in every column, with the new storage of all the columns that grow
 * carved out of one `ArrayBuffer`. Growing dozens of columns of a million entries one by one
 * makes V8 run a full collection for many of the allocations (it accounts for memory outside
 * the JS heap that way); one allocation triggers at most one. Widest elements first, and
 * lengths of at least 16, keep every view aligned; a cache line between columns keeps the same
 * index of different columns from landing on the same cache sets (columns of power-of-two
 * lengths laid end to end would).
 */
export function ensureAll(columns: readonly AnyGrowable[], index: number): void {
  const growing = columns
    .filter((c) => index >= c.data.length)
    .sort((a, b) => b.data.BYTES_PER_ELEMENT - a.data.BYTES_PER_ELEMENT);
  if (growing.length === 0) return;
  const lengths = growing.map((c) => c.grownLength(index));
  let bytes = 0;
  for (let k = 0; k < growing.length; k++)
    bytes += lengths[k]! * growing[k]!.data.BYTES_PER_ELEMENT + CACHE_LINE_BYTES;
  const buffer = new ArrayBuffer(bytes);
  let offset = 0;
  for (let k = 0; k < growing.length; k++) {
    const column = growing[k]!;
    const width = column.data.BYTES_PER_ELEMENT;
    column.growInto(buffer, offset, lengths[k]!);
    offset += lengths[k]! * width + CACHE_LINE_BYTES;
  }
}
