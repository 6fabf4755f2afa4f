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
  fill(value: number, start?: number, end?: number): unknown;
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

  /** A view of `length` elements at `byteOffset` of `buffer`, of this column's type (unfilled). */
  viewInto(buffer: ArrayBuffer, byteOffset: number, length: number): T {
    return this.make(length, buffer, byteOffset);
  }

  /** The value a new slot holds. */
  get initialValue(): number {
    return this.initial;
  }

  /**
   * Takes `next` as the storage, the current values copied in; its slots past the current
   * length must hold the initial value already (see {@link GrowthPlan}).
   */
  moveIntoFilled(next: T): void {
    next.set(this.data as unknown as ArrayLike<number>);
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
  const growing = growingColumns(columns, index + 1);
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

/** The columns shorter than `length`, widest elements first (the layout of one growth buffer). */
function growingColumns(columns: readonly AnyGrowable[], length: number): AnyGrowable[] {
  return columns
    .filter((c) => c.data.length < length)
    .sort((a, b) => b.data.BYTES_PER_ELEMENT - a.data.BYTES_PER_ELEMENT);
}

/**
 * The storage of a set of columns' next growth, made resident ahead of time. A fresh buffer's
 * pages are mapped on first write, and on a virtual machine that costs milliseconds per
 * megabyte: growing a 100,000-meter engine's columns at once stalled its thread for 200-500 ms
 * (measured). A plan allocates the grown buffer early and writes the columns' initial values
 * into it a slice at a time ({@link touch}), so that the growth itself ({@link apply}) is a
 * memory copy. Same layout as {@link ensureAll}.
 */
export class GrowthPlan {
  private readonly growing: AnyGrowable[];
  private readonly views: TypedArrayLike[];
  /** The storage the planned columns move into. */
  readonly buffer: ArrayBuffer;
  private column = 0;
  private element = 0;

  /** Plans the growth of the columns of `columns` shorter than `capacity` to `capacity`. */
  constructor(
    columns: readonly AnyGrowable[],
    readonly capacity: number,
  ) {
    this.growing = growingColumns(columns, capacity);
    let bytes = 0;
    for (const c of this.growing) bytes += capacity * c.data.BYTES_PER_ELEMENT + CACHE_LINE_BYTES;
    this.buffer = new ArrayBuffer(bytes);
    let offset = 0;
    this.views = this.growing.map((c) => {
      const view = c.viewInto(this.buffer, offset, capacity);
      offset += capacity * c.data.BYTES_PER_ELEMENT + CACHE_LINE_BYTES;
      return view;
    });
  }

  /** Whether every byte of the plan's buffer has been written. */
  get resident(): boolean {
    return this.column >= this.views.length;
  }

  /**
   * Writes the initial values into up to about `maxBytes` more of the buffer (at least one
   * element); returns true while some remain.
   */
  touch(maxBytes: number): boolean {
    let budget = maxBytes;
    while (this.column < this.views.length && budget > 0) {
      const view = this.views[this.column]!;
      const width = view.BYTES_PER_ELEMENT;
      const n = Math.min(view.length - this.element, Math.max(1, Math.floor(budget / width)));
      view.fill(this.growing[this.column]!.initialValue, this.element, this.element + n);
      this.element += n;
      budget -= n * width;
      if (this.element >= view.length) {
        this.column++;
        this.element = 0;
      }
    }
    return !this.resident;
  }

  /**
   * Moves every planned column into its part of the buffer (finishing the writes first).
   * False, changing nothing, when a column has grown otherwise since the plan was made.
   */
  apply(): boolean {
    for (let k = 0; k < this.growing.length; k++) {
      if (this.growing[k]!.data.length >= this.capacity) return false;
    }
    this.touch(Number.POSITIVE_INFINITY);
    for (let k = 0; k < this.growing.length; k++) {
      (this.growing[k] as Growable<TypedArrayLike>).moveIntoFilled(this.views[k]!);
    }
    return true;
  }
}
