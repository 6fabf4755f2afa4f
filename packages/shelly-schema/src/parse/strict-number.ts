/** The JSON number grammar (RFC 8259 §6), anchored: no whitespace, `+`, hex, `Infinity` or `NaN`. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * A Gen1 scalar payload as a number, or `undefined` when it is not a JSON number literal
 * (`12abc`, ``, ` 1`, `0x10`, `1e`, `Infinity`, `NaN` are all rejected). The result may still be
 * non-finite (`1e999`); callers check the range.
 */
export function parseStrictNumber(text: string): number | undefined {
  return JSON_NUMBER.test(text) ? Number(text) : undefined;
}
