import { HierarchyError } from "./errors";
import { ZonedCalendar } from "./zoned-calendar";

/** Settings of an {@link EnergyEngine}. Every field is optional; defaults are documented. */
export interface EngineOptions {
  /** IANA time zone for the hour, day and month periods. Default `"UTC"`. */
  timeZone?: string;
  /**
   * A meter whose last reading is older than this is stale: its power no longer counts in
   * live power and it is counted as stale. Default 600,000 ms (10 minutes), long enough for
   * Shelly Gen1's 30 s period and Gen2 devices that only report on change and every minute.
   */
  staleAfterMs?: number;
  /**
   * Highest plausible power of a meter whose model rating is unknown, in W: the limit used when
   * neither {@link maxPowerWFor} nor {@link EnergyEngine.setRatedPower} gives one. Default
   * 60,000 W (as emoncms). A meter's own sustained power reports raise its limit (see the README).
   */
  maxPowerW?: number;
  /**
   * Explicit per-meter limit, W (a configuration override): wins over the model rating given to
   * {@link EnergyEngine.setRatedPower}. Return `undefined` for no override.
   */
  maxPowerWFor?: (path: readonly string[], meterId: string) => number | undefined;
  /**
   * Floor of the elapsed time used by the plausibility check, in ms. Shelly counters advance
   * about once a minute, and a burst of queued messages can arrive within milliseconds; with this
   * floor an increase of up to `maxPowerW × minElapsedMs` is never called a spike because of
   * arrival timing. Default 60,000 ms (so up to 1 kWh at 60 kW).
   */
  minElapsedMs?: number;
  /** Decreases of at most this many Wh are jitter (rounding, re-ordering): ignored. Default 1 Wh. */
  jitterWh?: number;
  /** Most meters the engine tracks; further meters are refused. Default 1,000,000. */
  maxMeters?: number;
  /**
   * How far a device clock (`deviceTsMs`) may run ahead of the arrival time, and an arrival time
   * ahead of the clock given to {@link EnergyEngine.takeChanges}, before it is not believed, ms.
   * A device time beyond it is replaced by the arrival time; an arrival beyond it by that clock.
   * Default 300,000 (5 minutes).
   */
  maxClockSkewMs?: number;
  /**
   * Record every credited energy, split into UTC-aligned slots of this many minutes (1, 5, 15 or
   * 60), for {@link EnergyEngine.takeCredits}: what a history store needs to make every period's
   * rows add up to the lifetime totals. Off by default (nothing is recorded).
   */
  creditSlotMinutes?: 1 | 5 | 15 | 60;
}

/** {@link EngineOptions} with defaults applied and units converted to the engine's integers. */
export interface ResolvedOptions {
  calendar: ZonedCalendar;
  staleAfterMs: number;
  maxPowerW: number;
  maxPowerWFor: ((path: readonly string[], meterId: string) => number | undefined) | undefined;
  minElapsedMs: number;
  jitterMwh: number;
  maxMeters: number;
  maxClockSkewMs: number;
  /** 0 when the credit log is off. */
  creditSlotMs: number;
}

/** Default values of {@link EngineOptions}. */
export const DEFAULT_ENGINE_OPTIONS = {
  timeZone: "UTC",
  staleAfterMs: 600_000,
  maxPowerW: 60_000,
  minElapsedMs: 60_000,
  jitterWh: 1,
  maxMeters: 1_000_000,
  maxClockSkewMs: 300_000,
} as const;

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new HierarchyError(
      "INVALID_OPTIONS",
      `${name} must be a finite number ${allowZero ? ">= 0" : "> 0"}, got ${String(value)}`,
    );
  }
  return value;
}

function creditSlotMs(minutes: number | undefined): number {
  if (minutes === undefined) return 0;
  if (minutes !== 1 && minutes !== 5 && minutes !== 15 && minutes !== 60) {
    throw new HierarchyError(
      "INVALID_OPTIONS",
      `creditSlotMinutes must be 1, 5, 15 or 60, got ${String(minutes)}`,
    );
  }
  return minutes * 60_000;
}

/** Applies defaults and validates; throws {@link HierarchyError} `INVALID_OPTIONS`. */
export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  const d = DEFAULT_ENGINE_OPTIONS;
  const maxMeters = options.maxMeters ?? d.maxMeters;
  if (!Number.isInteger(maxMeters) || maxMeters < 1) {
    throw new HierarchyError(
      "INVALID_OPTIONS",
      `maxMeters must be an integer >= 1, got ${maxMeters}`,
    );
  }
  return {
    calendar: new ZonedCalendar(options.timeZone ?? d.timeZone),
    staleAfterMs: positive("staleAfterMs", options.staleAfterMs ?? d.staleAfterMs),
    maxPowerW: positive("maxPowerW", options.maxPowerW ?? d.maxPowerW),
    maxPowerWFor: options.maxPowerWFor,
    minElapsedMs: positive("minElapsedMs", options.minElapsedMs ?? d.minElapsedMs, true),
    jitterMwh: Math.round(positive("jitterWh", options.jitterWh ?? d.jitterWh, true) * 1000),
    maxMeters,
    maxClockSkewMs: positive("maxClockSkewMs", options.maxClockSkewMs ?? d.maxClockSkewMs, true),
    creditSlotMs: creditSlotMs(options.creditSlotMinutes),
  };
}
