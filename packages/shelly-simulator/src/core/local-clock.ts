/** Milliseconds per minute, hour, day. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Offsets are looked up once per 15 minutes of UTC: every real zone changes offset on such a boundary. */
const BUCKET_MS = 15 * MINUTE_MS;
const MAX_CACHED = 4096;

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Local time of a simulated instant in one IANA time zone (office hours, the `time` field of
 * `sys`). Pure: the instant is always passed in.
 */
export class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(readonly timeZone: string) {
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
  }

  /** The zone's UTC offset at `tsMs`, in ms (local = UTC + offset). */
  offsetMs(tsMs: number): number {
    const bucket = Math.floor(tsMs / BUCKET_MS);
    const cached = this.cache.get(bucket);
    if (cached !== undefined) return cached;
    const startMs = bucket * BUCKET_MS;
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(startMs))) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    const localAsUtc = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    const offset = localAsUtc - startMs;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(bucket, offset);
    return offset;
  }

  /** Local wall-clock time as if it were UTC, ms: feed it to the helpers below. */
  localMs(tsMs: number): number {
    return tsMs + this.offsetMs(tsMs);
  }
}

/** Day of the week of a local time (from {@link LocalClock.localMs}): 0 = Monday … 6 = Sunday. */
export function weekdayOf(localMs: number): number {
  // 1970-01-01 was a Thursday (weekday 3).
  return (((Math.floor(localMs / DAY_MS) + 3) % 7) + 7) % 7;
}

/** Hours since local midnight, fractional (from {@link LocalClock.localMs}). */
export function hourOfDay(localMs: number): number {
  return (localMs - Math.floor(localMs / DAY_MS) * DAY_MS) / HOUR_MS;
}

/** `HH:MM` of a local time, as Shelly's `sys.time`. */
export function clockText(localMs: number): string {
  const minutes = Math.floor((localMs - Math.floor(localMs / DAY_MS) * DAY_MS) / MINUTE_MS);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}`;
}
