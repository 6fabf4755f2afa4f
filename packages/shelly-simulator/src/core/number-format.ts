const SCALE = [1, 10, 100, 1000] as const;
const ZEROS = ["", "0", "00", "000"] as const;

/**
 * A non-negative integer count of 10^-decimals units as a decimal string with exactly that many
 * decimals: `unitsToFixed(52847213, 3)` → `"52847.213"`. Exact (integer arithmetic), so a
 * consumer's `Math.round(Number(text) * 1000)` gives back the integer for every counter below
 * 2^53 / 1000.
 */
export function unitsToFixed(units: number, decimals: 0 | 1 | 2 | 3): string {
  if (decimals === 0) return String(units);
  const scale = SCALE[decimals];
  const whole = Math.floor(units / scale);
  const frac = String(units - whole * scale);
  return `${whole}.${ZEROS[decimals - frac.length]}${frac}`;
}

/**
 * A measurement (power, voltage, current) rounded to `decimals`, keeping trailing zeros the way
 * Shelly prints them (`50.0`, `-822.300`). Never prints `-0`.
 */
export function fixed(value: number, decimals: 0 | 1 | 2 | 3): string {
  const units = Math.round(Math.abs(value) * SCALE[decimals]);
  const text = unitsToFixed(units, decimals);
  return value < 0 && units !== 0 ? `-${text}` : text;
}
