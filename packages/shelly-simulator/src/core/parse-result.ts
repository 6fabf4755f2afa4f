/** Result of parsing untrusted text (a CLI argument): the value, or one message naming the problem. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Splits `a=1,b=2` (or `a,b` when `defaultValue` is given) into name/number pairs. */
export function parseNamedNumbers(
  text: string,
  what: string,
  defaultValue: number | undefined,
): ParseResult<Array<[string, number]>> {
  const pairs: Array<[string, number]> = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = (eq < 0 ? item : item.slice(0, eq)).trim();
    const valueText = eq < 0 ? undefined : item.slice(eq + 1).trim();
    if (valueText === undefined && defaultValue === undefined) {
      return { ok: false, error: `${what}: "${item}" needs a value (name=number)` };
    }
    const value = valueText === undefined ? (defaultValue as number) : Number(valueText);
    if (valueText !== undefined && (valueText === "" || !Number.isFinite(value))) {
      return { ok: false, error: `${what}: "${item}" is not name=number` };
    }
    pairs.push([name, value]);
  }
  if (pairs.length === 0) return { ok: false, error: `${what}: empty` };
  return { ok: true, value: pairs };
}
