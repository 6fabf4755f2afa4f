/**
 * How each model publishes its energy registers, and the integer mWh a consumer reads from the
 * published text (`Math.round(counterWh * 1000)`, REFERENCE §2.2/§3.6). The truth is kept in
 * these integers, so it is exactly what an exact consumer can reproduce.
 */

/** Gen2 `aenergy.total` / `ret_aenergy.total`: Wh with 3 decimals, i.e. whole mWh. */
export function gen2TotalMwh(registerMwh: number): number {
  return Math.floor(registerMwh);
}

/** Pro 3EM `emdata` per-phase totals: Wh with 2 decimals, i.e. whole centi-Wh (10 mWh). */
export function centiWh(registerMwh: number): number {
  return Math.floor(registerMwh / 10);
}

/** Gen1 EM `emeter/<i>/total` / `total_returned`: Wh with 1 decimal, i.e. whole deci-Wh (100 mWh). */
export function deciWh(registerMwh: number): number {
  return Math.floor(registerMwh / 100);
}

/** Gen1 relay `energy`: whole watt-minutes (1 Wmin = 1000/60 mWh). */
export function wattMinutes(registerMwh: number): number {
  return Math.floor((registerMwh * 60) / 1000);
}

/** What a consumer makes of a published watt-minute count: `Math.round(wattMinutes / 60 * 1000)` mWh. */
export function wattMinutesToMwh(wattMinutes: number): number {
  return Math.round((wattMinutes / 60) * 1000);
}
