import { expect } from "vitest";
import {
  type ShellyMessage,
  type ShellyParseErrorCode,
  type ShellyParseResult,
  shellyParseResultSchema,
} from "../src/index";

/** Asserts that a result is well-formed (matches the exported schema) and returns it. */
export function wellFormed(result: ShellyParseResult): ShellyParseResult {
  const checked = shellyParseResultSchema.safeParse(result);
  if (!checked.success) {
    throw new Error(`malformed result ${JSON.stringify(result)}: ${checked.error.message}`);
  }
  return result;
}

/** The message of a successful, well-formed result (fails the test otherwise). */
export function messageOf(result: ShellyParseResult): ShellyMessage {
  wellFormed(result);
  if (!result.ok) throw new Error(`expected a message, got ${JSON.stringify(result.error)}`);
  return result.message;
}

/** The message of a successful result, narrowed to one kind. */
export function messageOfKind<K extends ShellyMessage["kind"]>(
  result: ShellyParseResult,
  kind: K,
): Extract<ShellyMessage, { kind: K }> {
  const message = messageOf(result);
  expect(message.kind).toBe(kind);
  return message as Extract<ShellyMessage, { kind: K }>;
}

/** Asserts a well-formed failure with `code` and returns its message text. */
export function expectError(result: ShellyParseResult, code: ShellyParseErrorCode): string {
  wellFormed(result);
  if (result.ok) throw new Error(`expected ${code}, got ${JSON.stringify(result.message)}`);
  expect(result.error.code).toBe(code);
  return result.error.message;
}
