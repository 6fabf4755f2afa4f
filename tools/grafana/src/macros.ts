/**
 * The backend half of a Grafana MySQL query, and the whole expansion: what Grafana's MySQL
 * datasource sends to the database for a panel's raw SQL, given the time range, the interval and
 * the dashboard's variables. Written from Grafana's documented behaviour and its macro engine's
 * observable output; pure (no clock: calendar intervals need `nowMs`).
 */
import { GrafanaQueryError } from "./errors";
import { backendIntervalText, formatSecondsNoDecimals, parseGrafanaInterval } from "./interval";
import { stripSqlComments } from "./sql-comments";
import { type FrontendContext, interpolateTemplateVariables } from "./template-variables";

/** The dashboard's time range as the backend receives it. */
export interface TimeRange {
  /** Start, Unix ms. */
  fromMs: number;
  /** End, Unix ms. */
  toMs: number;
}

/** What the macro engine may need besides the range. */
export interface MacroOptions {
  /** "Now", Unix ms: only for `$__timeGroup` intervals in months or years (`1M`, `1y`). */
  nowMs?: number;
}

/** Everything one query's expansion depends on. */
export interface QueryContext extends FrontendContext, MacroOptions {}

// Grafana refuses queries that ask who the database user is or what it may do.
const RESTRICTED =
  /(\s*show\s+grants|[\s,]session_user\([^)]*\)|[\s,]current_user(\([^)]*\))?|[\s,]system_user\([^)]*\)|[\s,]user\([^)]*\))([\s,;]|$)/im;

// $__name(arguments): the arguments end at the first ")", so a macro cannot wrap a function call.
const MACRO_CALL = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

/** Whole seconds of a Unix ms instant, rounded down (Go's `Time.Unix()`). */
function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * The substitutions every Grafana SQL datasource makes on the backend before its own macros:
 * `$__interval_ms`, `$__interval` (when the frontend left them), `$__unixEpochFrom()` and
 * `$__unixEpochTo()` (Unix seconds).
 */
export function replaceGlobalMacros(sql: string, range: TimeRange, intervalMs: number): string {
  return sql
    .replaceAll("$__interval_ms", String(Math.trunc(intervalMs)))
    .replaceAll("$__interval", backendIntervalText(intervalMs))
    .replaceAll("$__unixEpochFrom()", String(unixSeconds(range.fromMs)))
    .replaceAll("$__unixEpochTo()", String(unixSeconds(range.toMs)));
}

/**
 * Expands the MySQL datasource's macros in `sql` (after the template variables): refuses
 * restricted queries, removes comments, then replaces each `$__name(args)` (arguments split at
 * commas, spaces trimmed). Throws {@link GrafanaQueryError} where Grafana would answer with an
 * error (unknown macro, missing argument, unparsable interval or fill value, restricted query).
 */
export function expandMacros(sql: string, range: TimeRange, options: MacroOptions = {}): string {
  if (RESTRICTED.test(sql)) {
    throw new GrafanaQueryError(
      "RESTRICTED_QUERY",
      "show grants, session_user(), current_user(), system_user() or user() not allowed in query",
    );
  }
  return stripSqlComments(sql).replace(MACRO_CALL, (_match, name: string, argText: string) => {
    const args = argText.split(",").map(trimSpaces);
    return evaluateMacro(name, args, range, options);
  });
}

/**
 * The SQL Grafana's MySQL datasource runs for a panel target or a query variable: template
 * variables first (frontend), then the global substitutions and the macros (backend).
 */
export function expandQuery(rawSql: string, context: QueryContext): string {
  const range = { fromMs: context.fromMs, toMs: context.toMs };
  const frontend = interpolateTemplateVariables(rawSql, context);
  const global = replaceGlobalMacros(frontend, range, context.intervalMs);
  return expandMacros(global, range, { nowMs: context.nowMs });
}

/** Go's `strings.Trim(s, " ")`: spaces only, not tabs or newlines. */
function trimSpaces(text: string): string {
  return text.replace(/^ +| +$/g, "");
}

function evaluateMacro(
  name: string,
  args: string[],
  range: TimeRange,
  options: MacroOptions,
): string {
  const from = unixSeconds(range.fromMs);
  const to = unixSeconds(range.toMs);
  // strings.Split always yields at least one element, so "missing" means "no usable text" only in
  // Grafana's sense: the list is never empty. An empty first argument is passed through as is.
  const column = args[0] ?? "";
  switch (name) {
    case "__time":
    case "__timeEpoch":
      return `UNIX_TIMESTAMP(${column}) as time_sec`;
    case "__timeFilter":
      return from < 0
        ? `${column} BETWEEN DATE_ADD(FROM_UNIXTIME(0), INTERVAL ${from} SECOND) AND FROM_UNIXTIME(${to})`
        : `${column} BETWEEN FROM_UNIXTIME(${from}) AND FROM_UNIXTIME(${to})`;
    case "__timeFrom":
      return `FROM_UNIXTIME(${from})`;
    case "__timeTo":
      return `FROM_UNIXTIME(${to})`;
    case "__timeGroup": {
      const seconds = groupSeconds(name, args, /^['"]+|['"]+$/g, options);
      const width = formatSecondsNoDecimals(seconds);
      return `UNIX_TIMESTAMP(${column}) DIV ${width} * ${width}`;
    }
    case "__timeGroupAlias":
      return `${evaluateMacro("__timeGroup", args, range, options)} AS "time"`;
    case "__unixEpochFilter":
      return `${column} >= ${from} AND ${column} <= ${to}`;
    case "__unixEpochNanoFilter":
      return `${column} >= ${nanos(range.fromMs)} AND ${column} <= ${nanos(range.toMs)}`;
    case "__unixEpochNanoFrom":
      return nanos(range.fromMs);
    case "__unixEpochNanoTo":
      return nanos(range.toMs);
    case "__unixEpochGroup": {
      const seconds = groupSeconds(name, args, /^'+|'+$/g, options);
      // Go's %v of a float: 300 prints as "300", 0.5 as "0.5" (as JavaScript's String does).
      return `${column} DIV ${String(seconds)} * ${String(seconds)}`;
    }
    case "__unixEpochGroupAlias":
      return `${evaluateMacro("__unixEpochGroup", args, range, options)} AS "time"`;
    default:
      throw new GrafanaQueryError("UNKNOWN_MACRO", `unknown macro ${name}`);
  }
}

/** The bucket width of a group macro, seconds; checks the optional fill argument. */
function groupSeconds(name: string, args: string[], quotes: RegExp, options: MacroOptions): number {
  if (args.length < 2) {
    throw new GrafanaQueryError("MISSING_ARGUMENT", `macro ${name} needs time column and interval`);
  }
  const text = (args[1] ?? "").replace(quotes, "");
  const ms = parseGrafanaInterval(text, options.nowMs);
  if (ms === undefined) {
    throw new GrafanaQueryError("BAD_ARGUMENT", `error parsing interval ${args[1]}`);
  }
  if (args.length === 3) checkFill(args[2] ?? "");
  return ms / 1000;
}

/**
 * The third argument of a group macro: `NULL`, `previous` or a number. It changes how Grafana fills
 * missing buckets in the result, never the SQL, so it is only checked here.
 */
function checkFill(fill: string): void {
  if (fill === "NULL" || fill === "previous") return;
  if (fill.trim() === "" || Number.isNaN(Number(fill))) {
    throw new GrafanaQueryError("BAD_ARGUMENT", `error parsing fill value ${fill}`);
  }
}

/** Nanoseconds of a Unix ms instant, as a decimal string (beyond 2^53, so through BigInt). */
function nanos(ms: number): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n).toString();
}
