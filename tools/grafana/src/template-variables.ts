/**
 * The frontend half of a Grafana MySQL query: template variables replaced the way Grafana's
 * template service does it with the MySQL datasource's formatting (before the query goes to the
 * backend, which then expands the `$__` macros). Pure.
 */
import { GrafanaQueryError } from "./errors";
import { intervalText } from "./interval";

/** The value Grafana stores for a variable whose "All" option is selected. */
export const ALL_VALUE = "$__all";

/** A dashboard variable as the interpolation sees it. */
export interface TemplateVariable {
  /** The selection: one value, several (a multi-value variable), or {@link ALL_VALUE}. */
  current: string | number | string[];
  /** Several values may be selected. */
  multi?: boolean;
  /** The variable offers "All". */
  includeAll?: boolean;
  /** What "All" is replaced with, unformatted (Grafana's "custom all value"). */
  allValue?: string;
  /** Every option's value: what "All" stands for when there is no {@link allValue}. */
  options?: string[];
}

/** The frontend's view of one query: time range, interval, and the dashboard's variables. */
export interface FrontendContext {
  /** Start of the dashboard's time range, Unix ms. */
  fromMs: number;
  /** End of the dashboard's time range, Unix ms. */
  toMs: number;
  /** The panel's interval (`$__interval`), ms. */
  intervalMs: number;
  /** The dashboard's variables by name (without `$`). */
  variables: Record<string, TemplateVariable>;
}

// $name | [[name]] [[name:format]] | ${name} ${name.field} ${name:format}: Grafana's three syntaxes.
const VARIABLE_REFERENCE =
  /\$(\w+)|\[\[([\s\S]+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/**
 * Replaces every variable reference in `sql` as Grafana's frontend would for a MySQL panel:
 * unknown names stay as written (so `$__timeFilter(...)` is left for the backend); `$__interval`,
 * `$__interval_ms`, `$__from` and `$__to` come from the context; a plain `$var` is formatted by
 * the datasource (a multi-value or "All"-capable variable becomes a quoted, comma-separated list;
 * a single-value one is inserted with `'` doubled but no quotes); `${var:format}` uses the
 * named format (`sqlstring`, `csv`, `raw`, `singlequote`, `doublequote`, `pipe`). Throws
 * {@link GrafanaQueryError} `UNSUPPORTED_FORMAT` for any other format or a field path.
 */
export function interpolateTemplateVariables(sql: string, context: FrontendContext): string {
  return sql.replace(
    VARIABLE_REFERENCE,
    (
      match,
      plain?: string,
      bracketed?: string,
      bracketFormat?: string,
      braced?: string,
      field?: string,
      bracedFormat?: string,
    ) => {
      const name = plain ?? bracketed ?? braced ?? "";
      const format = bracketFormat ?? bracedFormat;
      const value = resolve(name, context);
      if (value === undefined) return match;
      if (field !== undefined) {
        throw new GrafanaQueryError(
          "UNSUPPORTED_FORMAT",
          `field path in ${match} is not supported`,
        );
      }
      if (value.raw !== undefined) return interpolateTemplateVariables(value.raw, context);
      if (format !== undefined) return applyFormat(format, value.value, match);
      return formatForMysql(value.value, value.variable);
    },
  );
}

interface Resolved {
  value: string | number | string[];
  variable: TemplateVariable;
  /** A custom all value: inserted as written (then interpolated again), not formatted. */
  raw?: string;
}

function resolve(name: string, context: FrontendContext): Resolved | undefined {
  const single = (value: string | number): Resolved => ({ value, variable: { current: value } });
  switch (name) {
    case "__interval":
      return single(intervalText(context.intervalMs));
    case "__interval_ms":
      return single(context.intervalMs);
    case "__from":
      return single(context.fromMs);
    case "__to":
      return single(context.toMs);
  }
  const variable = context.variables[name];
  if (variable === undefined) return undefined;
  const isAll =
    variable.current === ALL_VALUE ||
    (Array.isArray(variable.current) && variable.current[0] === ALL_VALUE);
  if (!isAll) return { value: variable.current, variable };
  if (variable.allValue !== undefined) {
    return { value: variable.allValue, variable, raw: variable.allValue };
  }
  return { value: variable.options ?? [], variable };
}

/** The MySQL datasource's own formatting of a value (its `interpolateVariable`). */
function formatForMysql(value: string | number | string[], variable: TemplateVariable): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    return variable.multi === true || variable.includeAll === true
      ? quoteLiteral(value)
      : value.replace(/'/g, "''");
  }
  return value.map(quoteLiteral).join(",");
}

/** A MySQL string literal as the datasource writes one: single quotes, `'` doubled. */
function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function applyFormat(format: string, value: string | number | string[], match: string): string {
  const values = Array.isArray(value) ? value : [String(value)];
  switch (format) {
    case "sqlstring":
      // Grafana doubles single quotes and backslash-escapes double quotes.
      return values
        .map((v) => `'${v.replace(/'|"/g, (q) => (q === "'" ? "''" : '\\"'))}'`)
        .join(",");
    case "csv":
    case "raw":
      return values.join(",");
    case "pipe":
      return values.join("|");
    case "singlequote":
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(",");
    case "doublequote":
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(",");
    default:
      throw new GrafanaQueryError(
        "UNSUPPORTED_FORMAT",
        `format "${format}" in ${match} is not supported`,
      );
  }
}
