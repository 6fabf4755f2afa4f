/**
 * A binary min-heap of devices by their next event time (ties: lower device index first, so the
 * order of a simulation never depends on anything but the seed). Every device stays in the heap.
 */
export class EventQueue {
  private readonly times: Float64Array;
  private readonly ids: Int32Array;
  /** Heap slot of each device, by device index (for {@link update}). */
  private readonly slots: Int32Array;

  constructor(times: readonly number[]) {
    const n = times.length;
    this.times = new Float64Array(n);
    this.ids = new Int32Array(n);
    this.slots = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.times[i] = times[i]!;
      this.ids[i] = i;
      this.slots[i] = i;
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

  /** Reschedules device `id` to `time` (a command gave it an event of its own, or took one away). */
  update(id: number, time: number): void {
    const slot = this.slots[id]!;
    this.times[slot] = time;
    this.siftDown(this.siftUp(slot));
  }

  private less(i: number, j: number): boolean {
    const a = this.times[i]!;
    const b = this.times[j]!;
    return a < b || (a === b && this.ids[i]! < this.ids[j]!);
  }

  private swap(i: number, j: number): void {
    const t = this.times[i]!;
    this.times[i] = this.times[j]!;
    this.times[j] = t;
    const a = this.ids[i]!;
    const b = this.ids[j]!;
    this.ids[i] = b;
    this.ids[j] = a;
    this.slots[a] = j;
    this.slots[b] = i;
  }

  private siftUp(start: number): number {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i;
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
      this.swap(i, m);
      i = m;
    }
  }
}
