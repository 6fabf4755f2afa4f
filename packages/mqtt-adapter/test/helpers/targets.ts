import {
  createMqttClient,
  type MessageInfo,
  type MqttClient,
  type MqttClientOptions,
  startEmbeddedBroker,
} from "../../src/index";
import { SHARED_MOSQUITTO_URL } from "./net";

/** A broker a suite runs against, MQTT.js style: the same tests over several transports. */
export interface BrokerTarget {
  name: string;
  /** Protocol versions the broker speaks (aedes: 3.1.1 only). */
  protocolVersions: readonly (4 | 5)[];
  open(): Promise<{ url: string; close(): Promise<void> }>;
}

export const TARGETS: readonly BrokerTarget[] = [
  {
    name: "mosquitto over tcp",
    protocolVersions: [4, 5],
    open: async () => ({ url: SHARED_MOSQUITTO_URL, close: async () => {} }),
  },
  {
    name: "embedded aedes over tcp",
    protocolVersions: [4],
    open: async () => {
      const broker = await startEmbeddedBroker({ port: 0 });
      return { url: broker.url, close: broker.close };
    },
  },
  {
    name: "embedded aedes over websocket",
    protocolVersions: [4],
    open: async () => {
      const broker = await startEmbeddedBroker({ port: 0, wsPort: 0 });
      return { url: broker.wsUrl as string, close: broker.close };
    },
  },
];

/** Fast retries and short close timeouts, for tests. */
export const FAST: Partial<MqttClientOptions> = {
  reconnect: { minDelayMs: 20, maxDelayMs: 200 },
  connectTimeoutMs: 3000,
  closeTimeoutMs: 1000,
};

/** Creates clients and closes every one of them in `closeAll` (call it in afterEach). */
export function clientTracker() {
  const open: MqttClient[] = [];
  return {
    create(options: MqttClientOptions): MqttClient {
      const client = createMqttClient({ ...FAST, ...options });
      open.push(client);
      return client;
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((client) => client.close()));
    },
  };
}

/** A message as a test records it. */
export interface Received {
  topic: string;
  text: string;
  info: MessageInfo;
}

/** Registers a handler that records every message; returns the live list. */
export function collect(client: MqttClient): Received[] {
  const received: Received[] = [];
  client.onMessage((topic, payload, info) => {
    received.push({ topic, text: payload.toString("utf8"), info });
  });
  return received;
}
