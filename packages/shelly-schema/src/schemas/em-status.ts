import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";

/**
 * Fields of `em:<id>` (3-phase meters: Pro 3EM triphase, 3EM-63): per phase `a_`/`b_`/`c_`
 * current A, voltage V, act_power W (signed), aprt_power VA, pf, freq Hz, errors; totals.
 * Every measurement is "number or null" (REFERENCE §3.5).
 */
export const emStatusFields = {
  id: "componentId",
  a_current: "nullableNumber",
  a_voltage: "nullableNumber",
  a_act_power: "nullableNumber",
  a_aprt_power: "nullableNumber",
  a_pf: "nullableNumber",
  a_freq: "nullableNumber",
  a_errors: "stringArray",
  b_current: "nullableNumber",
  b_voltage: "nullableNumber",
  b_act_power: "nullableNumber",
  b_aprt_power: "nullableNumber",
  b_pf: "nullableNumber",
  b_freq: "nullableNumber",
  b_errors: "stringArray",
  c_current: "nullableNumber",
  c_voltage: "nullableNumber",
  c_act_power: "nullableNumber",
  c_aprt_power: "nullableNumber",
  c_pf: "nullableNumber",
  c_freq: "nullableNumber",
  c_errors: "stringArray",
  n_current: "nullableNumber",
  n_errors: "stringArray",
  total_current: "nullableNumber",
  total_act_power: "nullableNumber",
  total_aprt_power: "nullableNumber",
  user_calibrated_phase: "stringArray",
  errors: "stringArray",
} as const;

/**
 * Zod schema of an `em:<id>` status or delta: per-phase and total current A, voltage V, active
 * power W (negative = export), apparent power VA, pf, freq Hz; `null` accepted for every
 * measurement (e.g. `n_current` without a neutral CT). Every field optional; extras kept.
 */
export const shellyEmStatusSchema = looseObjectFromFields(emStatusFields);

/** A validated `em:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellyEmStatus = z.output<typeof shellyEmStatusSchema>;
