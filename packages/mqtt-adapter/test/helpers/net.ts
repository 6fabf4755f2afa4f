import { randomUUID } from "node:crypto";
import { waitUntil } from "@coreflux/test-support";

export { freePort, sleep } from "@coreflux/test-support";

/** The shared Mosquitto of the machine (CI starts it); tests that do not stop it use it. */
export const SHARED_MOSQUITTO_URL = process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** A topic prefix no other test (or test run) uses. */
export function uniqueTopic(label: string): string {
  return `coreflux-test/${label}/${randomUUID()}`;
}

/** Polls `condition` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return waitUntil(condition, what, timeoutMs, { everyMs: 10 });
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf<E = import("../../src/index").MqttAdapterError>(
  promise: Promise<unknown>,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error("expected the promise to reject");
}
