import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";

/**
 * Fields of `emdata:<id>` (3-phase perpetual energy counters, all Wh): per phase
 * `<x>_total_act_energy` / `<x>_total_act_ret_energy`, and `total_act` / `total_act_ret`.
 */
export const emDataStatusFields = {
  id: "componentId",
  a_total_act_energy: "nullableCounter",
  a_total_act_ret_energy: "nullableCounter",
  b_total_act_energy: "nullableCounter",
  b_total_act_ret_energy: "nullableCounter",
  c_total_act_energy: "nullableCounter",
  c_total_act_ret_energy: "nullableCounter",
  total_act: "nullableCounter",
  total_act_ret: "nullableCounter",
  errors: "stringArray",
} as const;

/**
 * Zod schema of an `emdata:<id>` status or delta: active and returned energy counters in Wh
 * (>= 0, or `null`), per phase and total. Every field optional; extras kept.
 */
export const shellyEmDataStatusSchema = looseObjectFromFields(emDataStatusFields);

/** A validated `emdata:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellyEmDataStatus = z.output<typeof shellyEmDataStatusSchema>;
