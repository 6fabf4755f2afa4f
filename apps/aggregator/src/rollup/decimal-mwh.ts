/**
 * Largest energy the roll-up accepts, in Wh: 10^12 Wh (1 TWh). Up to it every value with at
 * most three decimals has at most 15 significant digits, so a JSON number parsed to a double
 * and formatted back by `String()` (the shortest round-trip form) gives exactly the decimal
 * digits that were on the wire: {@link whNumberToMwh} stays exact.
 */
export const MAX_ENERGY_WH = 1e12;

/** Why a decimal energy was refused. */
export type DecimalError = "not-a-number" | "non-finite" | "too-many-decimals" | "out-of-range";

/** An integer mWh, or why the text is not an energy in Wh with at most three decimals. */
export type DecimalResult = { ok: true; mwh: number } | { ok: false; error: DecimalError };

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal number of Wh (`"1234.567"`, `"12"`, `"1.5e3"`, `"-0.25"`) into integer mWh
 * by moving the decimal point in the digits, never by multiplying a float: `"1234.567"` →
 * 1234567. More than three significant decimals (`"0.0005"`), non-finite text and magnitudes
 * above {@link MAX_ENERGY_WH} are refused; trailing zeros are fine (`"1.2300"` → 1230).
 */
export function parseWhToMwh(text: string): DecimalResult {
  const trimmed = text.trim();
  if (/^[+-]?(infinity|nan)$/i.test(trimmed)) return { ok: false, error: "non-finite" };
  const m = DECIMAL.exec(trimmed);
  if (m === null) return { ok: false, error: "not-a-number" };
  const sign = m[1] ?? m[5] ?? "";
  const intPart = m[2] ?? "0";
  const fracPart = m[3] ?? m[6] ?? "";
  const expText = m[4] ?? m[7];
  const exponent = expText === undefined ? 0 : Number(expText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) {
    return { ok: false, error: "out-of-range" };
  }
  // digits × 10^(exponent − fracLength) Wh, i.e. digits × 10^(exponent − fracLength + 3) mWh.
  let digits = `${intPart}${fracPart}`.replace(/^0+(?=\d)/, "");
  let shift = exponent - fracPart.length + 3;
  while (shift < 0 && digits.length > 1 && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    shift++;
  }
  if (digits === "0") return { ok: true, mwh: 0 };
  if (shift < 0) return { ok: false, error: "too-many-decimals" };
  if (digits.length + shift > 16) return { ok: false, error: "out-of-range" };
  const mwh = Number(digits) * 10 ** shift;
  if (!Number.isSafeInteger(mwh) || mwh > MAX_ENERGY_WH * 1000) {
    return { ok: false, error: "out-of-range" };
  }
  return { ok: true, mwh: sign === "-" ? -mwh : mwh };
}

/**
 * A JSON number of Wh to integer mWh, exactly: its shortest decimal form (what was on the wire,
 * see {@link MAX_ENERGY_WH}) through {@link parseWhToMwh}.
 */
export function whNumberToMwh(value: number): DecimalResult {
  if (!Number.isFinite(value)) return { ok: false, error: "non-finite" };
  if (Math.abs(value) > MAX_ENERGY_WH) return { ok: false, error: "out-of-range" };
  return parseWhToMwh(String(value));
}

/** Integer mWh as the Wh number published (at most three decimals, exact). */
export function mwhToWh(mwh: number): number {
  return mwh / 1000;
}
