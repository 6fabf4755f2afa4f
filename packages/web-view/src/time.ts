/**
 * Calendar arithmetic in the aggregator's IANA time zone (not the browser's): where this local
 * month and year start, and how a chart labels a bucket. Pure: the instant is always passed in.
 */

/** The calendar fields of an instant in a time zone. */
export interface ZonedParts {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar fields of `ms` in `timeZone`. */
export function zonedParts(ms: number, timeZone: string): ZonedParts {
  let f = partFormatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    partFormatters.set(timeZone, f);
  }
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of f.formatToParts(new Date(ms))) {
    if (p.type in out) out[p.type as keyof ZonedParts] = Number(p.value);
  }
  return out;
}

/** Offset of `timeZone` from UTC at the instant `ms`, in ms (Lisbon in summer: +3,600,000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant at which the local date `year-month-day 00:00` begins in `timeZone`, in ms.
 * `month` may be 13 (January of the next year). Right across DST changes: the offset is taken at
 * the result, and taken again once if the first guess fell on the other side of a change.
 */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  let ms = wall - zoneOffsetMs(wall, timeZone);
  const corrected = wall - zoneOffsetMs(ms, timeZone);
  if (corrected !== ms) ms = corrected;
  return ms;
}

/** A `[fromMs, toMs)` range. */
export interface Range {
  fromMs: number;
  toMs: number;
}

/** The local month that contains `nowMs`: from its first midnight to the next month's. */
export function thisMonth(nowMs: number, timeZone: string): Range {
  const p = zonedParts(nowMs, timeZone);
  return {
    fromMs: zonedMidnight(p.year, p.month, 1, timeZone),
    toMs: zonedMidnight(p.year, p.month + 1, 1, timeZone),
  };
}

/** The local year that contains `nowMs`: from 1 January to the next 1 January. */
export function thisYear(nowMs: number, timeZone: string): Range {
  const p = zonedParts(nowMs, timeZone);
  return {
    fromMs: zonedMidnight(p.year, 1, 1, timeZone),
    toMs: zonedMidnight(p.year + 1, 1, 1, timeZone),
  };
}

/** The last 24 hours up to `nowMs`. */
export function last24Hours(nowMs: number): Range {
  return { fromMs: nowMs - 24 * 3_600_000, toMs: nowMs };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** How a chart names a bucket in `timeZone`: `2026-12-04 10:15`, `2026-12-04` or `2026-12`. */
export function formatBucket(
  ms: number,
  by: "period" | "hour" | "day" | "month",
  timeZone: string,
): string {
  const p = zonedParts(ms, timeZone);
  const date = `${p.year}-${pad(p.month)}`;
  if (by === "month") return date;
  if (by === "day") return `${date}-${pad(p.day)}`;
  return `${date}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * A short axis label in `timeZone`: `14:30` for periods and hours (`12-05` at midnight),
 * `12-05` for days, `2026-12` for months.
 */
export function formatTick(
  ms: number,
  by: "period" | "hour" | "day" | "month",
  timeZone: string,
): string {
  const p = zonedParts(ms, timeZone);
  if (by === "month") return `${p.year}-${pad(p.month)}`;
  const day = `${pad(p.month)}-${pad(p.day)}`;
  if (by === "day" || (p.hour === 0 && p.minute === 0)) return day;
  return `${pad(p.hour)}:${pad(p.minute)}`;
}
