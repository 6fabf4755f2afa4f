import type { ShellyParseResult } from "../output/parse-result";
import { excerpt } from "./clip";
import { failure, success } from "./results";

/** `<prefix>/online` (both generations): exactly `true` or `false`. */
export function onlineMessage(prefix: string, generation: 1 | 2, text: string): ShellyParseResult {
  if (text !== "true" && text !== "false") {
    return failure("INVALID_VALUE", `online: payload ${excerpt(text)} is not true or false`);
  }
  return success({ kind: "online", prefix, generation, online: text === "true", readings: [] });
}
