import { looseObjectFromFields } from "./field-table";

/** Fields of a `temperature` block: `tC` in °C and `tF` in °F, each `null` when out of range. */
export const temperatureBlockFields = {
  tC: "nullableNumber",
  tF: "nullableNumber",
} as const;

/**
 * Zod schema of the `temperature` block of switch/cover/light statuses: `tC` °C and `tF` °F,
 * each a number or `null` (sensor out of range).
 */
export const shellyTemperatureBlockSchema = looseObjectFromFields(temperatureBlockFields);
