import { createServer, type Socket } from "node:net";
import { startMosquitto } from "@coreflux/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { type MqttAdapterError, startEmbeddedBroker } from "../src/index";
import { captureLogger } from "./helpers/logger";
import { SHARED_MOSQUITTO_URL, sleep, uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";

describe("MQTT 5 options and protocol hints", () => {
  const clients = clientTracker();
  afterEach(() => clients.closeAll());

  it.each([5, 4] as const)(
    "noLocal with protocolVersion %d (5: own messages filtered by the broker; 4: ignored)",
    async (protocolVersion) => {
      const topic = uniqueTopic("no-local");
      const self = clients.create({
        url: SHARED_MOSQUITTO_URL,
        protocolVersion,
        subscriptions: [{ filter: `${topic}/#`, qos: 1, noLocal: true }],
      });
      const received: string[] = [];
      self.onMessage((t) => {
        received.push(t.slice(topic.length + 1));
      });
      await self.connect({ timeoutMs: 5000 });
      const other = clients.create({ url: SHARED_MOSQUITTO_URL, protocolVersion });
      await other.connect({ timeoutMs: 5000 });

      self.publish(`${topic}/own`, "mine", { qos: 1 });
      await self.flush();
      other.publish(`${topic}/other`, "theirs", { qos: 1 });
      await other.flush();
      await waitFor(() => received.includes("other"), "the other client's message");
      await sleep(100);
      // MQTT 5 honours No Local; MQTT 3.1.1 has no such flag, so the option is ignored there.
      expect(received.sort()).toEqual(protocolVersion === 5 ? ["other"] : ["other", "own"]);
    },
  );

  it("says that a broker closing silently on an MQTT 5 CONNECT may not speak MQTT 5 (RabbitMQ 3.x)", async () => {
    const sockets = new Set<Socket>();
    // Like RabbitMQ 3.10: reads the CONNECT, closes without a CONNACK.
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once("data", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    try {
      const { port } = server.address() as { port: number };
      const errors: MqttAdapterError[] = [];
      const v5 = clients.create({ url: `mqtt://127.0.0.1:${port}`, protocolVersion: 5 });
      v5.on("error", (e) => errors.push(e));
      await v5.connect({ wait: false });
      await waitFor(() => errors.length > 0, "the error");
      expect(errors[0]?.code).toBe("CONNECTION_FAILED");
      expect(errors[0]?.message).toBe(
        `could not connect to mqtt://127.0.0.1:${port} (MQTT 5): the connection closed before the broker sent a CONNACK; some brokers (RabbitMQ 3.x) close the connection without a word on a protocol version they do not speak: try protocolVersion 4; otherwise check that host and port lead to an MQTT broker and read the broker's log`,
      );
    } finally {
      await clients.closeAll();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("says that a 3.1.1 broker answering an MQTT 5 CONNECT does not speak MQTT 5", async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const errors: MqttAdapterError[] = [];
      const client = clients.create({ url: broker.url, protocolVersion: 5 });
      client.on("error", (e) => errors.push(e));
      await client.connect({ wait: false });
      await waitFor(() => errors.length > 0, "the refusal");
      expect(errors[0]?.code).toBe("CONNECTION_FAILED");
      expect(errors[0]?.message).not.toContain("unknown reason");
      expect(errors[0]?.message).toContain("(MQTT 5)");
      expect(errors[0]?.message).toContain(
        "check protocolVersion: the broker does not speak MQTT 5",
      );
      expect(errors[0]?.message).toContain("use protocolVersion 4");
    } finally {
      await clients.closeAll();
      await broker.close();
    }
  });

  it("logs the DISCONNECT reason name (Packet too large) and drops the message that causes it", async () => {
    const broker = await startMosquitto({ config: () => ["max_packet_size 200"] });
    try {
      const { logger, lines } = captureLogger();
      const client = clients.create({ url: broker.url, protocolVersion: 5, logger });
      const reasons: string[] = [];
      client.on("publishDropped", (event) => reasons.push(`${event.reason} ${event.topic}`));
      await client.connect({ timeoutMs: 5000 });
      client.publish("big", Buffer.alloc(500), { qos: 1 });
      client.publish("small", "1", { qos: 1 });
      await client.flush();
      const disconnects = lines.filter((l) => l.includes("broker sent DISCONNECT"));
      expect(disconnects.length).toBeGreaterThanOrEqual(3);
      expect(disconnects[0]).toMatch(/^warn broker sent DISCONNECT /);
      expect(disconnects[0]).toContain("reasonCode: 149");
      expect(disconnects[0]).toContain("reason: 'Packet too large'");
      expect(reasons).toEqual(["REFUSED big"]);
      expect(client.stats()).toMatchObject({ published: 1, refused: 1 });
    } finally {
      await clients.closeAll();
      await broker.stop();
    }
  });
});
