import type * as z from "zod";
import { looseObjectFromFields } from "./field-table";
import { meteredFields } from "./metered-fields";

/** Fields of `light:<id>` (and the same-shaped `rgb`, `rgbw`, `cct`) that this package reads. */
export const lightStatusFields = { ...meteredFields, brightness: "number" } as const;

/**
 * Zod schema of a `light:<id>` status or delta (also used for `rgb:<id>`, `rgbw:<id>`, `cct:<id>`):
 * `output`, `brightness` %, `apower` W, `voltage` V, `current` A, `aenergy` Wh, `temperature` °C,
 * `errors`. Every field optional; extras kept.
 */
export const shellyLightStatusSchema = looseObjectFromFields(lightStatusFields);

/** A validated `light:<id>` status (or partial delta), in Shelly's own field names and units. */
export type ShellyLightStatus = z.output<typeof shellyLightStatusSchema>;
