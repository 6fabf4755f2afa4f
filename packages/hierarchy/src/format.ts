/**
 * Formats integer milliwatt-hours as watt-hours with exactly three decimals, e.g.
 * `formatMwhAsWh(52847213)` → `"52847.213"`. Exact for every safe integer (no float rounding).
 */
export function formatMwhAsWh(energyMwh: number): string {
  const negative = energyMwh < 0;
  const abs = Math.abs(Math.round(energyMwh));
  const whole = Math.floor(abs / 1000);
  const fraction = String(abs - whole * 1000).padStart(3, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/**
 * Converts integer milliwatt-hours to a number of watt-hours with at most three decimals, for
 * JSON output: `mwhToWh(300)` is `0.3`, which serialises as `0.3` (the nearest double to the
 * decimal value, printed by JSON.stringify as the shortest exact decimal).
 */
export function mwhToWh(energyMwh: number): number {
  return energyMwh / 1000;
}
