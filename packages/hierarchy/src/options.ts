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
   * Highest plausible power of one meter, in W. An increase of the counter implying more than
   * this over the elapsed time is rejected as a spike. Default 60,000 W (as emoncms).
   */
  maxPowerW?: number;
  /** Per-meter override of {@link maxPowerW}; return `undefined` for the default. */
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
  /**
   * A counter that drops below this fraction of its reference is a reset candidate (a drop to near
   * zero); smaller drops are ignored as backward steps. Default 0.1 (a drop of more than 90 %).
   */
  resetBelowRatio?: number;
  /** Most meters the engine tracks; further meters are refused. Default 1,000,000. */
  maxMeters?: number;
}

/** {@link EngineOptions} with defaults applied and units converted to the engine's integers. */
export interface ResolvedOptions {
  calendar: ZonedCalendar;
  staleAfterMs: number;
  maxPowerW: number;
  maxPowerWFor: ((path: readonly string[], meterId: string) => number | undefined) | undefined;
  minElapsedMs: number;
  jitterMwh: number;
  resetBelowRatio: number;
  maxMeters: number;
}

/** Default values of {@link EngineOptions}. */
export const DEFAULT_ENGINE_OPTIONS = {
  timeZone: "UTC",
  staleAfterMs: 600_000,
  maxPowerW: 60_000,
  minElapsedMs: 60_000,
  jitterWh: 1,
  resetBelowRatio: 0.1,
  maxMeters: 1_000_000,
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

/** Applies defaults and validates; throws {@link HierarchyError} `INVALID_OPTIONS`. */
export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  const d = DEFAULT_ENGINE_OPTIONS;
  const ratio = options.resetBelowRatio ?? d.resetBelowRatio;
  if (!(ratio > 0 && ratio < 1)) {
    throw new HierarchyError("INVALID_OPTIONS", `resetBelowRatio must be in (0, 1), got ${ratio}`);
  }
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
    resetBelowRatio: ratio,
    maxMeters,
  };
}
