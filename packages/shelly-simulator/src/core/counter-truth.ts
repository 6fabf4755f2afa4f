/** Valid readings a counter must publish after a fault (or at start) before the next fault may hit it. */
export const FAULT_COOLDOWN_READINGS = 2;

/**
 * The truth of one cumulative counter (a channel's active or returned energy), kept the way an
 * exact consumer can reproduce it, plus the guard that keeps faults observable.
 *
 * Truth: the first valid published value is the reference; every later valid value above the
 * highest one so far adds the difference; after a reset the first valid value counts in full
 * (the counter restarted from 0). Values are integer mWh, converted from the published text
 * exactly as a consumer does (`Math.round(counterWh * 1000)`). Faulty readings are never
 * observed here.
 */
export class CounterTruth {
  /** Highest valid published value of the current epoch, integer mWh; NaN before the first. */
  refMwh = Number.NaN;
  /** Energy counted so far, integer mWh. */
  totalMwh = 0;
  /** A reset happened: the next valid reading counts in full. */
  private epochStart = false;
  /** Valid readings still needed before a fault may hit this counter. */
  private cooldown = FAULT_COOLDOWN_READINGS;
  /** After a reset from above 0: the cooldown only runs once the counter grew from 0 again. */
  private awaitGrowth = false;

  /** True when a fault may hit this counter now. */
  get clean(): boolean {
    return this.cooldown === 0 && !this.awaitGrowth;
  }

  /** A valid published value (integer mWh). `fresh` is false for a re-delivered or late copy. */
  observe(valueMwh: number, fresh: boolean): void {
    if (Number.isNaN(this.refMwh)) {
      this.refMwh = valueMwh;
    } else if (this.epochStart) {
      this.totalMwh += valueMwh;
      this.refMwh = valueMwh;
      this.epochStart = false;
    } else if (valueMwh > this.refMwh) {
      this.totalMwh += valueMwh - this.refMwh;
      this.refMwh = valueMwh;
    }
    if (!fresh) return;
    if (this.awaitGrowth) {
      if (valueMwh > 0) {
        this.awaitGrowth = false;
        this.cooldown = Math.max(0, this.cooldown - 1);
      }
    } else if (this.cooldown > 0) this.cooldown--;
  }

  /** A fault hit a message carrying this counter. */
  faulted(): void {
    this.cooldown = FAULT_COOLDOWN_READINGS;
  }

  /** The counter restarted from 0 (right after its current value was published). */
  reset(): void {
    this.epochStart = true;
    this.cooldown = FAULT_COOLDOWN_READINGS;
    // A counter that was 0 did not drop: nothing for a consumer to confirm.
    if (this.refMwh > 0) this.awaitGrowth = true;
  }
}
