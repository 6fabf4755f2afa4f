import { type AnyGrowable, GrowableFloat64, GrowableUint8 } from "./growable";

/** Readings whose device time is before this are from an unsynced clock (Unix ms, 2020-01-01). */
export const MIN_DEVICE_TS_MS = 1_577_836_800_000;
/** Counter reports of one meter arriving closer together than this (ms) are a burst. */
export const BURST_MS = 1000;
/**
 * Readings of one counter arriving closer together than this (ms) were queued and delivered at
 * once (a broker's queue empties within milliseconds); a device's own reports are further apart.
 */
export const QUEUE_MS = 100;
/** Bits of {@link MeterEvidence.queueCounters}: the active and the returned energy counter. */
export const COUNTER_ACTIVE = 1;
export const COUNTER_RETURNED = 2;
/** A meter's limit is raised to this multiple of the power it sustained above it. */
const SUSTAINED_MARGIN = 1.25;
/** Standby a meter may draw while reporting 0 W, W (counters creep; reports round). */
export const STANDBY_W = 1;
/** Width of the weight marks used to split a credit in proportion to power, ms (15 minutes). */
export const MARK_MS = 900_000;

/**
 * What a meter's own reports say about how much energy it can have used: per meter, the reading
 * time of its last report, its clock offset, its power integral and the power it sustained.
 *
 * Between two reports the meter's power is known at both ends. The energy it may have used in
 * between is taken as the sum of the two powers times the span (twice the average, so a load that
 * changed between reports is covered, but no more than the meter's limit), plus a standby floor, per direction (positive power feeds
 * the active-energy counter, negative power the returned-energy counter); a single report above the meter's
 * limit counts only up to the limit, two in a row count in full (a site that really draws more
 * than its limit says so twice). A span before the meter's first power report allows its limit.
 * That allowance is added to each counter (`CounterTracker.allow`).
 *
 * The power integral (previous power held until the next report) weighs how a credit that spans
 * several periods is split between them: at the latest quarter-hour boundary a report crossed,
 * the integral is marked, so a counter that was frozen while the device reported power (batched
 * counter updates) gives each side of the boundary what the power says, not what time says.
 */
export class MeterEvidence {
  /** Reading time of the meter's last report (device clock where trusted), Unix ms. */
  readonly lastReportTsMs = new GrowableFloat64(Number.NEGATIVE_INFINITY);
  /** Arrival time of the meter's last report that carried a counter, Unix ms. */
  readonly counterArrivalTsMs = new GrowableFloat64(Number.NEGATIVE_INFINITY);
  /**
   * Arrival of the last counter report before the current burst (reports less than BURST_MS
   * apart): a burst delivers what was measured since then, so rises within it may together take
   * that long.
   */
  readonly burstBaseTsMs = new GrowableFloat64(Number.NEGATIVE_INFINITY);
  /**
   * The counters (bit 1 active energy, bit 2 returned energy) the current queue brought so far
   * (counter reports less than `QUEUE_MS` apart): two counters of one report sent as separate
   * messages (Gen1 publishes each on its own topic) are no queue, the same counter twice is.
   */
  readonly queueCounters = new GrowableUint8();
  /** Device clock minus arrival time at the last report with a trusted device time (NaN: never). */
  readonly clockOffsetMs = new GrowableFloat64(Number.NaN);
  /** 1 once the meter reported power. */
  readonly hasPower = new GrowableUint8();
  /** Reading time of the meter's last report that carried power (-Infinity: never). */
  readonly powerTsMs = new GrowableFloat64(Number.NEGATIVE_INFINITY);
  /** Highest power the meter reported in two consecutive reports, W. */
  readonly sustainedW = new GrowableFloat64(0);
  /**
   * The power of the meter's last report by direction, W (>= 0): what it imported and what it
   * exported. A single-phase meter has one of them (the sign of its power); a meter that sums
   * phases (a Pro 3EM) can have both (a phase exporting while the others import).
   */
  readonly importW = new GrowableFloat64(0);
  readonly exportW = new GrowableFloat64(0);
  /** ∫|power| dt with each report's power held until the next, mWh. */
  readonly integralMwh = new GrowableFloat64(0);
  /** The latest quarter-hour boundary a report span crossed (NaN: none yet) and the integral there. */
  readonly markTsMs = new GrowableFloat64(Number.NaN);
  readonly markIntegralMwh = new GrowableFloat64(0);

  /** Active energy the span that {@link advance} just closed allows, mWh (0 for none). */
  allowanceMwh = 0;
  /** Returned energy the same span allows, mWh. */
  returnedAllowanceMwh = 0;
  /**
   * The report showed power flowing in (out) beyond standby, or it closed a span whose power,
   * held from the report before, did: the meter that drew 49 kW before an hour offline did grow
   * its active counter, whatever it reports now. A copy closes no span.
   */
  importFlow = false;
  exportFlow = false;

  /** Its per-meter columns, for the meter table to grow them with its own. */
  columns(): AnyGrowable[] {
    return [
      this.lastReportTsMs,
      this.counterArrivalTsMs,
      this.burstBaseTsMs,
      this.queueCounters,
      this.clockOffsetMs,
      this.hasPower,
      this.powerTsMs,
      this.sustainedW,
      this.importW,
      this.exportW,
      this.integralMwh,
      this.markTsMs,
      this.markIntegralMwh,
    ];
  }

  /**
   * Counters (bits as in {@link queueCounters}) that the report passed to {@link counterArrival}
   * brought for the second time in the current queue.
   */
  repeatedCounters = 0;

  /**
   * A report with counters `counters` (bit 1 active, bit 2 returned) arrived at `arrivalMs`:
   * returns the arrival time since the previous counter report (0 for one in the same
   * millisecond, or after an arrival time that went backwards), and leaves in
   * {@link repeatedCounters} those the current queue already brought.
   */
  counterArrival(i: number, arrivalMs: number, counters: number): number {
    const last = this.counterArrivalTsMs.data[i]!;
    const spanMs = arrivalMs > last ? arrivalMs - last : 0;
    if (spanMs >= BURST_MS) this.burstBaseTsMs.data[i] = last;
    const before = spanMs < QUEUE_MS ? this.queueCounters.data[i]! : 0;
    this.repeatedCounters = before & counters;
    this.queueCounters.data[i] = before | counters;
    if (arrivalMs > last) this.counterArrivalTsMs.data[i] = arrivalMs;
    return spanMs;
  }

  /** Moves the meter's times by `deltaMs` (see `CounterTracker.shiftClock`). */
  shiftClock(i: number, deltaMs: number): void {
    this.lastReportTsMs.data[i]! += deltaMs;
    this.powerTsMs.data[i]! += deltaMs;
    this.markTsMs.data[i]! += deltaMs;
  }

  /** The meter's limit raised by what it sustained: `ratedW`, or 1.25 × its sustained power. */
  limitW(i: number, ratedW: number): number {
    const sustained = this.sustainedW.data[i]! * SUSTAINED_MARGIN;
    return Math.max(sustained, ratedW);
  }

  /**
   * A report of meter `i` at reading time `tsMs` with the power it imported and exported, W
   * (>= 0; both NaN when the report has no power). Leaves the allowances of the span that ended
   * in {@link allowanceMwh} (active energy: the power imported) and {@link returnedAllowanceMwh}
   * (returned energy: the power exported) and the directions of flow in {@link importFlow} and
   * {@link exportFlow}, and moves the integral, the mark, the sustained power and the powers by
   * direction on.
   */
  advance(i: number, tsMs: number, importW: number, exportW: number, ratedW: number): void {
    this.allowanceMwh = 0;
    this.returnedAllowanceMwh = 0;
    const lastTsMs = this.lastReportTsMs.data[i]!;
    const hadPower = this.hasPower.data[i] === 1;
    const hasNew = !Number.isNaN(importW);
    const oldImportW = this.importW.data[i]!;
    const oldExportW = this.exportW.data[i]!;
    const newImportW = hasNew ? importW : oldImportW;
    const newExportW = hasNew ? exportW : oldExportW;
    const a = oldImportW + oldExportW;
    const b = newImportW + newExportW;
    if (tsMs > lastTsMs) {
      // Two reports at different times, both this high: sustained (a copy is not a second report).
      if (hasNew && hadPower) {
        const sustained = Math.min(a, b);
        if (sustained > this.sustainedW.data[i]!) this.sustainedW.data[i] = sustained;
      }
      if (lastTsMs !== Number.NEGATIVE_INFINITY) {
        const spanMs = tsMs - lastTsMs;
        if (hadPower) {
          // Twice the average covers a load that changed between reports, but never more than
          // the meter can draw (its limit, raised by this span if it sustained more).
          const capMwh = ((this.limitW(i, ratedW) + STANDBY_W) * spanMs) / 3600;
          this.allowanceMwh = Math.min(
            (spanAllowanceW(oldImportW, newImportW, ratedW) * spanMs) / 3600,
            capMwh,
          );
          this.returnedAllowanceMwh = Math.min(
            (spanAllowanceW(oldExportW, newExportW, ratedW) * spanMs) / 3600,
            capMwh,
          );
          const before = this.integralMwh.data[i]!;
          const boundaryMs = Math.floor(tsMs / MARK_MS) * MARK_MS;
          if (boundaryMs > lastTsMs) {
            this.markTsMs.data[i] = boundaryMs;
            this.markIntegralMwh.data[i] = before + (a * (boundaryMs - lastTsMs)) / 3600;
          }
          this.integralMwh.data[i] = before + (a * spanMs) / 3600;
        } else {
          // Before the meter ever reported power, a span may have carried up to its limit.
          this.allowanceMwh = (this.limitW(i, ratedW) * spanMs) / 3600;
          this.returnedAllowanceMwh = this.allowanceMwh;
        }
      }
      this.lastReportTsMs.data[i] = tsMs;
    }
    const spanClosed = this.allowanceMwh > 0;
    this.importFlow = (hasNew && importW > STANDBY_W) || (spanClosed && oldImportW > STANDBY_W);
    this.exportFlow = (hasNew && exportW > STANDBY_W) || (spanClosed && oldExportW > STANDBY_W);
    if (hasNew) {
      this.hasPower.data[i] = 1;
      // Like the live power: the latest report received, whatever its time.
      this.importW.data[i] = importW;
      this.exportW.data[i] = exportW;
      if (tsMs > this.powerTsMs.data[i]!) this.powerTsMs.data[i] = tsMs;
    }
  }
}

/**
 * What a span between two reports of powers `a` and `b` (W, >= 0, of one direction) allows, in
 * W: their sum (twice the average) plus the standby floor; above the meter's limit a power counts
 * in full only when both reports show it.
 */
function spanAllowanceW(a: number, b: number, ratedW: number): number {
  return STANDBY_W + (a > ratedW && b > ratedW ? a + b : Math.min(a, ratedW) + Math.min(b, ratedW));
}
