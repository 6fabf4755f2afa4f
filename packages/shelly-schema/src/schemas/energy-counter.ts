import { looseObjectFromFields } from "./field-table";

/**
 * Fields of an `aenergy` / `ret_aenergy` block (switch, pm1, cover, light): `total` is the
 * cumulative counter in Wh; `by_minute` holds the last three complete minutes in **mWh**;
 * `minute_ts` is a unix time in seconds (REFERENCE §3.6).
 */
export const energyCounterFields = {
  total: "counter",
  by_minute: "numberArray",
  minute_ts: "number",
} as const;

/**
 * Zod schema of an `aenergy` / `ret_aenergy` block: `total` Wh (>= 0), `by_minute` mWh per minute,
 * `minute_ts` unix seconds. Extra fields are accepted and kept.
 */
export const shellyEnergyCounterSchema = looseObjectFromFields(energyCounterFields);
