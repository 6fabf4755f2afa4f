import { type AnyGrowable, GrowableFloat64, GrowableUint8, GrowableUint32 } from "./growable";
import type { ResolvedOptions } from "./options";

/** What one counter value did to a meter. Numeric for the hot path; see `OUTCOME_NAMES`. */
export const Outcome = {
  reference: 0,
  accepted: 1,
  duplicate: 2,
  jitter: 3,
  backward: 4,
  resetSuspected: 5,
  reset: 6,
  glitch: 7,
  spikeRejected: 8,
  rebased: 9,
  overLimit: 10,
} as const;

/** Held-back reading kinds (the values are part of the snapshot format). */
export const PENDING_NONE = 0;
export const PENDING_DROP = 1;
export const PENDING_RISE = 2;

/**
 * Energy a counter may show beyond what the evidence allows, mWh: one Wh covers counter
 * resolution (Gen1 counts watt-minutes, EM totals tenths of Wh) and idle creep.
 */
const EVIDENCE_SLACK_MWH = 1000;

/**
 * Without the device's clock, two equal values at least this far apart (ms) are two readings, not
 * a message and its copy (copies via two topics or a QoS 1 resend arrive within milliseconds).
 */
const COPY_WINDOW_MS = 2000;

/**
 * A held value counts as the old counter returning only if it is this much closer to the old
 * level than to the new (a fraction of the jump from the new level); further up, it is a new
 * counter (a replaced device) or the new counter's own growth.
 */
const OLD_LEVEL_CLOSENESS = 0.1;

/** How long after a restart from zero the counter's previous level is remembered, ms. */
const PREVIOUS_LEVEL_MEMORY_MS = 86_400_000;

/**
 * What the engine knows about the reading being applied, besides the counter value. The engine
 * fills one instance per reading (no allocation on the hot path); see the README's rules table.
 */
export class ReadingEvidence {
  /** The reading's time, Unix ms: the device's clock when trusted, else the arrival time. */
  tsMs = 0;
  /** `tsMs` is the device's own clock (so order and elapsed time between readings are real). */
  timed = false;
  /**
   * The meter's reported power can judge this reading: the meter reports power, and the elapsed
   * time is real (device time, or arrival times not squeezed together by a burst).
   */
  usable = false;
  /** The meter has reported power (whether or not it can judge this reading's timing). */
  hasPower = false;
  /** When the meter last reported power, on the same clock as `tsMs`. */
  powerTsMs = Number.NEGATIVE_INFINITY;
  /** The meter's limit, W: its rating (or override), raised by power it sustained above it. */
  limitW = 0;
  /** The meter's configured or rated limit alone, W (to report increases beyond it). */
  ratedW = 0;
  /**
   * Arrival time since the report before the current burst, ms (0 with a device time): what a
   * burst delivers was measured over that long.
   */
  burstElapsedMs = 0;
  /**
   * On arrival times, this counter came less than `QUEUE_MS` after its previous reading: a queue
   * delivered at once, where nothing measures the time between the readings.
   */
  queued = false;
  /** When the device last booted, on the same clock as `tsMs` (NaN: unknown). */
  bootTsMs = Number.NaN;
  /** The meter's power integral at `tsMs`, mWh (weights for splitting a credit over periods). */
  integralMwh = 0;
}

/**
 * The accounting state of one cumulative counter per meter (the engine keeps one for active
 * energy and one for returned energy), as columns indexed by meter. Every decision about a
 * counter value — accepted, held back, a restart, a glitch, a new level — is made here.
 *
 * - `refMwh`: the last accepted counter value (integer mWh; NaN before the first reading).
 * - `refSetTsMs` / `refSeenTsMs`: when the counter was first and last seen at `refMwh`.
 * - `refTimed`: those times came from the device clock.
 * - `allowMwh`: the energy the meter's reported power allows since `refSetTsMs` (see
 *   `MeterEvidence`): a rise within it is credited at once, a rise beyond it is held back.
 * - `seenIntegralMwh`: the meter's power integral at `refSeenTsMs` (where the next credit's
 *   interval starts, for splitting it in proportion to power).
 * - `pending*`: a held-back reading (a drop, or a rise the evidence does not explain), its time
 *   (and whether the device's clock gave it) and the allowance accumulated since it, waiting for
 *   the next reading to tell; for a drop replaced by a lower one, the low value before it, and
 *   for a rise replaced by a higher one, the first held rise (`pendingAlt*`), so that an
 *   outlier cannot erase a real one.
 * - `epoch` / `epochStartTsMs` / `epochFloorMwh`: restarts and new levels so far, when the
 *   current one began and the first value it showed (no copy of this epoch's readings is lower).
 * - `rateMwhPerMs`: how fast the counter grew over its last credited interval. Twice that rate is
 *   evidence too: a load the power reports missed (a device that reports power only on large
 *   changes) keeps its counter growing as before, which an outlier does not.
 * - `prevRefMwh` / `prevSeenTsMs` / `epochCreditMwh`: after a restart from zero, the counter's
 *   previous level and what the new epoch credited, so a return of the old counter (the
 *   "restart" was two outliers in a row) is recognised and not counted twice.
 */
export class CounterTracker {
  readonly refMwh = new GrowableFloat64(Number.NaN);
  readonly refSetTsMs = new GrowableFloat64(0);
  readonly refSeenTsMs = new GrowableFloat64(0);
  readonly refTimed = new GrowableUint8();
  readonly allowMwh = new GrowableFloat64(0);
  readonly seenIntegralMwh = new GrowableFloat64(0);
  readonly pendingKind = new GrowableUint8();
  readonly pendingMwh = new GrowableFloat64(0);
  readonly pendingTsMs = new GrowableFloat64(0);
  readonly pendingAllowMwh = new GrowableFloat64(0);
  readonly pendingTimed = new GrowableUint8();
  readonly pendingAltMwh = new GrowableFloat64(Number.NaN);
  readonly pendingAltTsMs = new GrowableFloat64(0);
  readonly pendingAltAllowMwh = new GrowableFloat64(0);
  readonly epoch = new GrowableUint32();
  readonly epochStartTsMs = new GrowableFloat64(0);
  readonly epochFloorMwh = new GrowableFloat64(0);
  readonly prevRefMwh = new GrowableFloat64(Number.NaN);
  readonly prevSeenTsMs = new GrowableFloat64(0);
  readonly epochCreditMwh = new GrowableFloat64(0);
  readonly rateMwhPerMs = new GrowableFloat64(0);
  readonly flowSeen = new GrowableUint8();

  /** Energy credited by the last {@link advance}, integer mWh (0 when none). */
  creditMwh = 0;
  /** Start of the interval over which {@link creditMwh} accumulated (it ends at the reading). */
  creditFromMs = 0;
  /** The meter's power integral at {@link creditFromMs}; NaN: split in proportion to time. */
  creditFromIntegralMwh = Number.NaN;

  private readonly jitterMwh: number;
  private readonly minElapsedMs: number;

  constructor(options: ResolvedOptions) {
    this.jitterMwh = options.jitterMwh;
    this.minElapsedMs = options.minElapsedMs;
  }

  /** Its per-meter columns, for the meter table to grow them with its own. */
  columns(): AnyGrowable[] {
    return [
      this.refMwh,
      this.refSetTsMs,
      this.refSeenTsMs,
      this.refTimed,
      this.allowMwh,
      this.seenIntegralMwh,
      this.pendingKind,
      this.pendingMwh,
      this.pendingTsMs,
      this.pendingAllowMwh,
      this.pendingTimed,
      this.pendingAltMwh,
      this.pendingAltTsMs,
      this.pendingAltAllowMwh,
      this.epoch,
      this.epochStartTsMs,
      this.epochFloorMwh,
      this.prevRefMwh,
      this.prevSeenTsMs,
      this.epochCreditMwh,
      this.rateMwhPerMs,
      this.flowSeen,
    ];
  }

  /**
   * Adds what the meter's reported power allowed over the span that just ended to counter `i`
   * (and to its held-back reading, if any). Called for every report of the meter.
   */
  allow(i: number, mwh: number): void {
    if (Number.isNaN(this.refMwh.data[i]!)) return;
    this.allowMwh.data[i]! += mwh;
    if (this.pendingKind.data[i] !== PENDING_NONE) this.pendingAllowMwh.data[i]! += mwh;
  }

  /**
   * Moves every time of counter `i` by `deltaMs`: the meter's readings changed clock (its first
   * device time after arrival times, or a device clock that jumped), and what was measured on
   * the old clock must stay comparable with the new.
   */
  shiftClock(i: number, deltaMs: number): void {
    this.refSetTsMs.data[i]! += deltaMs;
    this.refSeenTsMs.data[i]! += deltaMs;
    this.pendingTsMs.data[i]! += deltaMs;
    this.epochStartTsMs.data[i]! += deltaMs;
    this.prevSeenTsMs.data[i]! += deltaMs;
  }

  /** The meter reported power in this counter's direction (see `flowSeen`). */
  noteFlow(i: number): void {
    this.flowSeen.data[i] = 1;
  }

  /**
   * Applies one counter value (integer mWh, >= 0) to meter `i`, judged with `ev`. Returns an
   * {@link Outcome}; the energy to credit is left in {@link creditMwh} and its interval in
   * {@link creditFromMs} / {@link creditFromIntegralMwh}.
   */
  advance(i: number, valueMwh: number, ev: ReadingEvidence): number {
    this.creditMwh = 0;
    const ref = this.refMwh.data[i]!;
    if (Number.isNaN(ref)) {
      this.setReference(i, valueMwh, ev);
      this.epochStartTsMs.data[i] = ev.tsMs;
      this.epochFloorMwh.data[i] = valueMwh;
      return Outcome.reference;
    }
    // By the device's own clock, a reading older than the last time the counter was seen at its
    // reference cannot move it: a counter only grows within an epoch, so a different value from
    // before then is a delayed or re-delivered copy (of this epoch or an earlier one), even one
    // a rounding away from the reference (a copy from before a restart can be just above it).
    if (ev.timed && this.refTimed.data[i] === 1 && ev.tsMs < this.refSeenTsMs.data[i]!) {
      if (valueMwh === ref) return Outcome.duplicate;
      return Math.abs(valueMwh - ref) > this.jitterMwh ? Outcome.backward : Outcome.jitter;
    }
    const pending = this.pendingKind.data[i];
    if (pending === PENDING_DROP) return this.afterDrop(i, ref, valueMwh, ev);
    if (pending === PENDING_RISE) return this.afterRise(i, ref, valueMwh, ev);
    return this.step(i, ref, valueMwh, ev);
  }

  /** A reading with nothing held back. */
  private step(i: number, ref: number, v: number, ev: ReadingEvidence): number {
    if (v === ref) {
      // A later reading at a level the power says should not have moved: the counter behaves as
      // one, so a restart just before was not two low outliers (the old level is forgotten).
      if (
        !Number.isNaN(this.prevRefMwh.data[i]!) &&
        this.isLater(this.refSeenTsMs.data[i]!, this.refTimed.data[i] === 1, ev) &&
        this.usableAgainst(this.refTimed.data[i] === 1, ev) &&
        this.allowMwh.data[i]! <= EVIDENCE_SLACK_MWH
      ) {
        this.prevRefMwh.data[i] = Number.NaN;
      }
      this.trimAllowance(i, ev);
      this.seen(i, ev);
      return Outcome.duplicate;
    }
    if (v > ref) {
      const rise = v - ref;
      const seenTsMs = this.refSeenTsMs.data[i]!;
      const byPower = this.usableAgainst(this.refTimed.data[i] === 1, ev);
      // Power reported since the reference, none of it this counter's way: it cannot have grown.
      const noFlow =
        ev.hasPower &&
        ev.powerTsMs >= this.refSetTsMs.data[i]! &&
        this.flowSeen.data[i] === 0 &&
        rise > EVIDENCE_SLACK_MWH;
      // Inside a queue nothing measures when the rise happened: the limit over the whole outage
      // is no evidence against an outlier among the queued readings (`847 → 78 → 2413 → 136`
      // in one queue is a corrupted value among a restarted counter's readings), so a rise
      // there gets the limit over `minElapsedMs` only; beyond it, it waits for the next reading,
      // which judges it over the whole time since the counter was last seen.
      const byLimit =
        !byPower && !noFlow && this.withinLimit(rise, ev.queued ? ev.tsMs : seenTsMs, ev, true);
      if (
        byPower
          ? rise <= this.evidenceSince(i, this.allowMwh.data[i]!, this.refSetTsMs.data[i]!, ev)
          : byLimit
      ) {
        const beyondRating = !this.withinRating(rise, seenTsMs, ev);
        this.credit(i, rise, seenTsMs, this.seenIntegralMwh.data[i]!, v, ev);
        return beyondRating ? Outcome.overLimit : Outcome.accepted;
      }
      this.hold(i, PENDING_RISE, v, ev);
      return Outcome.spikeRejected;
    }
    if (ref - v <= this.jitterMwh) {
      // At the reference, give or take rounding: the counter was seen there.
      this.seen(i, ev);
      return Outcome.jitter;
    }
    this.hold(i, PENDING_DROP, v, ev);
    return Outcome.resetSuspected;
  }

  /**
   * The previous reading dropped: a glitch or a late copy if we are back at the old level, a new
   * epoch if the counter grows from the low level as the evidence allows, still held otherwise.
   */
  private afterDrop(i: number, ref: number, v: number, ev: ReadingEvidence): number {
    if (v >= ref - this.jitterMwh) {
      this.pendingKind.data[i] = PENDING_NONE;
      return asGlitch(this.step(i, ref, v, ev));
    }
    // Back at (or above) the low value held before a lower one replaced it: the lower one was
    // an outlier; judge this reading against the first.
    const alt = this.pendingAltMwh.data[i]!;
    if (v >= alt - this.jitterMwh) {
      this.pendingMwh.data[i] = alt;
      this.pendingTsMs.data[i] = this.pendingAltTsMs.data[i]!;
      this.pendingAllowMwh.data[i]! += this.pendingAltAllowMwh.data[i]!;
      this.pendingAltMwh.data[i] = Number.NaN;
    }
    const low = this.pendingMwh.data[i]!;
    const lowTsMs = this.pendingTsMs.data[i]!;
    if (v === low) {
      // The low value again: a copy confirms nothing; a later reading does (an outlier is one
      // reading), unless the meter's power says the counter should have moved meanwhile (a
      // device that reads 0 while it boots, Refoss#14). Zeros too: if the old counter comes
      // back after all, the restart is undone (see afterRise).
      const pendingTimed = this.pendingTimed.data[i] === 1;
      if (
        !this.isLater(lowTsMs, pendingTimed, ev) ||
        (ev.hasPower && this.pendingAllowMwh.data[i]! > EVIDENCE_SLACK_MWH)
      )
        return Outcome.duplicate;
    } else if (v < low) {
      if (low - v <= this.jitterMwh) return Outcome.jitter;
      const allowMwh = this.pendingAllowMwh.data[i]!;
      this.hold(i, PENDING_DROP, v, ev);
      // Remember the low value it replaces (a lower outlier must not erase it).
      this.pendingAltMwh.data[i] = low;
      this.pendingAltTsMs.data[i] = lowTsMs;
      this.pendingAltAllowMwh.data[i] = allowMwh;
      return Outcome.resetSuspected;
    }
    const growthMwh = v - low;
    // Growth from the low level must take real time: a burst of re-delivered old values (each a
    // little higher) arrives within milliseconds and is not a counter that restarted. Values
    // below anything this epoch showed are no copies of it: their growth needs no more than the
    // limit allows over the time since the low (at least `minElapsedMs`, or a burst's time).
    const byTime =
      growthMwh === 0 ||
      (this.usableAgainst(this.pendingTimed.data[i] === 1, ev)
        ? growthMwh <= this.evidenceSince(i, this.pendingAllowMwh.data[i]!, lowTsMs, ev)
        : growthMwh * 3600 <=
          ev.limitW * Math.max(0, ev.tsMs - lowTsMs) + EVIDENCE_SLACK_MWH * 3600);
    const burstFromMs = lowTsMs - ev.burstElapsedMs;
    const byBurst =
      !byTime &&
      low < this.epochFloorMwh.data[i]! &&
      this.withinLimit(growthMwh, burstFromMs, ev, true);
    if (!byTime && !byBurst) {
      this.hold(i, PENDING_DROP, v, ev);
      return Outcome.resetSuspected;
    }
    const seenTsMs = this.refSeenTsMs.data[i]!;
    const fromZero = this.couldBeSinceRestart(
      low,
      lowTsMs,
      this.pendingTimed.data[i] === 1 && this.refTimed.data[i] === 1,
      seenTsMs,
      ev,
    );
    const prevRef = ref;
    this.epoch.data[i]! += 1;
    this.epochStartTsMs.data[i] = lowTsMs;
    this.epochFloorMwh.data[i] = low;
    // Growth that only the burst's time explains comes with no elapsed time of its own: beyond
    // what the meter can draw in `minElapsedMs` it may be one corrupted value among queued ones
    // (`0, 194 Wh, 0` in one burst). The restart is then confirmed at the low value, and the
    // growth waits, like a queued rise, for the next reading to keep it; the low value counts as
    // seen at the start of the burst, when it may have been measured.
    const waits = byBurst && !this.withinLimit(growthMwh, ev.tsMs, ev, true);
    const to = waits ? low : v;
    if (fromZero) {
      // The counter restarted from zero after we last saw it: everything it shows was consumed
      // since. Remember the old level in case it comes back (two low outliers in a row).
      this.credit(i, to, seenTsMs, this.seenIntegralMwh.data[i]!, to, ev);
      this.prevRefMwh.data[i] = prevRef;
      this.prevSeenTsMs.data[i] = seenTsMs;
      this.epochCreditMwh.data[i] = to;
      if (waits) this.holdAfterBurst(i, v, burstFromMs, ev);
      return Outcome.reset;
    }
    // A new counter level (a counter restored to an older value, a replaced device): the level
    // itself is not consumption, the growth from it is.
    this.prevRefMwh.data[i] = Number.NaN;
    this.credit(i, to - low, lowTsMs, Number.NaN, to, ev);
    if (waits) this.holdAfterBurst(i, v, burstFromMs, ev);
    return Outcome.rebased;
  }

  /**
   * A restart confirmed at its low value by growth `v` that only a burst's time explains: the
   * low value becomes the reference, seen from `burstFromMs` (the earliest it can have been
   * measured), and `v` is held as a rise.
   */
  private holdAfterBurst(i: number, v: number, burstFromMs: number, ev: ReadingEvidence): void {
    this.refSetTsMs.data[i] = burstFromMs;
    this.refSeenTsMs.data[i] = burstFromMs;
    this.hold(i, PENDING_RISE, v, ev);
  }

  /**
   * The previous reading rose more than the evidence explains: an outlier if the counter comes
   * back below it, real if the counter stays there (consumption if physically possible, a new
   * counter level otherwise, or the old counter returning after a false restart).
   */
  private afterRise(i: number, ref: number, v: number, ev: ReadingEvidence): number {
    let high = this.pendingMwh.data[i]!;
    if (v < high - this.jitterMwh) {
      // Back at (or above) a rise held before a higher value replaced it: the higher one was the
      // outlier (`118.8 → 126.2 → 9533.5 → 126.2`); judge this reading against the first.
      const alt = this.pendingAltMwh.data[i]!;
      if (!(v >= alt - this.jitterMwh)) {
        this.pendingKind.data[i] = PENDING_NONE;
        return asGlitch(this.step(i, ref, v, ev));
      }
      high = alt;
      this.pendingMwh.data[i] = alt;
      this.pendingTsMs.data[i] = this.pendingAltTsMs.data[i]!;
      this.pendingAltMwh.data[i] = Number.NaN;
    }
    const highTsMs = this.pendingTsMs.data[i]!;
    if (v <= high) {
      // The same value again: a re-delivered copy confirms nothing; a later reading does.
      if (!this.isLater(highTsMs, this.pendingTimed.data[i] === 1, ev))
        return v === high ? Outcome.duplicate : Outcome.jitter;
      v = high;
    } else {
      // Growth from the held value that the meter could have drawn confirms it as the counter
      // (power reports sample a load that may have peaked between them: the limit, not the
      // reported power, is the test here; an outlier is rarely followed by a value above it).
      if (!this.withinLimit(v - high, highTsMs, ev, true)) {
        // Remember the first held rise: a higher outlier must not erase it.
        const first = this.pendingAltMwh.data[i]!;
        const keepFirst = !Number.isNaN(first);
        const altMwh = keepFirst ? first : high;
        const altTsMs = keepFirst ? this.pendingAltTsMs.data[i]! : highTsMs;
        this.hold(i, PENDING_RISE, v, ev);
        this.pendingAltMwh.data[i] = altMwh;
        this.pendingAltTsMs.data[i] = altTsMs;
        this.pendingAltAllowMwh.data[i] = 0;
        return Outcome.spikeRejected;
      }
    }
    const prevRef = this.prevRefMwh.data[i]!;
    if (
      !Number.isNaN(prevRef) &&
      highTsMs - this.epochStartTsMs.data[i]! <= PREVIOUS_LEVEL_MEMORY_MS &&
      high >= prevRef - this.jitterMwh &&
      high - prevRef <= (high - ref) * OLD_LEVEL_CLOSENESS + this.jitterMwh &&
      this.withinLimit(high - prevRef, this.prevSeenTsMs.data[i]!, ev, true, highTsMs)
    ) {
      // The counter is back on its pre-restart trajectory (just above the old level, far from
      // the new one): the "restart" was a low outlier.
      // Credit its growth since then, less what the false epoch already credited.
      const owed = Math.max(0, v - prevRef - this.epochCreditMwh.data[i]!);
      this.prevRefMwh.data[i] = Number.NaN;
      this.credit(i, owed, this.refSeenTsMs.data[i]!, this.seenIntegralMwh.data[i]!, v, ev);
      return Outcome.glitch;
    }
    const jumpMwh = high - ref;
    if (this.withinLimit(jumpMwh, this.refSeenTsMs.data[i]!, ev, true, highTsMs)) {
      // Physically possible and the counter kept it: consumption the power reports missed (a
      // short load between two reports, a long silence).
      this.credit(i, v - ref, this.refSeenTsMs.data[i]!, this.seenIntegralMwh.data[i]!, v, ev);
      return Outcome.accepted;
    }
    // Beyond the meter's limit and kept: a new counter level. The jump is not consumption, what
    // follows it is.
    this.epoch.data[i]! += 1;
    this.epochStartTsMs.data[i] = highTsMs;
    this.epochFloorMwh.data[i] = high;
    this.prevRefMwh.data[i] = Number.NaN;
    this.credit(i, v - high, highTsMs, Number.NaN, v, ev);
    return Outcome.rebased;
  }

  /**
   * Can the power evidence judge this reading against one taken at a time on the `timed` clock?
   * Only on the same clock (a device time against a device time, an arrival time against an
   * arrival time): between the two, elapsed time is not known well enough.
   */
  private usableAgainst(timed: boolean, ev: ReadingEvidence): boolean {
    return ev.usable && timed === ev.timed;
  }

  /**
   * Is this reading a later one than the one at `fromMs` (on the `timed` clock), not a copy of
   * it? By the device's clock any later time; by arrival times, one not within COPY_WINDOW_MS.
   */
  private isLater(fromMs: number, timed: boolean, ev: ReadingEvidence): boolean {
    if (ev.timed && timed) return ev.tsMs > fromMs;
    return ev.tsMs - fromMs >= COPY_WINDOW_MS;
  }

  /**
   * The energy the evidence explains since `fromMs`: the allowance of the meter's power reports
   * (`allowMwh`), or, while no power was reported since `fromMs`, twice the counter's recent
   * rate of growth if that is larger; plus the slack.
   */
  private evidenceSince(i: number, allowMwh: number, fromMs: number, ev: ReadingEvidence): number {
    // The rate speaks only while the power is stale: no power report since `fromMs` (a device
    // that reports power only on large changes). A fresh report outranks a remembered rate.
    if (ev.powerTsMs >= fromMs) return allowMwh + EVIDENCE_SLACK_MWH;
    const byRate = 2 * this.rateMwhPerMs.data[i]! * Math.max(0, ev.tsMs - fromMs);
    return Math.max(allowMwh, byRate) + EVIDENCE_SLACK_MWH;
  }

  /**
   * Could `lowMwh` be what a counter that restarted from zero shows at `lowTsMs`? The restart
   * happened after the counter was last seen at its reference (or at the device's boot, if that
   * came later), and no more than the meter's limit can have flowed since. Unless both times are
   * the device's clock, the elapsed time gets the `minElapsedMs` floor (arrival times can be
   * squeezed together).
   */
  private couldBeSinceRestart(
    lowMwh: number,
    lowTsMs: number,
    timed: boolean,
    seenTsMs: number,
    ev: ReadingEvidence,
  ): boolean {
    let sinceMs = seenTsMs;
    if (ev.bootTsMs > sinceMs && ev.bootTsMs <= lowTsMs) sinceMs = ev.bootTsMs;
    let elapsedMs = Math.max(0, lowTsMs - sinceMs);
    if (!timed) elapsedMs = Math.max(elapsedMs, this.minElapsedMs);
    return lowMwh * 3600 <= ev.limitW * elapsedMs + EVIDENCE_SLACK_MWH * 3600;
  }

  /**
   * Could `deltaMwh` have flowed between `fromMs` and `toMs` (default: the reading) at the
   * meter's limit? With `floor` the elapsed time is at least `minElapsedMs`: queued messages
   * delivered within milliseconds must not look like a 50 MW spike.
   */
  private withinLimit(
    deltaMwh: number,
    fromMs: number,
    ev: ReadingEvidence,
    floor: boolean,
    toMs = ev.tsMs,
  ): boolean {
    let elapsedMs = toMs - fromMs;
    if (floor && elapsedMs < this.minElapsedMs) elapsedMs = this.minElapsedMs;
    // W × ms / 3600 = mWh
    return deltaMwh * 3600 <= ev.limitW * elapsedMs + EVIDENCE_SLACK_MWH * 3600;
  }

  /** The same against the configured or rated limit alone (to report power beyond it). */
  private withinRating(deltaMwh: number, fromMs: number, ev: ReadingEvidence): boolean {
    const elapsedMs = Math.max(ev.tsMs - fromMs, this.minElapsedMs);
    return deltaMwh * 3600 <= ev.ratedW * elapsedMs;
  }

  private setReference(i: number, v: number, ev: ReadingEvidence): void {
    this.refMwh.data[i] = v;
    this.refSetTsMs.data[i] = ev.tsMs;
    this.refSeenTsMs.data[i] = ev.tsMs;
    this.refTimed.data[i] = ev.timed ? 1 : 0;
    this.allowMwh.data[i] = 0;
    this.seenIntegralMwh.data[i] = ev.integralMwh;
    this.pendingKind.data[i] = PENDING_NONE;
    this.flowSeen.data[i] = 0;
  }

  /**
   * The counter shows its reference after the device booted (since the reference was set):
   * whatever the power allowed before the boot is in the counter by now (a persistent counter
   * keeps what it counted; a restarted one would not show the reference), so it explains no
   * later rise; what can have flowed since the boot, at the limit, is all that is left (a
   * corrupted value within what a 57 kW export held across a reboot allowed is not that
   * export).
   */
  private trimAllowance(i: number, ev: ReadingEvidence): void {
    const bootTsMs = ev.bootTsMs;
    if (!(bootTsMs > this.refSetTsMs.data[i]! && bootTsMs <= ev.tsMs)) return;
    const sinceBootMwh = (ev.limitW * Math.max(ev.tsMs - bootTsMs, this.minElapsedMs)) / 3600;
    if (sinceBootMwh < this.allowMwh.data[i]!) this.allowMwh.data[i] = sinceBootMwh;
  }

  /**
   * The counter was seen at its reference again. Not inside a queue: a copy of the reference
   * there may have been measured at any time during the outage before it (a re-delivered one),
   * and the counter must not look seen at its reference when the queue arrived (a real rise over
   * the outage would then look beyond the limit).
   */
  private seen(i: number, ev: ReadingEvidence): void {
    if (!ev.queued && ev.tsMs > this.refSeenTsMs.data[i]!) {
      this.refSeenTsMs.data[i] = ev.tsMs;
      this.seenIntegralMwh.data[i] = ev.integralMwh;
      this.refTimed.data[i] = ev.timed ? 1 : 0;
    }
  }

  private credit(
    i: number,
    amountMwh: number,
    fromMs: number,
    fromIntegralMwh: number,
    newRefMwh: number,
    ev: ReadingEvidence,
  ): void {
    this.creditMwh = amountMwh;
    this.creditFromMs = fromMs;
    this.creditFromIntegralMwh = fromIntegralMwh;
    const spanMs = ev.tsMs - fromMs;
    if (spanMs > 0) this.rateMwhPerMs.data[i] = amountMwh / spanMs;
    // A restart from zero is doubted until the counter grows on from it once: after that it is a
    // counter of its own (the old level is forgotten), not two low outliers in a row.
    this.prevRefMwh.data[i] = Number.NaN;
    this.setReference(i, newRefMwh, ev);
  }

  private hold(i: number, kind: number, v: number, ev: ReadingEvidence): void {
    this.pendingKind.data[i] = kind;
    this.pendingMwh.data[i] = v;
    this.pendingTsMs.data[i] = ev.tsMs;
    this.pendingAllowMwh.data[i] = 0;
    this.pendingTimed.data[i] = ev.timed ? 1 : 0;
    this.pendingAltMwh.data[i] = Number.NaN;
  }
}

/** After a held-back outlier turned out to be a glitch, report the glitch unless worse happened. */
function asGlitch(outcome: number): number {
  return outcome === Outcome.accepted || outcome === Outcome.duplicate || outcome === Outcome.jitter
    ? Outcome.glitch
    : outcome;
}
