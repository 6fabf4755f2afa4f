import { HierarchyError } from "./errors";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Local wall-clock fields of an instant in a time zone. */
interface LocalFields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The calendar periods (local hour, day and month) that contain one instant, as UTC
 * milliseconds `[start, end)`. A period's `start` is also its key: two instants are in the same
 * period exactly when their starts are equal.
 */
export interface CalendarPeriods {
  hourStartMs: number;
  hourEndMs: number;
  dayStartMs: number;
  dayEndMs: number;
  monthStartMs: number;
  monthEndMs: number;
}

/**
 * Hour, day and month boundaries in an IANA time zone, DST-correct: a local day lasts 23, 24 or
 * 25 hours; a local hour that happens twice (autumn) is two periods. Uses only `Intl` (ECMA-402),
 * no host APIs. Results for the most recent instant are cached, so finding the periods of an
 * instant in the same hour costs two comparisons.
 */
export class ZonedCalendar {
  /** The IANA zone name, e.g. `Europe/Lisbon`. */
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat;
  private cached: CalendarPeriods | undefined;

  constructor(timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch (cause) {
      throw new HierarchyError("INVALID_OPTIONS", `unknown time zone "${timeZone}"`, { cause });
    }
    this.timeZone = this.format.resolvedOptions().timeZone;
  }

  /** The hour, day and month that contain `tsMs`. */
  periodsAt(tsMs: number): CalendarPeriods {
    const c = this.cached;
    if (c !== undefined && tsMs >= c.hourStartMs && tsMs < c.hourEndMs) return c;
    const periods = this.compute(tsMs);
    this.cached = periods;
    return periods;
  }

  /** Start of the local day (midnight, or the first instant of the day) that contains `tsMs`. */
  dayStartMs(tsMs: number): number {
    return this.periodsAt(tsMs).dayStartMs;
  }

  private compute(tsMs: number): CalendarPeriods {
    const f = this.fields(tsMs);
    const wholeSecondMs = Math.floor(tsMs / 1000) * 1000;
    const offsetMs =
      Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - wholeSecondMs;
    // The local hour that contains tsMs began minute:second ago on the local clock, unless the
    // zone's offset changed since then: a change of a whole hour is a new local hour anyway, but
    // a half-hour one (Australia/Lord_Howe) would make two hours overlap. So the hour starts at
    // the later of the two, and ends at the next whole local hour or the next offset change.
    const wallHourStartMs = wholeSecondMs - (f.minute * 60 + f.second) * 1000;
    let hourStartMs = wallHourStartMs;
    if (this.offsetAt(wallHourStartMs) !== offsetMs) {
      hourStartMs = this.firstWithOffset(wallHourStartMs, wholeSecondMs, offsetMs, true);
    }
    let hourEndMs = wallHourStartMs + HOUR_MS;
    if (this.offsetAt(hourEndMs - 1000) !== offsetMs) {
      hourEndMs = this.firstWithOffset(wholeSecondMs, hourEndMs - 1000, offsetMs, false);
    }
    const dayStartMs = this.localToUtc(f.year, f.month, f.day);
    const dayEndMs = this.localToUtc(f.year, f.month, f.day + 1);
    const monthStartMs = this.localToUtc(f.year, f.month, 1);
    const monthEndMs = this.localToUtc(f.year, f.month + 1, 1);
    if (hourEndMs > dayEndMs) hourEndMs = dayEndMs;
    if (hourStartMs < dayStartMs) hourStartMs = dayStartMs;
    return { hourStartMs, hourEndMs, dayStartMs, dayEndMs, monthStartMs, monthEndMs };
  }

  /** The zone's offset from UTC at an instant, ms (whole seconds). */
  private offsetAt(tsMs: number): number {
    return this.localMs(tsMs) - Math.floor(tsMs / 1000) * 1000;
  }

  /**
   * The offset change between two whole-second instants, found by bisection to the second: with
   * `same`, the first instant whose offset is `offsetMs` (`loMs` has another one); otherwise
   * the first instant whose offset is no longer `offsetMs` (`loMs` has it).
   */
  private firstWithOffset(loMs: number, hiMs: number, offsetMs: number, same: boolean): number {
    let lo = loMs;
    let hi = hiMs;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if ((this.offsetAt(mid) === offsetMs) === same) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  private fields(tsMs: number): LocalFields {
    const out: LocalFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of this.format.formatToParts(tsMs)) {
      switch (part.type) {
        case "year":
          out.year = Number(part.value);
          break;
        case "month":
          out.month = Number(part.value);
          break;
        case "day":
          out.day = Number(part.value);
          break;
        case "hour":
          out.hour = Number(part.value);
          break;
        case "minute":
          out.minute = Number(part.value);
          break;
        case "second":
          out.second = Number(part.value);
          break;
        default:
          break;
      }
    }
    return out;
  }

  /** Local wall-clock time of an instant, expressed as if it were UTC milliseconds. */
  private localMs(tsMs: number): number {
    const f = this.fields(tsMs);
    return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  }

  /**
   * The first instant whose local time is `year-month-day 00:00` (fields may overflow: day 32 is
   * the next month). When local midnight is repeated, the earlier one; when it is skipped by a
   * DST jump, the first instant after the jump.
   */
  private localToUtc(year: number, month: number, day: number): number {
    const wallMs = Date.UTC(year, month - 1, day);
    let best = Number.POSITIVE_INFINITY;
    for (const probeMs of [wallMs - DAY_MS, wallMs, wallMs + DAY_MS]) {
      const candidate = wallMs - (this.localMs(probeMs) - Math.floor(probeMs / 1000) * 1000);
      if (candidate < best && this.localMs(candidate) === wallMs) best = candidate;
    }
    if (best !== Number.POSITIVE_INFINITY) return best;
    // Midnight does not exist on this date: find the first instant at or after it.
    // Local time only moves forward around a skipped midnight, so bisect on it.
    let lo = wallMs - DAY_MS;
    let hi = wallMs + DAY_MS;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (this.localMs(mid) >= wallMs) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}
