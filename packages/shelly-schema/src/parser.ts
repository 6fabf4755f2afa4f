import type { ShellyParseOptions } from "./output/parse-options";
import type { ShellyParseResult } from "./output/parse-result";
import { resolveOptions } from "./parse/options";
import { parseGuarded } from "./parse/parse-message";

/** A parse function with its options fixed, as returned by {@link createShellyParser}. */
export type ShellyParser = (topic: string, payload: string | Uint8Array) => ShellyParseResult;

/**
 * Returns a parse function with `options` validated once, for hot loops with non-default options.
 * Throws `ShellySchemaError` (`INVALID_OPTIONS`) for invalid options (a programming error, e.g.
 * a negative or fractional `maxPayloadBytes`, or an unknown key); the returned function never
 * throws.
 */
export function createShellyParser(options?: ShellyParseOptions): ShellyParser {
  const { maxPayloadBytes } = resolveOptions(options);
  return (topic, payload) => parseGuarded(topic, payload, maxPayloadBytes);
}

const parseWithDefaults = createShellyParser();

/**
 * Turns one raw MQTT message from any Shelly device (Gen1 to Gen4) into typed readings in
 * canonical units (W, Wh, V, A, VA, Hz, °C), or a typed error with a closed-set `code`.
 *
 * `payload` is the message body: a `Uint8Array` (e.g. a Node `Buffer` from mqtt.js; the fastest
 * input) or a string. Bytes must be UTF-8; size is checked against `options.maxPayloadBytes`
 * (default 65536) before decoding. Never throws for any topic or payload; invalid `options` are
 * a programming error and throw `ShellySchemaError` with code `INVALID_OPTIONS`.
 */
export function parseShellyMessage(
  topic: string,
  payload: string | Uint8Array,
  options?: ShellyParseOptions,
): ShellyParseResult {
  if (options === undefined) return parseWithDefaults(topic, payload);
  return parseGuarded(topic, payload, resolveOptions(options).maxPayloadBytes);
}
