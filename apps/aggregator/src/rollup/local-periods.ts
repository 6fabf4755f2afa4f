/** The local hour, day and month an instant falls in, as comparable keys. */
export interface PeriodKeys {
  /** `YYYY-MM-DDTHH±offset`: the offset tells the two 01:00 hours of a DST fall-back apart. */
  hour: string;
  /** `YYYY-MM-DD` */
  day: string;
  /** `YYYY-MM` */
  month: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The local periods of `tsMs` in `timeZone` (Intl, so half-hour and 45-minute zones and DST
 * are right: in Asia/Kolkata an hour starts at hh:30 UTC). Only the wall clock's own fields are
 * used, plus the UTC offset for the hour.
 */
export function periodKeys(tsMs: number, timeZone: string): PeriodKeys {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(tsMs))) parts[p.type] = p.value;
  const { year, month, day, hour, minute, second } = parts as Record<string, string>;
  const wallMs = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const offsetMin = Math.round((wallMs - Math.floor(tsMs / 1000) * 1000) / 60_000);
  return {
    hour: `${year}-${month}-${day}T${hour}${offsetMin >= 0 ? "+" : "-"}${Math.abs(offsetMin)}`,
    day: `${year}-${month}-${day}`,
    month: `${year}-${month}`,
  };
}
