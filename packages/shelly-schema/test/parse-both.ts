import { expect } from "vitest";
import type { ShellyParseResult } from "../src/index";
import { parseGuarded } from "../src/parse/parse-message";
import { wellFormed } from "./expect-result";
import { bytes } from "./fixtures";

/**
 * Parses a payload three ways (bytes through the fast path, bytes through the general path, and
 * as a string) and asserts that all three agree and are well-formed. Returns the result.
 */
export function parseAllWays(
  topic: string,
  payload: string | object,
  maxPayloadBytes = 65_536,
): ShellyParseResult {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  const fast = parseGuarded(topic, bytes(text), maxPayloadBytes, true);
  const general = parseGuarded(topic, bytes(text), maxPayloadBytes, false);
  const asString = parseGuarded(topic, text, maxPayloadBytes, true);
  expect(general).toStrictEqual(fast);
  expect(asString).toStrictEqual(fast);
  return wellFormed(fast);
}
