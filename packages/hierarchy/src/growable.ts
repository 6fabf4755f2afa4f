/**
 * Typed-array columns that grow by doubling. The engine stores one value per meter or node in
 * each column, which keeps a million meters in a few hundred bytes each and the hot path free
 * of object allocation. `data` may be replaced when the column grows: read it after `ensure`.
 */
interface TypedArrayLike {
  length: number;
  set(source: ArrayLike<number>): void;
  fill(value: number, start?: number): unknown;
}

abstract class Growable<T extends TypedArrayLike> {
  data: T;

  constructor(
    private readonly make: (length: number) => T,
    private readonly initial: number,
  ) {
    this.data = make(16);
    if (initial !== 0) this.data.fill(initial);
  }

  /** Makes index `index` addressable; new slots hold the column's initial value. */
  ensure(index: number): void {
    if (index < this.data.length) return;
    let length = Math.max(16, this.data.length * 2);
    while (length <= index) length *= 2;
    const next = this.make(length);
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
    super((n) => new Float64Array(n), initial);
  }
}

/** A growable `Int32Array` (node and meter indices; -1 means none). */
export class GrowableInt32 extends Growable<Int32Array> {
  constructor(initial = 0) {
    super((n) => new Int32Array(n), initial);
  }
}

/** A growable `Uint32Array` (counts). */
export class GrowableUint32 extends Growable<Uint32Array> {
  constructor() {
    super((n) => new Uint32Array(n), 0);
  }
}

/** A growable `Uint8Array` (small enums and flags). */
export class GrowableUint8 extends Growable<Uint8Array> {
  constructor() {
    super((n) => new Uint8Array(n), 0);
  }
}
