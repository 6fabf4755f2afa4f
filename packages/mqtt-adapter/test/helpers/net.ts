import { randomUUID } from "node:crypto";
import { type AddressInfo, connect, createServer } from "node:net";

/** The shared Mosquitto of the machine (CI starts it); tests that do not stop it use it. */
export const SHARED_MOSQUITTO_URL = process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** A port that was free a moment ago (the OS picks it); never a fixed test port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True once something accepts TCP connections on the port. */
export function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A topic prefix no other test (or test run) uses. */
export function uniqueTopic(label: string): string {
  return `coreflux-test/${label}/${randomUUID()}`;
}

/** Polls `condition` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
