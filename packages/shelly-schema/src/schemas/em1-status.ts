import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";

/**
 * Fields of `em1:<id>` (single-phase channels: Pro EM, EM Gen3/Gen4, Pro 3EM monophase): current
 * A, voltage V, act_power W (signed), aprt_power VA, pf, freq Hz, errors. Note `act_power`, not
 * `apower` as on switch/pm1.
 */
export const em1StatusFields = {
  id: "componentId",
  current: "nullableNumber",
  voltage: "nullableNumber",
  act_power: "nullableNumber",
  aprt_power: "nullableNumber",
  pf: "nullableNumber",
  freq: "nullableNumber",
  errors: "stringArray",
} as const;

/**
 * Zod schema of an `em1:<id>` status or delta: `current` A, `voltage` V, `act_power` W (negative =
 * export), `aprt_power` VA, `pf`, `freq` Hz, each a number or `null`. Every field optional.
 */
export const shellyEm1StatusSchema = looseObjectFromFields(em1StatusFields);

/** A validated `em1:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellyEm1Status = z.output<typeof shellyEm1StatusSchema>;
