import type { ShellyMessage } from "../output/message";
import type { ShellyParseResult } from "../output/parse-result";
import type {
  ShellyNotificationEvent,
  ShellyNotificationMethod,
} from "../schemas/notification-frame";
import type { ComponentKey } from "./component-key";
import type { ComponentSpec } from "./components";
import { generationFromDeviceId } from "./generation";
import { addSysContext, addTemperature, idMismatch } from "./messages";
import { success } from "./results";
import type { Slots } from "./slots";

/** One validated component of a frame's `params`, in the order the frame lists them. */
export type FrameEntry =
  | { readonly key: ComponentKey; readonly spec: ComponentSpec; readonly status: Slots }
  | { readonly key: "sys"; readonly status: Slots };

/** A validated notification frame, from zod or from the byte fast path. */
export interface FrameParts {
  readonly src: string | undefined;
  readonly method: ShellyNotificationMethod;
  /** `params.ts`, unix seconds. */
  readonly ts: number | undefined;
  readonly entries: readonly FrameEntry[];
  readonly events: readonly ShellyNotificationEvent[] | undefined;
}

/** Device seconds (2 decimals) to whole milliseconds. */
function toMs(ts: number | undefined): number | undefined {
  return ts === undefined ? undefined : Math.round(ts * 1000);
}

/**
 * The message for an `events/rpc` frame: one reading per metering component (each stamped with
 * `params.ts` in ms), `sys` and `temperature:<id>` as context, NotifyEvent entries as `events`.
 */
export function notificationMessage(prefix: string, parts: FrameParts): ShellyParseResult {
  const deviceTsMs = toMs(parts.ts);
  const message: ShellyMessage = {
    kind: "notification",
    prefix,
    generation: generationFromDeviceId(parts.src),
    method: parts.method,
    readings: [],
  };
  if (parts.src !== undefined) message.src = parts.src;
  if (deviceTsMs !== undefined) message.deviceTsMs = deviceTsMs;
  for (const entry of parts.entries) {
    if (entry.key === "sys") {
      addSysContext(message, entry.status);
      continue;
    }
    const { key, spec, status } = entry;
    const mismatch = idMismatch(key, status[spec.idSlot]);
    if (mismatch !== undefined) return mismatch;
    if (spec.role === "temperature") {
      addTemperature(message, key.key, status[spec.celsiusSlot] as number | null | undefined);
    } else {
      message.readings.push(spec.read(key, status, deviceTsMs));
    }
  }
  if (parts.events !== undefined) {
    message.events = parts.events.map((event) => {
      const out: { component?: string; event: string; deviceTsMs?: number } = {
        event: event.event,
      };
      if (event.component !== undefined) out.component = event.component;
      const ms = toMs(event.ts);
      if (ms !== undefined) out.deviceTsMs = ms;
      return out;
    });
  }
  return success(message);
}
