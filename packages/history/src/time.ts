import { HistoryError } from "./errors";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const sqlTimes = new Map<number, string>();

/** `YYYY-MM-DD HH:MM:SS` in UTC: how times are stored (a MariaDB DATETIME, SQLite text). */
export function toSqlTime(tsMs: number): string {
  // A batch names a few periods many times over: remember the recent ones.
  let text = sqlTimes.get(tsMs);
  if (text === undefined) {
    const iso = new Date(tsMs).toISOString();
    text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    if (sqlTimes.size >= 4096) sqlTimes.clear();
    sqlTimes.set(tsMs, text);
  }
  return text;
}

/** The Unix ms of a stored `YYYY-MM-DD HH:MM:SS` (UTC), or of a MariaDB `Date`. */
export function fromSqlTime(value: string | Date): number {
  if (value instanceof Date) return value.getTime();
  return Date.parse(`${value.replace(" ", "T")}Z`);
}

/** The local periods a UTC instant belongs to, each as the Unix ms of its local start. */
export interface LocalPeriods {
  hourStartMs: number;
  dayStartMs: number;
  monthStartMs: number;
}

/**
 * Local calendar arithmetic in one IANA zone, with `Intl` (no tz database of its own). Results
 * are cached by hour, so a batch of rows costs a few map lookups.
 */
export class ZoneCalendar {
  private readonly format: Intl.DateTimeFormat;
  private readonly byHour = new Map<number, LocalPeriods>();

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
        second: "numeric",
      });
    } catch {
      throw new HistoryError("INVALID_ARGUMENT", `unknown IANA time zone "${timeZone}"`);
    }
  }

  /** The zone's offset from UTC at `tsMs`, ms (positive east of Greenwich). */
  offsetMs(tsMs: number): number {
    const w = this.wall(tsMs);
    return (
      Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) -
      (tsMs - (((tsMs % 1000) + 1000) % 1000))
    );
  }

  /** The wall-clock fields at `tsMs`. */
  wall(tsMs: number): {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
  } {
    const f = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of this.format.formatToParts(tsMs)) {
      if (part.type in f) f[part.type as keyof typeof f] = Number(part.value);
    }
    return f;
  }

  /**
   * The instant a local wall time happens (the first one in a repeated hour; the first instant
   * after a skipped one).
   */
  instantOf(year: number, month: number, day: number, hour = 0, minute = 0): number {
    const asUtc = Date.UTC(year, month - 1, day, hour, minute);
    // Two rounds settle every zone: the offset at the guess, then at the corrected guess.
    let guess = asUtc - this.offsetMs(asUtc);
    guess = asUtc - this.offsetMs(guess);
    const before = asUtc - this.offsetMs(guess - HOUR_MS);
    // In a repeated hour both offsets give the wall time: the earlier instant is its first.
    if (before < guess && this.sameWall(before, asUtc)) return before;
    return guess;
  }

  /** The local hour, day and month `tsMs` falls in. */
  periodsOf(tsMs: number): LocalPeriods {
    const hourKey = Math.floor(tsMs / (15 * MINUTE_MS)); // offsets are whole quarter-hours
    const cached = this.byHour.get(hourKey);
    if (cached !== undefined) return cached;
    const w = this.wall(tsMs);
    const periods: LocalPeriods = {
      hourStartMs:
        tsMs - (w.minute * MINUTE_MS + w.second * 1000 + (((tsMs % 1000) + 1000) % 1000)),
      dayStartMs: this.instantOf(w.year, w.month, w.day),
      monthStartMs: this.instantOf(w.year, w.month, 1),
    };
    if (this.byHour.size > 100_000) this.byHour.clear();
    this.byHour.set(hourKey, periods);
    return periods;
  }

  /** The start of the local day after the one starting at `dayStartMs`. */
  nextDay(dayStartMs: number): number {
    const w = this.wall(dayStartMs + 12 * HOUR_MS);
    const d = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
    return this.instantOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }

  /** The start of the local month after the one starting at `monthStartMs`. */
  nextMonth(monthStartMs: number): number {
    const w = this.wall(monthStartMs + 12 * HOUR_MS);
    const d = new Date(Date.UTC(w.year, w.month, 1));
    return this.instantOf(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }

  private sameWall(tsMs: number, asUtc: number): boolean {
    const w = this.wall(tsMs);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === asUtc;
  }
}

/**
 * Throws {@link HistoryError} `INVALID_ARGUMENT` unless every UTC offset `timeZone` uses around
 * `aroundMs` (two years either side) is a whole number of `periodMinutes` or of hours: periods
 * aligned to UTC must also be aligned to local hours, or no hourly row could be exact.
 */
export function checkZoneAlignment(
  timeZone: string,
  periodMinutes: number,
  aroundMs: number,
): void {
  const calendar = new ZoneCalendar(timeZone);
  const unitMinutes = Math.min(periodMinutes, 60);
  const seen = new Set<number>();
  for (
    let t = aroundMs - 2 * 365 * 86_400_000;
    t <= aroundMs + 2 * 365 * 86_400_000;
    t += 7 * 86_400_000
  ) {
    seen.add(calendar.offsetMs(t) / MINUTE_MS);
  }
  for (const offsetMinutes of seen) {
    if (offsetMinutes % unitMinutes !== 0) {
      throw new HistoryError(
        "INVALID_ARGUMENT",
        `${timeZone} is UTC${offsetMinutes >= 0 ? "+" : "-"}${Math.floor(Math.abs(offsetMinutes) / 60)}:${String(Math.abs(offsetMinutes) % 60).padStart(2, "0")} at times: ${periodMinutes}-minute periods aligned to UTC would straddle its local hours; use period_minutes = 15 (or 5, 1)`,
      );
    }
  }
}
