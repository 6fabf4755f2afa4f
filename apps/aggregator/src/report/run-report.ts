import { parseArgs } from "node:util";
import { HistoryError, matchesPath, openHistory, ZoneCalendar } from "@coreflux/history";
import { formatProblem, loadConfig } from "../config/load";
import { reportCsv, reportJson, reportTable } from "./format-report";
import { parseReportArgs, ReportArgumentError } from "./report-args";

/** Usage of `coreflux-aggregator report`. */
export const REPORT_HELP = `Usage: coreflux-aggregator report --from <date> --to <date> [options]

Energy per node from the history ([history] in the configuration), summed by local hour, day or
month of [accounting] time_zone.

Options:
  -c, --config <file>  configuration file (default ./config.toml)
      --from <date>    first instant, inclusive: YYYY-MM-DD (local midnight) or ISO 8601
      --to <date>      end, exclusive
      --level <level>  company (default), office, room or device
      --by <period>    hour, day (default) or month
      --path <glob>    only these nodes: "Porto/**", "*/Kitchen", "Porto/Kitchen/Plug1"
      --format <fmt>   table (default), csv or json
`;

/** Runs the report; returns the exit code (0 done, 1 database failure, 2 bad arguments). */
export async function runReport(
  argv: string[],
  out: (text: string) => void,
  err: (text: string) => void,
  env: Record<string, string | undefined>,
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        from: { type: "string" },
        to: { type: "string" },
        level: { type: "string" },
        by: { type: "string" },
        path: { type: "string" },
        format: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    err(`coreflux-aggregator report: ${(error as Error).message}\n\n${REPORT_HELP}`);
    return 2;
  }
  if (values.help) {
    out(REPORT_HELP);
    return 0;
  }
  const file = typeof values.config === "string" ? values.config : "./config.toml";
  const loaded = loadConfig(file, env);
  if (!loaded.ok) {
    for (const problem of loaded.errors) err(`${formatProblem(problem)}\n`);
    return 2;
  }
  const config = loaded.config;
  if (config.history === undefined) {
    err(
      `coreflux-aggregator report: ${file} has no [history] table, so there is no history to report on\n`,
    );
    return 2;
  }
  const timeZone = config.accounting.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const calendar = new ZoneCalendar(timeZone);
  let args: ReturnType<typeof parseReportArgs>;
  try {
    args = parseReportArgs(values, calendar);
  } catch (error) {
    if (!(error instanceof ReportArgumentError)) throw error;
    err(`coreflux-aggregator report: ${error.message}\n`);
    return 2;
  }
  const company = config.company.topic.split("/")[0]!;
  try {
    const store = await openHistory({
      url: config.history.url,
      password: config.history.password,
      company,
      periodMinutes: config.history.period_minutes,
      timeZone,
      readOnly: true,
    });
    try {
      if (args.path !== undefined) {
        const pattern = args.path;
        if (!(await store.nodes()).some((n) => matchesPath(pattern, n.path))) {
          out(`No node matches --path "${args.path}" in ${store.describe}.\n`);
          return 0;
        }
      }
      const rows = await store.report({
        fromMs: args.fromMs,
        toMs: args.toMs,
        by: args.by,
        level: args.level,
        ...(args.path === undefined ? {} : { path: args.path }),
      });
      if (rows.length === 0 && args.format === "table") {
        out(
          `No energy recorded for the ${args.level} level from ${args.fromText} to ${args.toText}.\n`,
        );
        return 0;
      }
      out(
        args.format === "json"
          ? reportJson(rows, args, calendar)
          : args.format === "csv"
            ? reportCsv(rows, calendar)
            : reportTable(rows, args, calendar),
      );
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof HistoryError) {
      err(`coreflux-aggregator report: ${error.message} (${error.code})\n`);
      return 1;
    }
    throw error;
  }
}
