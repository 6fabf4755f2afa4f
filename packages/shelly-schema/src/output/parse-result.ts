import * as z from "zod";
import { SHELLY_MAX_ERROR_MESSAGE_LENGTH } from "../limits";
import { shellyParseErrorCodeSchema } from "../parse-error-codes";
import { shellyMessageSchema } from "./message";

/** Zod schema of a parse error: a closed-set `code` and a short human `message` (≤ 200 chars). */
export const shellyParseErrorSchema = z.strictObject({
  code: shellyParseErrorCodeSchema,
  message: z.string().max(SHELLY_MAX_ERROR_MESSAGE_LENGTH),
});

/** Why a message was rejected: switch on `code`, log `message`. */
export type ShellyParseError = z.output<typeof shellyParseErrorSchema>;

/** Zod schema of what `parseShellyMessage` returns: a message or an error, never a throw. */
export const shellyParseResultSchema = z.discriminatedUnion("ok", [
  z.strictObject({ ok: z.literal(true), message: shellyMessageSchema }),
  z.strictObject({ ok: z.literal(false), error: shellyParseErrorSchema }),
]);

/** `{ ok: true, message }` or `{ ok: false, error: { code, message } }`. */
export type ShellyParseResult = z.output<typeof shellyParseResultSchema>;
