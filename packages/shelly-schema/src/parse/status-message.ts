import type { ShellyMessage } from "../output/message";
import type { ShellyParseResult } from "../output/parse-result";
import type { ComponentKey } from "./component-key";
import type { ComponentSpec } from "./components";
import { addSysContext, addTemperature, idMismatch } from "./messages";
import { success } from "./results";
import type { Slots } from "./slots";

/**
 * The message for `<prefix>/status/<name>:<id>` once the status is validated (by zod or by the
 * byte fast path; both hand over the same slots).
 */
export function componentStatusMessage(
  prefix: string,
  key: ComponentKey,
  spec: ComponentSpec,
  status: Slots,
): ShellyParseResult {
  const mismatch = idMismatch(key, status[spec.idSlot]);
  if (mismatch !== undefined) return mismatch;
  const message: ShellyMessage = {
    kind: "status",
    prefix,
    generation: 2,
    component: key.key,
    readings: [],
  };
  if (spec.role === "temperature") {
    addTemperature(message, key.key, status[spec.celsiusSlot] as number | null | undefined);
  } else {
    message.readings.push(spec.read(key, status, undefined));
  }
  return success(message);
}

/** The message for `<prefix>/status/sys`: context only (uptime, unixtime). */
export function sysStatusMessage(prefix: string, status: Slots): ShellyParseResult {
  const message: ShellyMessage = {
    kind: "status",
    prefix,
    generation: 2,
    component: "sys",
    readings: [],
  };
  addSysContext(message, status);
  return success(message);
}
