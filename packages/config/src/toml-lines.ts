/**
 * Finds the line of a key in TOML source, so that validation errors can name it. smol-toml
 * parses to plain values without positions; this scanner follows table headers (`[a.b]`,
 * `[[a]]` with their array index) and `key = value` lines, which covers config files as people
 * write them. A key not written in the file (a missing key) gets the line of the deepest table
 * header that contains it (`[[automatism.rules]]` for a rule's missing `windows`), and
 * undefined when no header does (a missing `[company]`).
 */
export function findKeyLine(
  source: string,
  path: readonly (string | number)[],
): number | undefined {
  const lines = source.split(/\r?\n/);
  let table: (string | number)[] = [];
  const arrayCounts = new Map<string, number>();
  let enclosing: { line: number; depth: number } | undefined;
  const consider = (prefix: readonly (string | number)[], line: number) => {
    if (startsWith(path, prefix) && prefix.length > (enclosing?.depth ?? 0))
      enclosing = { line, depth: prefix.length };
  };
  for (let index = 0; index < lines.length; index++) {
    const text = stripComment(lines[index]!).trim();
    if (text === "") continue;
    const arrayHeader = /^\[\[\s*([^\]]+?)\s*\]\]$/.exec(text);
    const header = arrayHeader ? undefined : /^\[\s*([^\]]+?)\s*\]$/.exec(text);
    if (arrayHeader) {
      const name = splitKey(arrayHeader[1]!);
      const id = name.join(".");
      const n = arrayCounts.get(id) ?? 0;
      arrayCounts.set(id, n + 1);
      table = [...name, n];
      consider(table, index + 1);
      consider(name, index + 1);
      continue;
    }
    if (header) {
      table = splitKey(header[1]!);
      consider(table, index + 1);
      continue;
    }
    const assignment =
      /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/.exec(
        text,
      );
    if (!assignment) continue;
    const full = [...table, ...splitKey(assignment[1]!)];
    if (startsWith(path, full)) return index + 1;
  }
  return enclosing?.line;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return line.slice(0, i);
  }
  return line;
}

function splitKey(key: string): string[] {
  return [...key.matchAll(/"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
}

/** True when `path` begins with `prefix` (numbers and strings compared as written). */
function startsWith(
  path: readonly (string | number)[],
  prefix: readonly (string | number)[],
): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((p, i) => String(p) === String(path[i]));
}
