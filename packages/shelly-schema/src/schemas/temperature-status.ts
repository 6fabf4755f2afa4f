import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";

/** Fields of a `temperature:<id>` sensor component: `tC` °C, `tF` °F, each possibly `null`. */
export const temperatureStatusFields = {
  id: "componentId",
  tC: "nullableNumber",
  tF: "nullableNumber",
} as const;

/**
 * Zod schema of a `temperature:<id>` status (device or add-on sensor): `tC` in °C and `tF` in °F,
 * each a number or `null`. Every field optional; extras kept.
 */
export const shellyTemperatureStatusSchema = looseObjectFromFields(temperatureStatusFields);

/** A validated `temperature:<id>` status, in Shelly's own field names and units. */
export type ShellyTemperatureStatus = z.output<typeof shellyTemperatureStatusSchema>;
