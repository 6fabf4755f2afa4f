/**
 * Removes SQL comments (`-- ...`, `# ...` to the end of the line, and `/* ... *\/`) as Grafana's
 * MySQL datasource does before expanding macros, so a macro inside a comment is not evaluated.
 * Text inside '...', "..." and `...` is kept as is, with backslash escapes and doubled quotes.
 */
export function stripSqlComments(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"' || c === "`") {
      const end = quotedEnd(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      // Grafana's scanner stops one short of the end on an unclosed comment: the last character stays.
      i = close === -1 ? Math.max(i + 2, sql.length - 1) : close + 2;
    } else if ((c === "-" && sql[i + 1] === "-") || c === "#") {
      const newline = sql.indexOf("\n", i);
      i = newline === -1 ? sql.length : newline;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** The index just past the quoted text that starts at `start` (or the end of `sql`). */
function quotedEnd(sql: string, start: number): number {
  const quote = sql[start];
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "\\" && i + 1 < sql.length) {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return i;
}
