import * as z from "zod";

/**
 * Zod schema of the parser options. `maxPayloadBytes`: largest payload accepted, in bytes (a
 * positive integer, default 65536); larger payloads get `PAYLOAD_TOO_LARGE` before any decoding.
 * Unknown keys are rejected so that a typo does not silently fall back to the default.
 */
export const shellyParseOptionsSchema = z.strictObject({
  maxPayloadBytes: z.number().int().positive().optional(),
});

/** Options of `parseShellyMessage` / `createShellyParser`. */
export type ShellyParseOptions = z.input<typeof shellyParseOptionsSchema>;
