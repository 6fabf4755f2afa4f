import type { ShellyParseResult } from "../output/parse-result";
import { announceFromJson } from "./announce-json";
import { excerpt } from "./clip";
import { SYS } from "./components";
import { fastNotification } from "./fast/fast-notification";
import { fastComponentStatus } from "./fast/fast-parse";
import { gen1StateMessage, gen1TemperatureMessage, gen1ValueMessage } from "./gen1-message";
import { ignoredMessage } from "./messages";
import { notificationFromJson } from "./notification-json";
import { notificationMessage } from "./notification-message";
import { onlineMessage } from "./online-message";
import { payloadText } from "./payload-text";
import { failure } from "./results";
import { rpcFromJson } from "./rpc-json";
import { toSlots } from "./slots";
import { componentStatusMessage, sysStatusMessage } from "./status-message";
import type { Route } from "./topic-route";
import { topicVerdict } from "./topic-verdict";
import { utf8LengthExceeds } from "./utf8-length";
import { REPORT_INPUT, schemaFailure } from "./zod-issues";

/** Parses JSON text, or the `INVALID_JSON` failure (with a clipped engine message). */
function parseJson(text: string): { value: unknown } | ShellyParseResult {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return failure("INVALID_JSON", `payload is not valid JSON (${excerpt(reason, 100)})`);
  }
}

/** Routes that take a JSON payload, decoded and parsed on the general path. */
function fromJson(route: Route, value: unknown): ShellyParseResult {
  switch (route.type) {
    case "status": {
      const status = route.spec.schema.safeParse(value, REPORT_INPUT);
      if (!status.success) return schemaFailure(status.error, route.key.key);
      const slots = toSlots(route.spec.fields, status.data);
      return componentStatusMessage(route.prefix, route.key, route.spec, slots);
    }
    case "sys": {
      const status = SYS.schema.safeParse(value, REPORT_INPUT);
      if (!status.success) return schemaFailure(status.error, "sys");
      return sysStatusMessage(route.prefix, toSlots(SYS.fields, status.data));
    }
    case "notification":
      return notificationFromJson(route.prefix, value);
    case "rpc":
      return rpcFromJson(route.prefix, value);
    case "announce":
      return announceFromJson(route.prefix, value);
    default:
      return failure("INTERNAL_ERROR", `route ${route.type} has no JSON payload`);
  }
}

/** Routes whose payload is plain text (Gen1 scalars, availability). */
function fromText(route: Route, text: string): ShellyParseResult | undefined {
  switch (route.type) {
    case "online":
      return onlineMessage(route.prefix, route.generation, text);
    case "gen1-value":
      return gen1ValueMessage(route.prefix, route.component, route.quantity, text);
    case "gen1-state":
      return gen1StateMessage(route.prefix, route.component, text);
    case "gen1-temperature":
      return gen1TemperatureMessage(route.prefix, text);
    default:
      return undefined;
  }
}

/** The byte fast path for the hot routes; `undefined` when it declines or does not apply. */
function fromBytesFast(route: Route, bytes: Uint8Array): ShellyParseResult | undefined {
  if (route.type === "status") {
    const status = fastComponentStatus(bytes, route.spec.fast);
    return status && componentStatusMessage(route.prefix, route.key, route.spec, status);
  }
  if (route.type === "notification") {
    const parts = fastNotification(bytes);
    return parts && notificationMessage(route.prefix, parts);
  }
  if (route.type === "sys") {
    const status = fastComponentStatus(bytes, SYS.fast);
    return status && sysStatusMessage(route.prefix, status);
  }
  return undefined;
}

/**
 * The parse itself, without the safety net. `useFastPath: false` forces the general path (for the
 * tests that prove both paths agree).
 */
export function parseUnguarded(
  topic: unknown,
  payload: unknown,
  maxPayloadBytes: number,
  useFastPath: boolean,
): ShellyParseResult {
  if (typeof topic !== "string") return failure("INVALID_INPUT", "topic must be a string");
  const isBytes = payload instanceof Uint8Array;
  if (!isBytes && typeof payload !== "string") {
    return failure("INVALID_INPUT", "payload must be a string or a Uint8Array");
  }
  const route = topicVerdict(topic);
  if (route.type === "rejected") return failure(route.code, route.message);
  const tooLarge = isBytes
    ? payload.byteLength > maxPayloadBytes
    : utf8LengthExceeds(payload, maxPayloadBytes);
  if (tooLarge) {
    const size = isBytes ? `${payload.byteLength} bytes` : "a string payload";
    return failure("PAYLOAD_TOO_LARGE", `${size} over the limit of ${maxPayloadBytes} bytes`);
  }
  if (route.type === "ignored") {
    return ignoredMessage(route.prefix, route.generation, route.reason, route.component);
  }
  if (isBytes && useFastPath) {
    const fast = fromBytesFast(route, payload);
    if (fast !== undefined) return fast;
  }
  const text = payloadText(payload);
  if (text === undefined) return failure("INVALID_UTF8", "payload bytes are not valid UTF-8");
  const plain = fromText(route, text);
  if (plain !== undefined) return plain;
  const json = parseJson(text);
  if (!("value" in json)) return json;
  return fromJson(route, json.value);
}

/**
 * {@link parseUnguarded} behind a safety net: an unexpected exception (a bug) becomes an
 * `INTERNAL_ERROR` result instead of escaping into the caller's message loop.
 */
export function parseGuarded(
  topic: unknown,
  payload: unknown,
  maxPayloadBytes: number,
  useFastPath = true,
): ShellyParseResult {
  try {
    return parseUnguarded(topic, payload, maxPayloadBytes, useFastPath);
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
    return failure("INTERNAL_ERROR", `unexpected error in the parser: ${excerpt(reason, 100)}`);
  }
}
