import { AutomationError } from "./errors";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A local calendar date. */
export interface LocalDate {
  year: number;
  /** 1-12. */
  month: number;
  /** 1-31. */
  day: number;
}

/**
 * Local time in one IANA zone, with `Intl` only. {@link instantOf} gives the instant of a local
 * wall time with the rules a schedule needs: the first of the two instants of a repeated wall
 * time, and for a wall time a DST jump skips, the first instant after the jump.
 */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
      });
    } catch {
      throw new AutomationError("INVALID_RULE", `unknown IANA time zone "${timeZone}"`);
    }
  }

  /** The local wall time at `tsMs`, to the minute, as if it were UTC (ms). */
  wallMs(tsMs: number): number {
    const f = { year: 0, month: 0, day: 0, hour: 0, minute: 0 };
    for (const part of this.format.formatToParts(tsMs)) {
      if (part.type in f) f[part.type as keyof typeof f] = Number(part.value);
    }
    return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute);
  }

  /** The zone's offset from UTC at `tsMs`, ms (to the minute). */
  offsetMs(tsMs: number): number {
    const minuteStart = Math.floor(tsMs / MINUTE_MS) * MINUTE_MS;
    return this.wallMs(minuteStart) - minuteStart;
  }

  /** The local date at `tsMs`. */
  dateOf(tsMs: number): LocalDate {
    const d = new Date(this.wallMs(tsMs));
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }

  /** The instant of the local wall time `date` `hour`:`minute` (see the class comment for DST). */
  instantOf(date: LocalDate, hour: number, minute: number): number {
    const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
    const offsets = new Set([
      this.offsetMs(wall - DAY_MS),
      this.offsetMs(wall),
      this.offsetMs(wall + DAY_MS),
    ]);
    let first = Number.POSITIVE_INFINITY;
    for (const offset of offsets) {
      const t = wall - offset;
      if (this.wallMs(t) === wall && t < first) first = t;
    }
    if (first !== Number.POSITIVE_INFINITY) return first;
    // Skipped by a jump forward from offset `low` to `high`: the jump happened in
    // (wall - high, wall - low]; find its instant, the first minute with the new offset.
    const high = Math.max(...offsets);
    const low = Math.min(...offsets);
    let from = wall - high; // still the old offset (or the jump itself)
    let to = wall - low; // the new offset
    while (to - from > MINUTE_MS) {
      const mid = from + Math.floor((to - from) / 2 / MINUTE_MS) * MINUTE_MS;
      if (this.offsetMs(mid) === high) to = mid;
      else from = mid;
    }
    return this.offsetMs(from) === high ? from : to;
  }
}

/** `date` moved by `days` (negative: back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Day of the week of `date`: 0 Monday ... 6 Sunday. */
export function weekdayOf(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}
