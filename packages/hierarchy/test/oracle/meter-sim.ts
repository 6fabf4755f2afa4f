/**
 * One meter's physical state: true power from its profile, its counters and the truth, in
 * integer units (see `physical-model.ts`), and the guard's bookkeeping.
 */
import type { Prng } from "./prng";
import { HOUR_MS, type MeterParams, MINUTE_MS, SECOND_MS } from "./scenario";
import type { SimMessage, SimMeter } from "./stream";

/** dW·ms in one mWh: 1 mWh = 3.6 W·s = 36,000 dW·ms. */
const DW_MS_PER_MWH = 36_000;

/** The running state of one meter. */
export class MeterSim {
  /** True power now, dW (0.1 W); negative while exporting. */
  powerDw = 0;
  /** When the current piece of the power profile ends, Unix ms. */
  profileUntilMs = 0;
  /** Profile state for the alternating profiles (kettle, cycling, night-idle). */
  on = false;
  /** The counters as the device holds them, integer mWh. */
  counterMwh: number;
  returnedMwh: number;
  /** The truth: energy consumed (returned) since the start of the run, integer mWh. */
  physicalMwh = 0;
  physicalReturnedMwh = 0;
  /** What has been consumed (returned) below the next whole mWh, dW·ms (< 36,000). */
  fracDwMs = 0;
  fracReturnedDwMs = 0;
  /** `restores-older`: the counters at the last save point, and when the next one is. */
  savedMwh: number;
  savedReturnedMwh: number;
  nextSaveMs = Number.POSITIVE_INFINITY;
  nextReportMs = Number.POSITIVE_INFINITY;
  /** The current counter segment (index into `sim.segments`). */
  segment = 0;
  /** Guard: genuine in-order readings still needed, produced at or after `blockedUntilMs`. */
  needGenuine = 2;
  blockedUntilMs = Number.NEGATIVE_INFINITY;
  /** The last genuine reading delivered in order. */
  lastGenuine: SimMessage | undefined;
  /** Recent genuine delivered readings, for re-deliveries. */
  history: SimMessage[] = [];
  /** Readings produced in the tail; -1 before it. */
  tailReadings = -1;
  done = false;

  constructor(
    readonly sim: SimMeter,
    readonly rng: Prng,
    private readonly startMs: number,
  ) {
    const p = sim.params;
    this.counterMwh = p.largeCounter ? Math.round(rng.logUniform(1e6, 1e11)) : rng.int(0, 100_000);
    this.returnedMwh = !p.hasReturned
      ? 0
      : p.largeCounter
        ? Math.round(rng.logUniform(1e5, 1e10))
        : rng.int(0, 100_000);
    this.savedMwh = this.counterMwh;
    this.savedReturnedMwh = this.returnedMwh;
  }

  get params(): MeterParams {
    return this.sim.params;
  }

  /** The guard allows a fault or a discontinuity at `tMs`. */
  settled(tMs: number): boolean {
    return this.needGenuine === 0 && tMs >= this.blockedUntilMs;
  }

  /** After a fault or a discontinuity whose effect reaches the receiver at `untilMs`. */
  unsettle(untilMs: number): void {
    this.needGenuine = 2;
    if (untilMs > this.blockedUntilMs) this.blockedUntilMs = untilMs;
  }

  /** Integrates the current power over `dtMs` (nothing while the device is down). */
  accrue(dtMs: number, powered: boolean): void {
    if (!powered || this.powerDw === 0 || dtMs <= 0) return;
    if (this.powerDw > 0) {
      this.fracDwMs += this.powerDw * dtMs;
      const carry = Math.floor(this.fracDwMs / DW_MS_PER_MWH);
      this.fracDwMs -= carry * DW_MS_PER_MWH;
      this.counterMwh += carry;
      this.physicalMwh += carry;
    } else {
      this.fracReturnedDwMs += -this.powerDw * dtMs;
      const carry = Math.floor(this.fracReturnedDwMs / DW_MS_PER_MWH);
      this.fracReturnedDwMs -= carry * DW_MS_PER_MWH;
      this.returnedMwh += carry;
      this.physicalReturnedMwh += carry;
    }
  }

  /** Draws the next piece of the power profile starting at `tMs`. */
  nextProfileSegment(tMs: number): void {
    const rng = this.rng;
    const p = this.params;
    const peakDw = p.peakW * 10;
    const ratingDw = p.ratingW * 10;
    const fraction = (lo: number, hi: number, ofDw: number) =>
      Math.max(1, Math.round(ofDw * (lo + rng.next() * (hi - lo))));
    let powerDw: number;
    let durationMs: number;
    if (p.hasReturned && tMs > this.startMs && rng.chance(0.15)) {
      powerDw = -fraction(0.05, 1, ratingDw);
      durationMs = rng.logUniform(MINUTE_MS, 2 * HOUR_MS);
    } else if (p.peakW > p.ratingW) {
      // A large site: long steady stretches, so that every level is reported; the first one
      // near the peak, so that 1.25 × the reported power covers the peak before anything happens.
      powerDw = fraction(tMs === this.startMs ? 0.8 : 0.5, 1, peakDw);
      durationMs = rng.logUniform(5 * MINUTE_MS, HOUR_MS);
    } else {
      switch (p.profile) {
        case "office": {
          const r = rng.next();
          if (r < 0.35) {
            powerDw = rng.int(0, 50);
            durationMs = rng.logUniform(5 * MINUTE_MS, 2 * HOUR_MS);
          } else if (r < 0.85) {
            powerDw = fraction(0.1, 0.6, peakDw);
            durationMs = rng.logUniform(MINUTE_MS, HOUR_MS);
          } else {
            powerDw = fraction(0.8, 1, peakDw);
            durationMs = rng.int(5, 60) * SECOND_MS;
          }
          break;
        }
        case "kettle":
          this.on = !this.on;
          powerDw = this.on ? fraction(0.8, 1, peakDw) : 0;
          durationMs = this.on
            ? rng.int(5, 60) * SECOND_MS
            : rng.logUniform(MINUTE_MS, 30 * MINUTE_MS);
          break;
        case "cycling":
          this.on = !this.on;
          powerDw = this.on ? fraction(0.3, 0.8, peakDw) : rng.int(0, 20);
          durationMs = rng.int(this.on ? 2 : 5, this.on ? 15 : 30) * MINUTE_MS;
          break;
        case "night-idle":
          this.on = !this.on;
          powerDw = this.on ? fraction(0.05, 0.5, peakDw) : 0;
          durationMs = rng.logUniform(
            this.on ? HOUR_MS : 2 * HOUR_MS,
            this.on ? 10 * HOUR_MS : 12 * HOUR_MS,
          );
          break;
      }
    }
    this.powerDw = powerDw;
    this.profileUntilMs = tMs + Math.max(SECOND_MS, Math.round(durationMs));
  }
}
