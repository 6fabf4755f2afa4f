import type { CalendarPeriods, ZonedCalendar } from "./zoned-calendar";

/** Receives one slot's part of a credit: the slot's start (Unix ms) and its energy, mWh. */
export type SlotSink = (slotStartMs: number, energyMwh: number) => void;

/**
 * Splits a credit — energy that accumulated over `(fromMs, toMs]` — between the periods it
 * covers, in integers that add up exactly to the credit.
 *
 * The split follows a cumulative weight: time by default (constant power), or, when the meter
 * marked its power integral at a quarter-hour boundary inside the interval, the power integral on
 * each side of that boundary (time within each side). Every cut is `round(amount × W(cut) / W)`
 * of the same function, so the part of a period is the difference of two cuts, and the parts of
 * smaller periods add up exactly to the part of the larger one that contains them.
 *
 * Outputs: {@link hourMwh}, {@link dayMwh} and {@link monthMwh} for the periods that contain
 * `toMs` ({@link periods}), and, when a slot width is set, one call of the sink per UTC slot.
 */
export class PeriodSplitter {
  /** Part of the last credit in the hour, day and month that contain its end. */
  hourMwh = 0;
  dayMwh = 0;
  monthMwh = 0;
  /** The periods that contain the last credit's end. */
  periods!: CalendarPeriods;

  private amount = 0;
  private fromMs = 0;
  private toMs = 0;
  private markMs = Number.NaN;
  private beforeWeight = 0;
  private afterWeight = 0;

  /** `slotMs` 0: no slot parts. */
  constructor(
    private readonly calendar: ZonedCalendar,
    private readonly slotMs: number,
  ) {}

  /**
   * Splits `amountMwh` accumulated over `(fromMs, toMs]`. `fromIntegral`, `markMs`,
   * `markIntegral` and `toIntegral` are the meter's power integral at the interval's start, at
   * its mark and at its end (NaN `fromIntegral`: split by time). Slot parts go to `sink`.
   */
  split(
    amountMwh: number,
    fromMs: number,
    toMs: number,
    fromIntegral: number,
    markMs: number,
    markIntegral: number,
    toIntegral: number,
    sink: SlotSink | undefined,
  ): void {
    const p = this.calendar.periodsAt(toMs);
    this.periods = p;
    const slotMs = sink === undefined ? 0 : this.slotMs;
    const firstSlotMs = slotMs > 0 ? Math.floor(toMs / slotMs) * slotMs : p.hourStartMs;
    if (fromMs >= toMs || (fromMs >= p.hourStartMs && fromMs >= firstSlotMs)) {
      // All of it in the periods and the slot of its end: the common case.
      this.hourMwh = amountMwh;
      this.dayMwh = amountMwh;
      this.monthMwh = amountMwh;
      if (slotMs > 0) sink!(Math.floor(Math.min(fromMs, toMs) / slotMs) * slotMs, amountMwh);
      return;
    }
    this.amount = amountMwh;
    this.fromMs = fromMs;
    this.toMs = toMs;
    const weighted =
      !Number.isNaN(fromIntegral) &&
      markMs > fromMs &&
      markMs < toMs &&
      markIntegral >= fromIntegral &&
      toIntegral >= markIntegral &&
      toIntegral > fromIntegral;
    this.markMs = weighted ? markMs : Number.NaN;
    this.beforeWeight = weighted ? markIntegral - fromIntegral : 0;
    this.afterWeight = weighted ? toIntegral - markIntegral : 0;
    this.hourMwh = amountMwh - this.cut(p.hourStartMs);
    this.dayMwh = amountMwh - this.cut(p.dayStartMs);
    this.monthMwh = amountMwh - this.cut(p.monthStartMs);
    if (slotMs > 0) {
      let sliceStartMs = fromMs;
      let previousCut = 0;
      for (let b = Math.floor(fromMs / slotMs) * slotMs + slotMs; b < toMs; b += slotMs) {
        const c = this.cut(b);
        if (c !== previousCut) sink!(Math.floor(sliceStartMs / slotMs) * slotMs, c - previousCut);
        previousCut = c;
        sliceStartMs = b;
      }
      if (amountMwh !== previousCut)
        sink!(Math.floor(sliceStartMs / slotMs) * slotMs, amountMwh - previousCut);
    }
  }

  /** The part of the credit before `atMs`, rounded (0 at or before its start). */
  private cut(atMs: number): number {
    if (atMs <= this.fromMs) return 0;
    if (atMs >= this.toMs) return this.amount;
    let share: number;
    if (Number.isNaN(this.markMs)) share = (atMs - this.fromMs) / (this.toMs - this.fromMs);
    else {
      const total = this.beforeWeight + this.afterWeight;
      share =
        atMs <= this.markMs
          ? (this.beforeWeight * (atMs - this.fromMs)) / (this.markMs - this.fromMs) / total
          : (this.beforeWeight +
              (this.afterWeight * (atMs - this.markMs)) / (this.toMs - this.markMs)) /
            total;
    }
    return Math.round(this.amount * share);
  }
}
