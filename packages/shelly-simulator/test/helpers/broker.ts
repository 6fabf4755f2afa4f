import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import mqtt, { type MqttClient } from "mqtt";

/** The always-running Mosquitto of these machines (CI starts one too); override with MQTT_URL. */
export const BROKER_URL = process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** A company name no other test (or engineer) uses: every topic of a test lives under it. */
export function uniqueCompany(stem: string): string {
  return `${stem}${randomBytes(4).toString("hex")}`;
}

/** A message as a subscriber received it, with its arrival time. */
export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  arrivalMs: number;
}

/** A QoS 1 subscriber that records everything on its filters. */
export async function subscribe(
  filters: string[],
): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqtt.connectAsync(BROKER_URL, {
    clientId: `sim-test-${randomBytes(4).toString("hex")}`,
    reconnectPeriod: 0,
  });
  const received: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    received.push({ topic, payload, retain: packet.retain, arrivalMs: Date.now() });
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return { client, received };
}

/** A TCP port nothing listens on (bound and released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Waits until `count()` stops growing for `quietMs` (or `timeoutMs` passed). */
export async function settleReceived(
  count: () => number,
  quietMs = 300,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    const now = count();
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/** Resources that would keep the process alive (sockets, timers), by type. */
export function liveHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === "TCPSocketWrap" || r === "Timeout" || r === "TCPServerWrap")
    .sort();
}
