import type { FaultKind } from "./faults";

/** One MQTT message the simulated fleet publishes. */
export interface SimMessage {
  /** Full topic, e.g. `Coreflux/Porto/Kitchen/Fridge/status/switch:0` or `shellies/shellyplug-s-7AD4B1/relay/0/energy`. */
  topic: string;
  /** Payload as Shelly sends it: text (JSON or a scalar), or bytes for a garbage payload. */
  payload: string | Uint8Array;
  /** Simulated time at which it is published, Unix ms (non-decreasing in a fleet's stream). */
  tsMs: number;
  /**
   * The injected fault that produced or altered this message, undefined for a regular one. A
   * reboot's and an offline period's `online` `false` carry `reset` / `offline`; a late or
   * re-sent message carries `reorder`; the second copy of a duplicate carries `duplicate`.
   */
  fault: FaultKind | undefined;
}
