/**
 * Runs dashboard queries against MariaDB the way Grafana's MySQL datasource would: variables
 * resolved in dashboard order from their own queries, each target's SQL expanded with
 * `expandQuery`, a session in UTC (the provisioned datasource's `timezone: "+00:00"`).
 */
import type { Dashboard, Panel, VariableModel } from "@grafana/schema";
import { type Connection, createConnection } from "mariadb";
import { expandQuery, type QueryContext } from "./macros";
import { ALL_VALUE, type TemplateVariable } from "./template-variables";

/** The shared MariaDB of this machine (CI starts it): root without a password. */
export const MARIADB = { host: "127.0.0.1", port: 3306, user: "root" };

/** One result row, column name to value (DATETIMEs as `YYYY-MM-DD HH:MM:SS` strings, UTC). */
export type Row = Record<string, unknown>;

/** A database of its own on the shared MariaDB, and a session on it as Grafana would open one. */
export interface ScratchDatabase {
  name: string;
  url: string;
  session: Connection;
  drop(): Promise<void>;
}

/** Creates `coreflux_grafana_<random>` and a UTC session on it; `drop` ends both. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `coreflux_grafana_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await createConnection(MARIADB);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const session = await createConnection({ ...MARIADB, database: name, dateStrings: true });
  await session.query("SET time_zone = '+00:00'");
  return {
    name,
    url: `mariadb://${MARIADB.user}@${MARIADB.host}:${MARIADB.port}/${name}`,
    session,
    drop: async () => {
      await session.end().catch(() => undefined);
      const c = await createConnection(MARIADB);
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A value of a numeric column (number, BigInt or DECIMAL string) as a number. */
export function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") return Number(value);
  throw new Error(`not a number: ${String(value)}`);
}

/** A Wh value from SQL (`mWh / 1000`) back to integer mWh. */
export function mwh(value: unknown): number {
  return Math.round(num(value) * 1000);
}

/**
 * A `time` column as Grafana reads it, Unix ms: a DATETIME (UTC, the session's zone) or an
 * epoch number (seconds, as `$__timeGroupAlias` returns).
 */
export function timeMs(value: unknown): number {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2} /.test(value)) {
    return Date.parse(`${value.replace(" ", "T")}Z`);
  }
  const n = num(value);
  return n < 1e11 ? n * 1000 : n;
}

/** What the user picked: variable name to a value, several values, or All. */
export type Selections = Record<string, string | string[] | typeof ALL_VALUE>;

/** The range and interval of one dashboard view. */
export interface View {
  fromMs: number;
  toMs: number;
  intervalMs: number;
}

/** A variable's options as its query returned them: `__value`/`__text` columns, or the first. */
function optionValues(rows: Row[]): string[] {
  return rows.map((r) => String("__value" in r ? r.__value : Object.values(r)[0]));
}

/**
 * Resolves the dashboard's variables in order, as Grafana does on load: each query variable's SQL
 * is expanded with the variables before it and run; its current value is the selection, or All
 * (when offered), or the first option. Custom variables take their selection or first option.
 */
export async function resolveVariables(
  session: Connection,
  dashboard: Dashboard,
  view: View,
  selections: Selections,
): Promise<{ variables: Record<string, TemplateVariable>; queries: Record<string, string> }> {
  const variables: Record<string, TemplateVariable> = {};
  const queries: Record<string, string> = {};
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === "datasource") continue;
    const options = await variableOptions(session, v, view, variables, queries);
    const picked = selections[v.name];
    const current =
      picked ??
      (v.includeAll === true
        ? ALL_VALUE
        : v.multi === true
          ? [options[0] ?? ""]
          : (options[0] ?? ""));
    variables[v.name] = {
      current,
      multi: v.multi === true,
      includeAll: v.includeAll === true,
      options,
      ...(v.allValue === undefined ? {} : { allValue: v.allValue }),
    };
  }
  return { variables, queries };
}

async function variableOptions(
  session: Connection,
  v: VariableModel,
  view: View,
  variables: Record<string, TemplateVariable>,
  queries: Record<string, string>,
): Promise<string[]> {
  if (v.type === "custom")
    return String(v.query)
      .split(",")
      .map((o) => o.trim());
  if (v.type !== "query") throw new Error(`variable ${v.name}: type ${v.type} is not handled`);
  const sql = expandQuery(String(v.query), { ...view, variables });
  queries[v.name] = sql;
  return optionValues((await session.query(sql)) as Row[]);
}

/** The raw SQL of a panel's (single) target. */
export function panelSql(panel: Panel): { sql: string; format: string } {
  const target = panel.targets?.[0];
  if (target === undefined || typeof target.rawSql !== "string") {
    throw new Error(`panel "${panel.title}" has no raw SQL target`);
  }
  return { sql: target.rawSql, format: String(target.format) };
}

/** Expands and runs a panel's query in `context`; returns the rows and the SQL that ran. */
export async function runPanel(
  session: Connection,
  panel: Panel,
  context: QueryContext,
): Promise<{ rows: Row[]; sql: string; format: string }> {
  const { sql: raw, format } = panelSql(panel);
  const sql = expandQuery(raw, context);
  const rows = (await session.query(sql)) as Row[];
  return { rows, sql, format };
}
