import * as z from "zod";

/**
 * The closed set of reasons `parseShellyMessage` can reject a message with. Switch on these; the
 * accompanying `message` is for humans and logs (always short, never the whole payload).
 *
 * - `INVALID_INPUT`: the topic is not a string or the payload is neither a string nor a
 *   `Uint8Array` (only reachable from untyped JavaScript).
 * - `INVALID_TOPIC`: the topic is not a valid MQTT topic name: empty, or contains `+`, `#` or U+0000.
 * - `TOPIC_TOO_LONG`: the topic is longer than `SHELLY_MAX_TOPIC_BYTES` (1024) UTF-8 bytes.
 * - `NOT_SHELLY_TOPIC`: the topic matches no Shelly Gen1 or Gen2+ topic shape.
 * - `PAYLOAD_TOO_LARGE`: the payload is longer than `maxPayloadBytes` (checked before decoding).
 * - `INVALID_UTF8`: the payload bytes are not valid UTF-8.
 * - `INVALID_JSON`: a JSON payload does not parse.
 * - `SCHEMA_MISMATCH`: valid JSON of the wrong shape (wrong type, missing required field,
 *   `"apower":"12"` where a number is expected, component id that contradicts the topic).
 * - `INVALID_NUMBER`: a Gen1 scalar payload is not a number in JSON number syntax.
 * - `INVALID_VALUE`: the value has the right type but is impossible: a negative or non-finite
 *   energy counter, a non-finite or non-integer number, an unknown relay state or online flag.
 * - `INTERNAL_ERROR`: a bug in this package was caught by the safety net; please report it.
 */
export const SHELLY_PARSE_ERROR_CODES = [
  "INVALID_INPUT",
  "INVALID_TOPIC",
  "TOPIC_TOO_LONG",
  "NOT_SHELLY_TOPIC",
  "PAYLOAD_TOO_LARGE",
  "INVALID_UTF8",
  "INVALID_JSON",
  "SCHEMA_MISMATCH",
  "INVALID_NUMBER",
  "INVALID_VALUE",
  "INTERNAL_ERROR",
] as const;

/** Zod schema of one error code (a member of {@link SHELLY_PARSE_ERROR_CODES}). */
export const shellyParseErrorCodeSchema = z.enum(SHELLY_PARSE_ERROR_CODES);

/** One of the closed set of parse error codes, see {@link SHELLY_PARSE_ERROR_CODES}. */
export type ShellyParseErrorCode = z.infer<typeof shellyParseErrorCodeSchema>;
