/**
 * A binary min-heap of devices by their next event time (ties: lower device index first, so the
 * order of a simulation never depends on anything but the seed). Every device stays in the heap.
 */
export class EventQueue {
  private readonly times: Float64Array;
  private readonly ids: Int32Array;

  constructor(times: readonly number[]) {
    const n = times.length;
    this.times = new Float64Array(n);
    this.ids = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.times[i] = times[i]!;
      this.ids[i] = i;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Time of the earliest event (Infinity when nothing is scheduled or there are no devices). */
  get topTime(): number {
    return this.times.length > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Device of the earliest event. */
  get topId(): number {
    return this.ids[0]!;
  }

  /** Reschedules the earliest device to `time`. */
  replaceTop(time: number): void {
    this.times[0] = time;
    this.siftDown(0);
  }

  private less(i: number, j: number): boolean {
    const a = this.times[i]!;
    const b = this.times[j]!;
    return a < b || (a === b && this.ids[i]! < this.ids[j]!);
  }

  private siftDown(start: number): void {
    const n = this.times.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(r, l) ? r : l;
      if (!this.less(m, i)) return;
      const t = this.times[i]!;
      this.times[i] = this.times[m]!;
      this.times[m] = t;
      const id = this.ids[i]!;
      this.ids[i] = this.ids[m]!;
      this.ids[m] = id;
      i = m;
    }
  }
}
