import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createMqttClient,
  type MqttAdapterError,
  type PublishDroppedEvent,
  type ReconnectingEvent,
  startEmbeddedBroker,
} from "../src/index";
import {
  freePort,
  rejectionOf,
  SHARED_MOSQUITTO_URL,
  sleep,
  uniqueTopic,
  waitFor,
} from "./helpers/net";
import { trackResources } from "./helpers/resources";
import { startScriptedBroker } from "./helpers/scripted-aedes";
import { clientTracker, collect } from "./helpers/targets";

describe("client lifecycle", () => {
  const clients = clientTracker();
  afterEach(() => clients.closeAll());

  it("leaves no socket, server or timer behind after close()", async () => {
    const resources = trackResources();
    const broker = await startEmbeddedBroker({ port: 0, wsPort: 0 });
    const topic = uniqueTopic("leaks");
    const tcp = createMqttClient({
      url: broker.url,
      subscriptions: [{ filter: topic, qos: 1 }],
      statusTopic: `${topic}/status`,
    });
    const ws = createMqttClient({ url: broker.wsUrl as string, keepaliveS: 1 });
    // Its next attempt is 10 s away when close() comes: that timer must not survive close().
    const dead = createMqttClient({
      url: `mqtt://127.0.0.1:${await freePort()}`,
      reconnect: { minDelayMs: 10_000, maxDelayMs: 20_000 },
    });
    let deadRetries = 0;
    dead.on("reconnecting", () => deadRetries++);
    const received = collect(tcp);
    await tcp.connect();
    await ws.connect();
    await dead.connect({ wait: false });
    ws.publish(topic, "x", { qos: 1 });
    await waitFor(() => received.length === 1, "the message");
    await waitFor(() => deadRetries === 1, "the dead client to schedule a retry");
    expect(broker.connectedClients()).toBe(2);
    expect(resources.alive()).toContain("TCPWRAP");

    await Promise.all([tcp.close(), ws.close(), dead.close()]);
    await waitFor(() => broker.connectedClients() === 0, "the broker to see every client leave");
    await broker.close();
    // Sockets close and timers are destroyed a few ticks later; then nothing may be left.
    await waitFor(
      () => resources.alive().length === 0,
      "every resource to be released",
      1000,
    ).catch(() => {});
    resources.stop();
    expect(resources.alive()).toEqual([]);
  });

  it("closes idempotently, rejects connect() once closed, and drops publishes after close", async () => {
    const client = createMqttClient({ url: SHARED_MOSQUITTO_URL });
    const pending = client.connect();
    const first = client.close();
    expect(client.close()).toBe(first);
    await first;
    await expect(pending).rejects.toMatchObject({ code: "CLOSED" });
    await expect(client.connect()).rejects.toMatchObject({ code: "CLOSED" });
    const dropped: PublishDroppedEvent[] = [];
    client.on("publishDropped", (e) => dropped.push(e));
    expect(client.publish("late/topic", "x")).toBe(false);
    expect(client.stats().dropped).toBe(1);
    expect(String(client)).toMatch(
      /^MqttClient\(mqtt:\/\/127\.0\.0\.1:1883, clientId=mqtt-adapter-[0-9a-f]{8}, closed\)$/,
    );
  });

  it("keeps retrying an unreachable broker with growing, bounded delays and says why", async () => {
    const port = await freePort();
    const client = clients.create({
      url: `mqtt://127.0.0.1:${port}`,
      reconnect: { minDelayMs: 20, maxDelayMs: 80 },
    });
    const retries: ReconnectingEvent[] = [];
    client.on("reconnecting", (e) => retries.push(e));
    const error = await rejectionOf(client.connect({ timeoutMs: 400 }));
    expect(error.code).toBe("NOT_CONNECTED");
    expect(error.message).toContain(
      `not connected to mqtt://127.0.0.1:${port} within 400 ms (last error CONNECTION_FAILED`,
    );
    expect((error.cause as MqttAdapterError).message).toContain(
      `connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED); check that the broker runs`,
    );
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(
      retries.every(
        (r) => r.delayMs >= 20 && r.delayMs <= 80 && r.error?.code === "CONNECTION_FAILED",
      ),
    ).toBe(true);
    expect(client.isConnected).toBe(false);
  });

  it("survives its broker vanishing and comes back when it returns", async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    const client = clients.create({ url: broker.url });
    const events: string[] = [];
    client.on("offline", (e) => events.push(`offline ${e.error?.code ?? "-"}`));
    client.on("connected", (e) => events.push(`connected ${e.reconnect}`));
    await client.connect();
    await broker.close();
    await waitFor(() => events.length === 2, "offline");
    const again = await startEmbeddedBroker({ port: broker.port });
    try {
      await waitFor(() => client.isConnected, "the reconnection");
      expect(events[0]).toBe("connected false");
      expect(events[1]).toMatch(/^offline (CONNECTION_FAILED|-)$/);
      expect(events[2]).toBe("connected true");
      expect(client.stats().reconnects).toBe(1);
    } finally {
      await clients.closeAll();
      await again.close();
    }
  });

  it("reports a handler that throws or rejects, still acknowledges, and keeps going", async () => {
    const broker = await startScriptedBroker();
    try {
      const topic = uniqueTopic("handler");
      const consumer = clients.create({
        url: broker.url,
        subscriptions: [{ filter: topic, qos: 1 }],
      });
      const errors: MqttAdapterError[] = [];
      consumer.on("error", (e) => errors.push(e));
      const seen: string[] = [];
      consumer.onMessage(async (_t, payload) => {
        const text = payload.toString();
        seen.push(text);
        if (text === "throw") throw new Error("handler bug");
        if (text === "reject") await Promise.reject(new Error("async handler bug"));
      });
      await consumer.connect();
      const producer = clients.create({ url: broker.url });
      for (const text of ["throw", "reject", "fine"]) producer.publish(topic, text, { qos: 1 });
      await producer.connect();
      await waitFor(() => seen.length === 3, "three messages");
      await waitFor(
        () => broker.acks.filter((id) => id === consumer.clientId).length === 3,
        "three acks",
      );
      await sleep(100);
      expect(seen).toEqual(["throw", "reject", "fine"]); // no redelivery
      expect(errors.map((e) => e.code)).toEqual(["HANDLER_FAILED", "HANDLER_FAILED"]);
      expect(errors[0]?.message).toContain("handler bug; the message was acknowledged");
      expect(consumer.stats()).toMatchObject({ received: 3, handlerErrors: 2 });
    } finally {
      await clients.closeAll();
      await broker.close();
    }
  });

  it("reports a refused subscription (SUBACK 0x80) as SUBSCRIBE_FAILED naming the filter", async () => {
    const broker = await startScriptedBroker({
      authorizeSubscribe: (_client, subscription, callback) => {
        // null negates the subscription: SUBACK 0x80 for it (an error would drop the client).
        callback(null, subscription.topic.startsWith("forbidden/") ? null : subscription);
      },
    });
    try {
      const client = clients.create({
        url: broker.url,
        subscriptions: [
          { filter: "allowed/#", qos: 1 },
          { filter: "forbidden/+", qos: 0 },
        ],
      });
      const errors: MqttAdapterError[] = [];
      const subscribed: { filters: string[]; refused: string[] }[] = [];
      client.on("error", (e) => errors.push(e));
      client.on("subscribed", (e) => subscribed.push(e));
      client.onMessage(() => {});
      await client.connect();
      expect(subscribed).toEqual([{ filters: ["allowed/#"], refused: ["forbidden/+"] }]);
      expect(errors.map((e) => [e.code, e.message])).toEqual([
        [
          "SUBSCRIBE_FAILED",
          `broker ${broker.url} refused the subscription to "forbidden/+" (SUBACK code 0x80); check the broker's ACL for client ${JSON.stringify(client.clientId)}`,
        ],
      ]);
    } finally {
      await clients.closeAll();
      await broker.close();
    }
  });

  it("explains an MQTT 5 client refused by a 3.1.1-only broker", async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const client = clients.create({ url: broker.url, protocolVersion: 5 });
      const errors: MqttAdapterError[] = [];
      client.on("error", (e) => errors.push(e));
      await client.connect({ wait: false });
      await waitFor(() => errors.length > 0, "the refusal");
      expect(errors[0]?.code).toBe("CONNECTION_FAILED");
      expect(errors[0]?.message).toContain("check protocolVersion");
    } finally {
      await clients.closeAll();
      await broker.close();
    }
  });

  it("explains an attempt that ends without a socket error code (a WebSocket 404)", async () => {
    const http = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
    try {
      const { port } = http.address() as AddressInfo;
      const client = clients.create({ url: `ws://127.0.0.1:${port}/mqtt` });
      const errors: MqttAdapterError[] = [];
      client.on("error", (e) => errors.push(e));
      await client.connect({ wait: false });
      await waitFor(() => errors.length > 0, "an error");
      expect([errors[0]?.code, errors[0]?.message]).toEqual([
        "CONNECTION_FAILED",
        `could not connect to ws://127.0.0.1:${port}/mqtt (MQTT 3.1.1): Unexpected server response: 404; check that the broker runs and that host and port are right`,
      ]);
    } finally {
      await clients.closeAll();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it("rejects invalid filters and topics up front, naming them", () => {
    expect(() =>
      createMqttClient({
        url: SHARED_MOSQUITTO_URL,
        subscriptions: [{ filter: "home/#/temp", qos: 1 }],
      }),
    ).toThrowError(
      expect.objectContaining({
        code: "INVALID_TOPIC_FILTER",
        message: 'invalid topic filter "home/#/temp": "#" must be the last level',
      }),
    );
    const client = clients.create({ url: SHARED_MOSQUITTO_URL });
    expect(() => client.publish("home/+/temp", "x")).toThrowError(
      expect.objectContaining({ code: "INVALID_TOPIC" }),
    );
    expect(() => client.publish("a", "x", { qos: 3 as 0 })).toThrowError(
      expect.objectContaining({
        code: "INVALID_OPTIONS",
        message: "publish qos must be 0, 1 or 2",
      }),
    );
  });

  it("holds messages that arrive before onMessage() unacknowledged instead of losing them", async () => {
    const base = uniqueTopic("early");
    const clientId = `early-${base.slice(-12)}`;
    const options = {
      url: SHARED_MOSQUITTO_URL,
      clientId,
      clean: false,
      subscriptions: [{ filter: `${base}/#`, qos: 1 as const }],
    };
    const first = clients.create(options);
    await first.connect();
    await first.close();
    const producer = clients.create({ url: SHARED_MOSQUITTO_URL });
    for (let i = 0; i < 3; i++) producer.publish(`${base}/x`, `e${i}`, { qos: 1 });
    await producer.connect();
    await producer.flush();

    const late = clients.create(options);
    // The queued messages arrive right after the CONNACK, ahead of the SUBACK, with no
    // handler yet: connect() resolves anyway (no deadlock) and they wait.
    await late.connect({ timeoutMs: 3000 });
    await sleep(100);
    expect(late.stats().received).toBe(0);
    const received = collect(late);
    await waitFor(() => received.length === 3, "the held messages");
    expect(received.map((m) => m.text)).toEqual(["e0", "e1", "e2"]);
    await late.close();
    const cleanup = clients.create({ url: SHARED_MOSQUITTO_URL, clientId, clean: true });
    await cleanup.connect();
  });
});
