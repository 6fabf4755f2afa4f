import { DAY_MS, HOUR_MS, hourOfDay, type LocalClock, MINUTE_MS } from "./local-clock";
import { type OfficeHours, officeState } from "./office-hours";
import type { Prng } from "./prng";

/**
 * What a load does over time.
 * - `fridge`: never stops; the compressor cycles (80-140 W for 8-18 min, 2-5 W for 15-35 min).
 * - `desk`: a workstation: 60-200 W varying during office hours, 1-4 W standby otherwise.
 * - `lights`: on at a steady level during office hours, off otherwise.
 * - `kettle`: 0.5-1.5 W standby; boils at 1.8-2.2 kW for 2-4 min, every ~25 min in office hours.
 * - `heater`: thermostat cycles (0.8-2 kW) during office hours, off otherwise.
 * - `server`: a steady base load around the clock (40-300 W).
 * - `mains`: a whole circuit: a night base, a higher varying load in office hours.
 * - `solar`: a PV inverter: negative power (export) along a sine from 07:00 to 19:00, with clouds.
 */
export type LoadRole =
  | "fridge"
  | "desk"
  | "lights"
  | "kettle"
  | "heater"
  | "server"
  | "mains"
  | "solar";

/** Size of a load, W: the meaning depends on the role (rated, active, peak). */
export interface LoadSize {
  /** The main level: compressor, active desk, lights, kettle, heater, server, office-hours circuit, PV peak. */
  mainW: number;
  /** The secondary level: compressor off, standby, night base (unused by lights, heater, server). */
  baseW: number;
}

const MIN = MINUTE_MS;

/**
 * A piecewise-constant power curve: `levelW` holds until `nextChangeMs`, then {@link step} draws
 * the next segment. Randomness comes from the device's load generator only, so the curve does
 * not depend on what the device publishes or which faults are injected.
 */
export class LoadProfile {
  /** Current power, W (negative = export). */
  levelW = 0;
  /** When the level changes next, Unix ms (integer). */
  nextChangeMs = 0;
  private on = false;
  private idleUntilBoundary = false;

  constructor(
    readonly role: LoadRole,
    readonly size: LoadSize,
    private readonly hours: OfficeHours,
  ) {}

  /** Highest power this load can draw, W (what a reset guard and a plausibility check must allow). */
  get maxW(): number {
    switch (this.role) {
      case "fridge":
        return this.size.mainW * 1.05;
      case "desk":
      case "mains":
        return this.size.mainW * 1.2;
      case "solar":
        return 5;
      default:
        return this.size.mainW * 1.05;
    }
  }

  /** Starts the curve at `tsMs` in a random phase of its cycle. */
  start(tsMs: number, clock: LocalClock, rng: Prng): void {
    this.on = rng.next() < 0.4;
    this.idleUntilBoundary = true; // a kettle starts idle
    this.step(tsMs, clock, rng);
    const span = this.nextChangeMs - tsMs;
    if (span > MIN) this.nextChangeMs = tsMs + 1 + Math.floor(rng.next() * span);
  }

  /** Draws the segment starting at `tsMs` (normally `nextChangeMs`). */
  step(tsMs: number, clock: LocalClock, rng: Prng): void {
    const { mainW, baseW } = this.size;
    let level: number;
    let next: number;
    switch (this.role) {
      case "fridge":
        this.on = !this.on;
        level = this.on ? mainW * rng.range(0.95, 1.05) : baseW * rng.range(0.9, 1.1);
        next = tsMs + (this.on ? rng.range(8, 18) : rng.range(15, 35)) * MIN;
        break;
      case "server":
        level = mainW * rng.range(0.95, 1.05);
        next = tsMs + rng.range(2, 10) * MIN;
        break;
      case "desk": {
        const o = officeState(tsMs, clock, this.hours);
        if (o.inOffice) {
          level = rng.next() < 0.1 ? mainW * 0.3 : mainW * rng.range(0.6, 1.2);
          next = Math.min(tsMs + rng.range(2, 10) * MIN, o.nextBoundaryMs);
        } else {
          level = baseW * rng.range(0.9, 1.1);
          next = o.nextBoundaryMs;
        }
        break;
      }
      case "lights": {
        const o = officeState(tsMs, clock, this.hours);
        level = o.inOffice ? mainW * rng.range(0.97, 1.03) : 0;
        next = o.inOffice
          ? Math.min(tsMs + rng.range(20, 40) * MIN, o.nextBoundaryMs)
          : o.nextBoundaryMs;
        break;
      }
      case "mains": {
        const o = officeState(tsMs, clock, this.hours);
        level = o.inOffice ? mainW * rng.range(0.7, 1.2) : baseW * rng.range(0.8, 1.2);
        next = Math.min(tsMs + rng.range(1, 4) * MIN, o.nextBoundaryMs);
        break;
      }
      case "heater": {
        const o = officeState(tsMs, clock, this.hours);
        if (!o.inOffice) {
          this.on = false;
          level = 0;
          next = o.nextBoundaryMs;
        } else {
          this.on = !this.on;
          level = this.on ? mainW * rng.range(0.95, 1.05) : 0;
          next = Math.min(tsMs + rng.range(5, this.on ? 15 : 20) * MIN, o.nextBoundaryMs);
        }
        break;
      }
      case "kettle": {
        const o = officeState(tsMs, clock, this.hours);
        if (!this.on && !this.idleUntilBoundary) {
          // An idle spell ran out: boil.
          this.on = true;
          level = mainW * rng.range(0.97, 1.03);
          next = tsMs + rng.range(2, 4) * MIN;
        } else {
          this.on = false;
          level = baseW * rng.range(0.9, 1.1);
          const idleEnd = tsMs + rng.exponential(o.inOffice ? 25 * MIN : 6 * HOUR_MS);
          this.idleUntilBoundary = idleEnd >= o.nextBoundaryMs;
          next = Math.min(idleEnd, o.nextBoundaryMs);
        }
        break;
      }
      case "solar": {
        const offset = clock.offsetMs(tsMs);
        const local = tsMs + offset;
        const hour = hourOfDay(local);
        const dayStart = Math.floor(local / DAY_MS) * DAY_MS - offset;
        if (hour >= 7 && hour < 19) {
          const sun = Math.sin((Math.PI * (hour - 7)) / 12);
          level = -mainW * sun * rng.range(0.55, 1);
          next = Math.min(tsMs + rng.range(3, 8) * MIN, dayStart + 19 * HOUR_MS);
        } else {
          level = rng.range(2, 5); // the inverter's own standby consumption at night
          next = dayStart + (hour < 7 ? 7 * HOUR_MS : DAY_MS + 7 * HOUR_MS);
        }
        break;
      }
    }
    this.levelW = level;
    this.nextChangeMs = Math.max(Math.round(next), tsMs + 1);
  }
}
