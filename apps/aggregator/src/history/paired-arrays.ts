/**
 * An Int32Array and a Float64Array that hold the same elements (`intStride` and `numStride`
 * numbers each) and double together. Their next size can be made resident ahead, a little at a
 * time ({@link prepare}): doubling tens of megabytes into fresh memory stalls the thread on page
 * faults (61-143 ms for the ledger's packed arrays at 262,144 → 524,288 entries, measured), into
 * memory already written about a tenth of that.
 */
export class PairedArrays {
  ints: Int32Array<ArrayBuffer>;
  nums: Float64Array<ArrayBuffer>;
  /** The next size's arrays, `filled` of their bytes written so far (see {@link prepare}). */
  private next:
    | { ints: Int32Array<ArrayBuffer>; nums: Float64Array<ArrayBuffer>; filled: number }
    | undefined;

  /**
   * @param intStride Int32 numbers per element
   * @param numStride Float64 numbers per element
   * @param capacity elements at first
   */
  constructor(
    readonly intStride: number,
    readonly numStride: number,
    capacity: number,
  ) {
    this.ints = new Int32Array(capacity * intStride);
    this.nums = new Float64Array(capacity * numStride);
  }

  /** Elements the arrays hold. */
  get capacity(): number {
    return this.nums.length / this.numStride;
  }

  /**
   * Makes the next size's memory resident, at most `maxBytes` a call, once `used` elements fill
   * three quarters of the capacity; true while there is more to do.
   */
  prepare(used: number, maxBytes: number): boolean {
    const capacity = this.capacity;
    if (used * 4 < capacity * 3 || !(maxBytes > 0)) return false;
    this.next ??= {
      ints: new Int32Array(capacity * 2 * this.intStride),
      nums: new Float64Array(capacity * 2 * this.numStride),
      filled: 0,
    };
    const next = this.next;
    const intBytes = next.ints.byteLength;
    const total = intBytes + next.nums.byteLength;
    const until = Math.min(total, next.filled + maxBytes);
    // Bytes are written in whole elements: 4 for the ints, then 8 for the numbers.
    if (next.filled < intBytes) {
      const to = Math.ceil(Math.min(intBytes, until) / 4);
      next.ints.fill(0, next.filled / 4, to);
      next.filled = to * 4;
    }
    if (next.filled >= intBytes && next.filled < until) {
      const from = (next.filled - intBytes) / 8;
      const to = Math.ceil((until - intBytes) / 8);
      next.nums.fill(0, from, to);
      next.filled = intBytes + to * 8;
    }
    return next.filled < total;
  }

  /** Doubles the capacity, keeping the contents: into the arrays {@link prepare} made, if any. */
  grow(): void {
    const capacity = this.capacity * 2;
    const next = this.next;
    this.next = undefined;
    const ints =
      next?.ints.length === capacity * this.intStride
        ? next.ints
        : new Int32Array(capacity * this.intStride);
    const nums =
      next?.nums.length === capacity * this.numStride
        ? next.nums
        : new Float64Array(capacity * this.numStride);
    ints.set(this.ints);
    nums.set(this.nums);
    this.ints = ints;
    this.nums = nums;
  }
}
