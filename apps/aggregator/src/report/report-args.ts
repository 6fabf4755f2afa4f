import type { NodeLevel, ReportGrouping, ZoneCalendar } from "@coreflux/history";

/** A report's question, from the command line. */
export interface ReportArgs {
  fromMs: number;
  toMs: number;
  /** The arguments as given, for messages. */
  fromText: string;
  toText: string;
  level: NodeLevel;
  by: Exclude<ReportGrouping, "period">;
  path: string | undefined;
  format: "table" | "csv" | "json";
}

/** A command-line mistake (exit code 2). */
export class ReportArgumentError extends Error {
  override readonly name = "ReportArgumentError";
}

const LEVELS = ["company", "office", "room", "device"] as const;
const GROUPINGS = ["hour", "day", "month"] as const;
const FORMATS = ["table", "csv", "json"] as const;

/**
 * Validates the report's options. Dates are `YYYY-MM-DD` (local midnight in `calendar`'s zone),
 * a local `YYYY-MM-DDTHH:MM`, or ISO 8601 with an offset or `Z`.
 */
export function parseReportArgs(
  values: Record<string, string | boolean | undefined>,
  calendar: ZoneCalendar,
): ReportArgs {
  const text = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const from = text("from");
  const to = text("to");
  if (from === undefined || to === undefined) {
    throw new ReportArgumentError("--from and --to are required (YYYY-MM-DD or ISO 8601)");
  }
  const fromMs = parseInstant(from, calendar, "--from");
  const toMs = parseInstant(to, calendar, "--to");
  if (!(toMs > fromMs))
    throw new ReportArgumentError(`--to (${to}) must be after --from (${from})`);
  return {
    fromMs,
    toMs,
    fromText: from,
    toText: to,
    level: oneOf(text("level") ?? "company", LEVELS, "--level"),
    by: oneOf(text("by") ?? "day", GROUPINGS, "--by"),
    path: text("path"),
    format: oneOf(text("format") ?? "table", FORMATS, "--format"),
  };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ReportArgumentError(`${name} must be one of ${allowed.join(", ")}, got "${value}"`);
}

function parseInstant(text: string, calendar: ZoneCalendar, name: string): number {
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (local !== null) {
    const [y, mo, d, h, mi] = local.slice(1).map((p) => (p === undefined ? 0 : Number(p)));
    const check = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!));
    if (
      check.getUTCFullYear() !== y ||
      check.getUTCMonth() !== mo! - 1 ||
      check.getUTCDate() !== d ||
      h! > 23 ||
      mi! > 59
    ) {
      throw new ReportArgumentError(`${name} "${text}" is not a valid date`);
    }
    return calendar.instantOf(y!, mo!, d!, h!, mi!);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new ReportArgumentError(
    `${name} "${text}" is not a date: use YYYY-MM-DD (local midnight) or ISO 8601 (2026-11-01T08:00:00+01:00)`,
  );
}
