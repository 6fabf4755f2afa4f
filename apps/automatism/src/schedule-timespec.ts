import { parseWindow, WEEKDAYS, type Weekday } from "@coreflux/automation";

/**
 * Shelly's weekday names, Sunday first, as the Gen2 Schedule documentation writes them
 * (`"0 34 17 * * SUN,MON,TUE,WED,THU,FRI,SAT"`,
 * https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Schedule).
 */
const SHELLY_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

/**
 * The Shelly Gen2 cron timespec (`ss mm hh DD MM WW`) that fires at the start of `window`
 * (`"20:30-08:30"`) on `days` (the days a window starts; default every day): second 0, the
 * start minute and hour without leading zeros (Shelly does not accept them), every day of the
 * month and month, the weekdays by name. `"20:30-08:30"` on weekdays →
 * `"0 30 20 * * MON,TUE,WED,THU,FRI"`. Throws `AutomationError` for a malformed window.
 */
export function timespecOf(window: string, days: readonly Weekday[] | undefined): string {
  const { startMinute } = parseWindow(window);
  const wanted = new Set<Weekday>(days ?? WEEKDAYS);
  const names = SHELLY_DAYS.filter((_, i) => wanted.has(shellyToWeekday(i)));
  return `0 ${startMinute % 60} ${Math.floor(startMinute / 60)} * * ${names.join(",")}`;
}

/**
 * True when two timespecs fire at the same instants, as far as this module writes them:
 * numbers compared without leading zeros, the weekday field as a set (`SUN,MON` = `1,0` =
 * `mon,sun`; `0` and `7` are Sunday; ranges such as `MON-FRI`; `*` and `?` every day), a
 * 5-field form read with second 0. Anything it cannot read is compared as text.
 */
export function sameTimespec(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function shellyToWeekday(shellyIndex: number): Weekday {
  return WEEKDAYS[(shellyIndex + 6) % 7]!;
}

function canonical(timespec: string): string {
  const fields = timespec.trim().toUpperCase().split(/\s+/);
  if (fields.length === 5) fields.unshift("0");
  if (fields.length === 7 && fields[6] === "*") fields.pop();
  if (fields.length !== 6) return fields.join(" ");
  const [second, minute, hour, dayOfMonth, month, weekdays] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const number = (f: string) => (/^\d+$/.test(f) ? String(Number(f)) : f);
  return [
    number(second),
    number(minute),
    number(hour),
    dayOfMonth === "?" ? "*" : dayOfMonth,
    month,
    weekdaySet(weekdays) ?? weekdays,
  ].join(" ");
}

/** The weekday field as sorted Shelly indices (`"1,3"`), or undefined when it is not a plain list. */
function weekdaySet(field: string): string | undefined {
  if (field === "*" || field === "?") return "0,1,2,3,4,5,6";
  const days = new Set<number>();
  for (const token of field.split(",")) {
    const range = token.split("-");
    if (range.length > 2) return undefined;
    const from = dayIndex(range[0]!);
    const to = range.length === 2 ? dayIndex(range[1]!) : from;
    if (from === undefined || to === undefined || to < from) return undefined;
    for (let d = from; d <= to; d++) days.add(d % 7);
  }
  return [...days].sort((x, y) => x - y).join(",");
}

function dayIndex(token: string): number | undefined {
  if (/^[0-7]$/.test(token)) return Number(token);
  const i = SHELLY_DAYS.indexOf(token as (typeof SHELLY_DAYS)[number]);
  return i < 0 ? undefined : i;
}
