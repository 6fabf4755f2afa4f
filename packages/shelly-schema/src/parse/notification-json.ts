import * as z from "zod";
import type { ShellyParseResult } from "../output/parse-result";
import {
  SHELLY_NOTIFICATION_METHODS,
  type ShellyNotificationEvent,
  type ShellyNotificationMethod,
  shellyNotificationFrameSchema,
  shellyNotifyEventParamsSchema,
} from "../schemas/notification-frame";
import { parseComponentKey } from "./component-key";
import { COMPONENTS, SYS } from "./components";
import { generationFromDeviceId } from "./generation";
import { ignoredMessage } from "./messages";
import { type FrameEntry, notificationMessage } from "./notification-message";
import { toSlots } from "./slots";
import { REPORT_INPUT, schemaFailure } from "./zod-issues";

const frameSchema = z.compile(shellyNotificationFrameSchema);
const eventParamsSchema = z.compile(shellyNotifyEventParamsSchema);

/** True for the three notification methods this package reads. */
export function isNotificationMethod(method: string): method is ShellyNotificationMethod {
  return (SHELLY_NOTIFICATION_METHODS as readonly string[]).includes(method);
}

/**
 * An `events/rpc` frame from parsed JSON (the general path): the envelope, then every `params` key
 * that names a known component, each with its own schema. Unknown keys are skipped unchecked.
 */
export function notificationFromJson(prefix: string, value: unknown): ShellyParseResult {
  const frame = frameSchema.safeParse(value, REPORT_INPUT);
  if (!frame.success) return schemaFailure(frame.error, "frame");
  const { src, method, params } = frame.data;
  if (!isNotificationMethod(method)) {
    return ignoredMessage(prefix, generationFromDeviceId(src), "unknown-notification-method");
  }
  const entries: FrameEntry[] = [];
  for (const name of Object.keys(params)) {
    if (name === "sys") {
      const sys = SYS.schema.safeParse(params[name], REPORT_INPUT);
      if (!sys.success) return schemaFailure(sys.error, "params.sys");
      entries.push({ key: "sys", status: toSlots(SYS.fields, sys.data) });
      continue;
    }
    const key = parseComponentKey(name);
    const spec = key === undefined ? undefined : COMPONENTS.get(key.name);
    if (key === undefined || spec === undefined) continue;
    const status = spec.schema.safeParse(params[name], REPORT_INPUT);
    if (!status.success) return schemaFailure(status.error, `params.${name}`);
    entries.push({ key, spec, status: toSlots(spec.fields, status.data) });
  }
  let events: ShellyNotificationEvent[] | undefined;
  if (method === "NotifyEvent") {
    const eventParams = eventParamsSchema.safeParse(params, REPORT_INPUT);
    if (!eventParams.success) return schemaFailure(eventParams.error, "params");
    events = eventParams.data.events;
  }
  return notificationMessage(prefix, { src, method, ts: params.ts, entries, events });
}
