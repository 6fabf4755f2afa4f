import type { ReportRow, ZoneCalendar } from "@coreflux/history";
import type { ReportArgs } from "./report-args";

/** A report row as printed: energies in Wh with at most three decimals. */
export interface PrintedRow {
  path: string;
  periodStart: string;
  energyWh: number;
  returnedEnergyWh: number;
}

/** The JSON document of `report --format json`. */
export interface ReportDocument {
  timeZone: string;
  from: string;
  to: string;
  level: string;
  by: string;
  rows: PrintedRow[];
}

/** `2026-11-03T00:00:00+01:00`: the instant in the zone's local time, with its offset. */
export function localIso(tsMs: number, calendar: ZoneCalendar): string {
  const offsetMin = Math.round(calendar.offsetMs(tsMs) / 60_000);
  const local = new Date(tsMs + offsetMin * 60_000).toISOString().slice(0, 19);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** Integer mWh as Wh: exact, at most three decimals. */
const wh = (mwh: number) => mwh / 1000;

/** The rows as printed. */
export function printedRows(rows: readonly ReportRow[], calendar: ZoneCalendar): PrintedRow[] {
  return rows.map((r) => ({
    path: r.path,
    periodStart: localIso(r.periodStartMs, calendar),
    energyWh: wh(r.energyMwh),
    returnedEnergyWh: wh(r.returnedEnergyMwh),
  }));
}

/** The JSON report. */
export function reportJson(
  rows: readonly ReportRow[],
  args: ReportArgs,
  calendar: ZoneCalendar,
): string {
  const doc: ReportDocument = {
    timeZone: calendar.timeZone,
    from: localIso(args.fromMs, calendar),
    to: localIso(args.toMs, calendar),
    level: args.level,
    by: args.by,
    rows: printedRows(rows, calendar),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The CSV report: a header, then one line per row (RFC 4180 quoting). */
export function reportCsv(rows: readonly ReportRow[], calendar: ZoneCalendar): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ["path,periodStart,energyWh,returnedEnergyWh"];
  for (const r of printedRows(rows, calendar)) {
    lines.push([quote(r.path), r.periodStart, r.energyWh, r.returnedEnergyWh].join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** The table for people: kWh with three decimals, aligned, and a totals line. */
export function reportTable(
  rows: readonly ReportRow[],
  args: ReportArgs,
  calendar: ZoneCalendar,
): string {
  const kwh = (mwh: number) => (mwh / 1_000_000).toFixed(3);
  const header = ["Node", "Period start", "Energy kWh", "Returned kWh"];
  const body = printedRows(rows, calendar).map((r, i) => [
    r.path === "" ? "(company)" : r.path,
    r.periodStart.slice(0, args.by === "month" ? 7 : args.by === "day" ? 10 : 16).replace("T", " "),
    kwh(rows[i]!.energyMwh),
    kwh(rows[i]!.returnedEnergyMwh),
  ]);
  const total = [
    "Total",
    "",
    kwh(rows.reduce((n, r) => n + r.energyMwh, 0)),
    kwh(rows.reduce((n, r) => n + r.returnedEnergyMwh, 0)),
  ];
  const all = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...all.map((line) => line[c]!.length)));
  const format = (line: string[]) =>
    line
      .map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return `${[
    `Energy by ${args.by}, ${args.level} level, ${localIso(args.fromMs, calendar)} to ${localIso(args.toMs, calendar)} (${calendar.timeZone})`,
    format(header),
    rule,
    ...body.map(format),
    rule,
    format(total),
  ].join("\n")}\n`;
}
