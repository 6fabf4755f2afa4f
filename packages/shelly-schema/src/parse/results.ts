import { SHELLY_MAX_ERROR_MESSAGE_LENGTH } from "../limits";
import type { ShellyMessage } from "../output/message";
import type { ShellyParseResult } from "../output/parse-result";
import type { ShellyParseErrorCode } from "../parse-error-codes";
import { clip } from "./clip";

/** A rejected message; the text is clipped to the documented maximum length. */
export function failure(code: ShellyParseErrorCode, message: string): ShellyParseResult {
  return { ok: false, error: { code, message: clip(message, SHELLY_MAX_ERROR_MESSAGE_LENGTH) } };
}

/** A parsed message. */
export function success(message: ShellyMessage): ShellyParseResult {
  return { ok: true, message };
}
