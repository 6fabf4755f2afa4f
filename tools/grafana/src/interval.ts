/**
 * Intervals the way Grafana writes and reads them: the text the frontend puts in `$__interval`
 * and the parser the MySQL backend applies to a `$__timeGroup` argument. Pure: no clock.
 */

const MS_PER_S = 1000;

/**
 * The text of an interval as Grafana's frontend shows it in `$__interval` (its `secondsToHms`):
 * the largest whole unit only, truncated (90 minutes is `"1h"`), from years (365 days) down to
 * milliseconds.
 */
export function intervalText(intervalMs: number): string {
  const seconds = intervalMs / MS_PER_S;
  const units: Array<[string, number]> = [
    ["y", 31_536_000],
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ];
  let rest = seconds;
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) return `${count}${unit}`;
    rest %= size;
  }
  const ms = Math.floor(seconds * MS_PER_S);
  return ms > 0 ? `${ms}ms` : "less than a millisecond";
}

const GO_UNITS_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Parses a Go duration (`"1h30m"`, `"1.5h"`, `"300ms"`, `"-2m"`), as Go's `time.ParseDuration`
 * does; returns milliseconds, or `undefined` when the text is not a duration. `"0"` alone is zero.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest.startsWith("-")) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let totalNs = 0;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) return undefined;
    const whole = match[1] ?? "";
    const fraction = match[2];
    if (whole === "" && (fraction === undefined || fraction === "")) return undefined;
    const value = Number(`${whole === "" ? "0" : whole}.${fraction ?? "0"}`);
    totalNs += value * (GO_UNITS_NS[match[3] ?? ""] ?? Number.NaN);
    rest = rest.slice(match[0].length);
  }
  return (sign * Math.round(totalNs)) / 1e6;
}

const DAY_MS = 86_400_000;

/**
 * Parses an interval as the MySQL backend does for `$__timeGroup` (the SDK's `gtime.ParseInterval`):
 * `<n>d` and `<n>w` are whole UTC days, `<n>M` and `<n>y` are calendar months and years counted
 * from `nowMs` (so they need it), anything else is a Go duration. Returns milliseconds, or
 * `undefined` when Grafana would answer "error parsing interval".
 */
export function parseGrafanaInterval(text: string, nowMs?: number): number | undefined {
  const calendar = /^(\d+)([dwMy])$/.exec(text);
  if (!calendar) return parseGoDuration(text);
  const count = Number(calendar[1]);
  const unit = calendar[2];
  if (unit === "d") return count * DAY_MS;
  if (unit === "w") return count * 7 * DAY_MS;
  if (nowMs === undefined) return undefined;
  const now = new Date(nowMs);
  const later = new Date(nowMs);
  if (unit === "M") later.setUTCMonth(now.getUTCMonth() + count);
  else later.setUTCFullYear(now.getUTCFullYear() + count);
  return later.getTime() - nowMs;
}

/**
 * Formats a number of seconds with no decimals as Go's `%.0f` does: rounding half to even
 * (`0.5` is `"0"`, `1.5` is `"2"`), which is what `$__timeGroup` prints for its bucket width.
 */
export function formatSecondsNoDecimals(seconds: number): string {
  const floor = Math.floor(seconds);
  const diff = seconds - floor;
  let rounded: number;
  if (diff > 0.5) rounded = floor + 1;
  else if (diff < 0.5) rounded = floor;
  else rounded = floor % 2 === 0 ? floor : floor + 1;
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

/**
 * Formats an interval as the backend's `gtime.FormatInterval` does (what the backend writes for
 * `$__interval` when the frontend left it): the largest whole unit, at least `"1ms"`.
 */
export function backendIntervalText(intervalMs: number): string {
  const units: Array<[string, number]> = [
    ["y", 365 * DAY_MS],
    ["d", DAY_MS],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
    ["ms", 1],
  ];
  for (const [unit, size] of units) {
    if (intervalMs >= size) return `${Math.floor(intervalMs / size)}${unit}`;
  }
  return "1ms";
}
