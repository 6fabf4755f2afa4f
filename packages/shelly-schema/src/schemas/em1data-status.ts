import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";

/** Fields of `em1data:<id>`: perpetual active / returned energy counters in Wh. */
export const em1DataStatusFields = {
  id: "componentId",
  total_act_energy: "nullableCounter",
  total_act_ret_energy: "nullableCounter",
  errors: "stringArray",
} as const;

/**
 * Zod schema of an `em1data:<id>` status or delta: `total_act_energy` and `total_act_ret_energy`
 * in Wh (>= 0, or `null`). Every field optional; extras kept.
 */
export const shellyEm1DataStatusSchema = looseObjectFromFields(em1DataStatusFields);

/** A validated `em1data:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellyEm1DataStatus = z.output<typeof shellyEm1DataStatusSchema>;
