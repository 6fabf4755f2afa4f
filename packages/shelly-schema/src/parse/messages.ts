import type { ShellyIgnoredReason } from "../ignored-reasons";
import type { ShellyGeneration, ShellyMessage } from "../output/message";
import type { ShellyParseResult } from "../output/parse-result";
import type { ShellyTemperatureReading } from "../output/reading";
import type { ComponentKey } from "./component-key";
import { SYS } from "./components";
import { failure, success } from "./results";
import type { Slots } from "./slots";

/** The message fields that `sys` and `temperature:<id>` statuses contribute as context. */
export interface MessageContext {
  uptimeS?: number;
  unixtimeS?: number;
  temperatures?: ShellyTemperatureReading[];
}

/** A recognised message without metering. */
export function ignoredMessage(
  prefix: string,
  generation: ShellyGeneration,
  reason: ShellyIgnoredReason,
  component?: string,
): ShellyParseResult {
  const message: ShellyMessage = { kind: "ignored", prefix, generation, reason, readings: [] };
  if (component !== undefined) message.component = component;
  return success(message);
}

/** `SCHEMA_MISMATCH` when a status names a different `id` than its topic or frame key does. */
export function idMismatch(key: ComponentKey, id: unknown): ShellyParseResult | undefined {
  if (id === undefined || id === key.id) return undefined;
  return failure("SCHEMA_MISMATCH", `${key.key}: status id ${String(id)} contradicts the key`);
}

/** Adds `sys.uptime` (s) and `sys.unixtime` (unix s; absent while `null`) to a message. */
export function addSysContext(context: MessageContext, sys: Slots): void {
  const uptime = sys[SYS.uptimeSlot] as number | undefined;
  if (uptime !== undefined) context.uptimeS = uptime;
  const unixtime = sys[SYS.unixtimeSlot] as number | null | undefined;
  if (unixtime !== undefined && unixtime !== null) context.unixtimeS = unixtime;
}

/** Adds a temperature in °C to a message, unless the sensor reported `null`. */
export function addTemperature(
  context: MessageContext,
  sensor: string,
  celsius: number | null | undefined,
): void {
  if (celsius === undefined || celsius === null) return;
  const entry: ShellyTemperatureReading = { sensor, temperatureC: celsius };
  if (context.temperatures === undefined) context.temperatures = [entry];
  else context.temperatures.push(entry);
}
