import { type AnyGrowable, GrowableFloat64, GrowableUint8, GrowableUint32 } from "./growable";
import type { ResolvedOptions } from "./options";

/** What one counter value did to a meter. Numeric for the hot path; see `OUTCOMES`. */
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
} as const;

/** Held-back reading kinds. */
const PENDING_NONE = 0;
const PENDING_DROP = 1;
const PENDING_SPIKE = 2;

/**
 * The accounting state of one cumulative counter per meter (the engine keeps one for active
 * energy and one for returned energy), as columns indexed by meter.
 *
 * - `refMwh`: the last accepted counter value (integer mWh; NaN before the first reading).
 * - `refSetTsMs`: when `refMwh` was accepted; the plausibility check measures from here, so a
 *   later copy of the same value (or a glitch equal to it) never shortens the time an increase
 *   is allowed to take.
 * - `refSeenTsMs`: the last time the counter was seen at `refMwh`; the next increase accumulated
 *   after it, which is what period splitting uses.
 * - `pending*`: a held-back outlier: a drop to near zero (reset candidate) or an implausible
 *   jump, waiting for the next reading to tell a glitch from a reset.
 * - `epoch`: how many resets and re-bases the counter went through.
 */
export class CounterTracker {
  readonly refMwh = new GrowableFloat64(Number.NaN);
  readonly refSetTsMs = new GrowableFloat64(0);
  readonly refSeenTsMs = new GrowableFloat64(0);
  readonly pendingKind = new GrowableUint8();
  readonly pendingMwh = new GrowableFloat64(0);
  readonly pendingTsMs = new GrowableFloat64(0);
  readonly epoch = new GrowableUint32();

  /** Energy credited by the last {@link advance}, integer mWh (0 when none). */
  creditMwh = 0;
  /** Start of the interval over which {@link creditMwh} accumulated (ends at the reading). */
  creditFromMs = 0;

  constructor(private readonly options: ResolvedOptions) {}

  /** Its per-meter columns, for the meter table to grow them with its own. */
  columns(): AnyGrowable[] {
    return [
      this.refMwh,
      this.refSetTsMs,
      this.refSeenTsMs,
      this.pendingKind,
      this.pendingMwh,
      this.pendingTsMs,
      this.epoch,
    ];
  }

  /**
   * Applies one counter value (integer mWh, >= 0) read at `tsMs` to meter `i`. Returns an
   * {@link Outcome}; the energy to credit is left in {@link creditMwh} / {@link creditFromMs}.
   * `bootTsMs` is when the device last booted (NaN if unknown): a drop after a reboot that
   * happened since the reference was seen is a reset without waiting for confirmation.
   */
  advance(i: number, valueMwh: number, tsMs: number, maxPowerW: number, bootTsMs: number): number {
    this.creditMwh = 0;
    const ref = this.refMwh.data[i]!;
    if (Number.isNaN(ref)) {
      this.refMwh.data[i] = valueMwh;
      this.refSetTsMs.data[i] = tsMs;
      this.refSeenTsMs.data[i] = tsMs;
      return Outcome.reference;
    }
    const pending = this.pendingKind.data[i];
    if (pending === PENDING_DROP)
      return this.afterDrop(i, ref, valueMwh, tsMs, maxPowerW, bootTsMs);
    if (pending === PENDING_SPIKE)
      return this.afterSpike(i, ref, valueMwh, tsMs, maxPowerW, bootTsMs);
    return this.step(i, ref, valueMwh, tsMs, maxPowerW, bootTsMs);
  }

  /** A reading with nothing held back. */
  private step(
    i: number,
    ref: number,
    v: number,
    tsMs: number,
    maxPowerW: number,
    bootTsMs: number,
  ): number {
    const seenTsMs = this.refSeenTsMs.data[i]!;
    if (v === ref) {
      if (tsMs > seenTsMs) this.refSeenTsMs.data[i] = tsMs;
      return Outcome.duplicate;
    }
    if (v > ref) {
      if (this.plausible(v - ref, this.refSetTsMs.data[i]!, tsMs, maxPowerW)) {
        this.credit(i, v - ref, seenTsMs, v, tsMs);
        return Outcome.accepted;
      }
      this.hold(i, PENDING_SPIKE, v, tsMs);
      return Outcome.spikeRejected;
    }
    if (ref - v <= this.options.jitterMwh) return Outcome.jitter;
    if (v < ref * this.options.resetBelowRatio) {
      if (v > 0 && bootTsMs > seenTsMs) {
        this.confirmReset(i, v, v, tsMs, maxPowerW);
        return Outcome.reset;
      }
      this.hold(i, PENDING_DROP, v, tsMs);
      return Outcome.resetSuspected;
    }
    return Outcome.backward;
  }

  /** The previous reading dropped to near zero: a glitch if we are back, a reset if we grow. */
  private afterDrop(
    i: number,
    ref: number,
    v: number,
    tsMs: number,
    maxPowerW: number,
    bootTsMs: number,
  ): number {
    if (v >= ref - this.options.jitterMwh) {
      this.pendingKind.data[i] = PENDING_NONE;
      return asGlitch(this.step(i, ref, v, tsMs, maxPowerW, bootTsMs));
    }
    if (v >= ref * this.options.resetBelowRatio) return Outcome.backward;
    const low = this.pendingMwh.data[i]!;
    if (v === low) return Outcome.duplicate;
    if (v > low || (v > 0 && bootTsMs > this.refSeenTsMs.data[i]!)) {
      this.confirmReset(i, v, Math.min(low, v), tsMs, maxPowerW);
      return Outcome.reset;
    }
    if (v < low) this.hold(i, PENDING_DROP, v, tsMs);
    return Outcome.resetSuspected;
  }

  /** The previous reading jumped implausibly: a glitch if we are back, a re-base if it holds. */
  private afterSpike(
    i: number,
    ref: number,
    v: number,
    tsMs: number,
    maxPowerW: number,
    bootTsMs: number,
  ): number {
    const setTsMs = this.refSetTsMs.data[i]!;
    if (v <= ref || this.plausible(v - ref, setTsMs, tsMs, maxPowerW)) {
      this.pendingKind.data[i] = PENDING_NONE;
      return asGlitch(this.step(i, ref, v, tsMs, maxPowerW, bootTsMs));
    }
    const high = this.pendingMwh.data[i]!;
    const highTsMs = this.pendingTsMs.data[i]!;
    if (v === high) return Outcome.duplicate;
    // Only growth from the new level confirms it: a re-delivered copy of the outlier does not.
    if (v > high && this.plausible(v - high, highTsMs, tsMs, maxPowerW)) {
      // The jump holds: the counter moved to a new level (a replaced or re-based meter). The
      // jump itself is not consumption; what follows it is.
      this.epoch.data[i]! += 1;
      this.pendingKind.data[i] = PENDING_NONE;
      this.credit(i, v - high, highTsMs, v, tsMs);
      return Outcome.rebased;
    }
    this.hold(i, PENDING_SPIKE, v, tsMs);
    return Outcome.spikeRejected;
  }

  /**
   * A confirmed reset: the counter restarted from zero, so everything it shows now (`v`) was
   * consumed since the reset. If crediting all of it is implausible, credit only the growth
   * since the first low reading (`low`).
   */
  private confirmReset(i: number, v: number, low: number, tsMs: number, maxPowerW: number): void {
    const seenTsMs = this.refSeenTsMs.data[i]!;
    this.epoch.data[i]! += 1;
    this.pendingKind.data[i] = PENDING_NONE;
    if (this.plausible(v, this.refSetTsMs.data[i]!, tsMs, maxPowerW))
      this.credit(i, v, seenTsMs, v, tsMs);
    else this.credit(i, v - low, this.pendingTsMs.data[i]!, v, tsMs);
  }

  private credit(
    i: number,
    amountMwh: number,
    fromMs: number,
    newRefMwh: number,
    tsMs: number,
  ): void {
    this.creditMwh = amountMwh;
    this.creditFromMs = fromMs;
    this.refMwh.data[i] = newRefMwh;
    if (tsMs > this.refSetTsMs.data[i]!) this.refSetTsMs.data[i] = tsMs;
    if (tsMs > this.refSeenTsMs.data[i]!) this.refSeenTsMs.data[i] = tsMs;
  }

  private hold(i: number, kind: number, v: number, tsMs: number): void {
    this.pendingKind.data[i] = kind;
    this.pendingMwh.data[i] = v;
    this.pendingTsMs.data[i] = tsMs;
  }

  /** Could `deltaMwh` have been consumed between the two instants at `maxPowerW`? */
  private plausible(deltaMwh: number, fromMs: number, toMs: number, maxPowerW: number): boolean {
    const elapsedMs = Math.max(toMs - fromMs, this.options.minElapsedMs);
    // W × ms / 3600 = mWh
    return deltaMwh * 3600 <= maxPowerW * elapsedMs;
  }
}

/** After a held-back outlier turned out to be a glitch, report the glitch unless worse happened. */
function asGlitch(outcome: number): number {
  return outcome === Outcome.accepted || outcome === Outcome.duplicate || outcome === Outcome.jitter
    ? Outcome.glitch
    : outcome;
}
