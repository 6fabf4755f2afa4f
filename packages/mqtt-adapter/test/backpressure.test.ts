import { afterEach, describe, expect, it } from "vitest";
import type { PublishDroppedEvent } from "../src/index";
import { SHARED_MOSQUITTO_URL, sleep, uniqueTopic, waitFor } from "./helpers/net";
import { startScriptedBroker } from "./helpers/scripted-aedes";
import { clientTracker } from "./helpers/targets";

const url = SHARED_MOSQUITTO_URL;

describe("publish queue", () => {
  const clients = clientTracker();
  afterEach(() => clients.closeAll());

  it("is bounded by messages: exactly the overflow is dropped, counted and reported", async () => {
    const topic = uniqueTopic("bounded");
    const client = clients.create({
      url,
      publishQueue: { maxMessages: 1000, maxBytes: 10_000_000 },
    });
    const dropped: PublishDroppedEvent[] = [];
    client.on("publishDropped", (e) => dropped.push(e));
    let accepted = 0;
    // Not connected yet: everything waits in the queue, so the bound is the only limit.
    for (let i = 0; i < 100_000; i++) if (client.publish(topic, `m${i}`)) accepted++;
    const topicBytes = Buffer.byteLength(topic);
    expect(accepted).toBe(1000);
    expect(client.stats()).toMatchObject({ queued: 1000, dropped: 99_000, published: 0 });
    expect(client.stats().queuedBytes).toBe(
      Array.from({ length: 1000 }, (_, i) => `m${i}`.length + topicBytes).reduce((a, b) => a + b),
    );
    expect(dropped).toHaveLength(99_000);
    expect(dropped[0]).toEqual({
      topic,
      bytes: "m1000".length + topicBytes,
      reason: "QUEUE_FULL",
      error: undefined,
    });

    await client.connect();
    await client.flush();
    expect(client.stats()).toMatchObject({
      queued: 0,
      inFlight: 0,
      published: 1000,
      dropped: 99_000,
    });
  });

  it("is bounded by bytes", () => {
    const client = clients.create({ url, publishQueue: { maxMessages: 1000, maxBytes: 1000 } });
    const payload = Buffer.alloc(90);
    const results = Array.from({ length: 20 }, () => client.publish("b/xxxxxxxx", payload));
    expect(results.filter(Boolean)).toHaveLength(10); // 10 × (90 + 10 topic bytes) = 1000
    expect(client.stats()).toMatchObject({ queued: 10, queuedBytes: 1000, dropped: 10 });
  });

  it("takes a burst of 100,000 publishes in one tick without stalling intake", async () => {
    const base = uniqueTopic("burst");
    const client = clients.create({
      url,
      subscriptions: [{ filter: `${base}/in`, qos: 1 }],
      publishQueue: { maxMessages: 10_000, maxBytes: 8_000_000, maxInFlight: 100 },
    });
    let queuedWhenPingArrived = -1;
    client.onMessage(() => {
      queuedWhenPingArrived = client.stats().queued;
    });
    const drained: number[] = [];
    client.on("drain", () => drained.push(client.stats().queued));
    await client.connect();
    const other = clients.create({ url });
    await other.connect();

    const payload = Buffer.alloc(250, 7);
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) if (client.publish(`${base}/out`, payload)) accepted++;
    const afterBurst = client.stats();
    other.publish(`${base}/in`, "ping", { qos: 1 });

    // Nothing was sent from inside publish(): the queue holds exactly maxMessages.
    expect(accepted).toBe(10_000);
    expect(afterBurst).toMatchObject({ queued: 10_000, inFlight: 0, dropped: 90_000 });
    expect(afterBurst.queuedBytes).toBe(10_000 * (250 + Buffer.byteLength(`${base}/out`)));
    await client.flush();
    expect(client.stats()).toMatchObject({ published: 10_000, failed: 0, queued: 0, inFlight: 0 });
    expect(drained).toEqual([0]);
    // The incoming message was handled while the outgoing backlog was still being sent.
    await waitFor(() => queuedWhenPingArrived !== -1, "the ping");
    expect(queuedWhenPingArrived).toBeGreaterThan(0);
  });
});

describe("slow consumer", () => {
  const clients = clientTracker();
  afterEach(() => clients.closeAll());

  it("holds one message in the handler; the backlog stays in the broker and the socket", async () => {
    const topic = uniqueTopic("slow");
    const consumer = clients.create({ url, subscriptions: [{ filter: topic, qos: 0 }] });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inHandler = 0;
    let maxInHandler = 0;
    let received = 0;
    consumer.onMessage(async () => {
      inHandler++;
      maxInHandler = Math.max(maxInHandler, inHandler);
      received++;
      if (received === 1) await gate;
      inHandler--;
    });
    await consumer.connect();
    const producer = clients.create({
      url,
      publishQueue: { maxMessages: 10_000, maxBytes: 100_000_000 },
    });
    await producer.connect();

    // 800 × 8 KiB = 6.4 MiB of QoS 0 (under Mosquitto's default max_queued_messages 1000).
    const count = 800;
    const payload = Buffer.alloc(8192, 1);
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < count; i++) producer.publish(topic, payload);
    await producer.flush();
    await sleep(300);
    const growth = process.memoryUsage().arrayBuffers - before;

    expect(consumer.stats().received).toBe(1);
    expect(maxInHandler).toBe(1);
    expect(growth).toBeLessThan(2_000_000); // not the 6.4 MiB that was sent

    release();
    await waitFor(() => received === count, `all ${count} messages`);
    expect(maxInHandler).toBe(1);
    expect(consumer.stats()).toMatchObject({ received: count, handlerErrors: 0 });
  });

  it("acknowledges a QoS 1 message only after the handler's promise settled", async () => {
    const broker = await startScriptedBroker();
    try {
      const topic = uniqueTopic("ack");
      const consumer = clients.create({
        url: broker.url,
        subscriptions: [{ filter: topic, qos: 1 }],
      });
      let release: () => void = () => {};
      let started = 0;
      consumer.onMessage(() => {
        started++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      await consumer.connect();
      const producer = clients.create({ url: broker.url });
      producer.publish(topic, "one", { qos: 1 });
      producer.publish(topic, "two", { qos: 1 });
      await producer.connect();
      await producer.flush();
      await waitFor(() => started === 1, "the handler to start");
      const acked = () => broker.acks.filter((id) => id === consumer.clientId).length;
      await sleep(200);
      expect(acked()).toBe(0);
      expect(started).toBe(1);
      release();
      await waitFor(() => started === 2 && acked() === 1, "the first ack and the second message");
      await sleep(100);
      expect(acked()).toBe(1); // the second one is still in the handler
      release();
      await waitFor(() => acked() === 2, "the second ack");
    } finally {
      await clients.closeAll();
      await broker.close();
    }
  });
});
