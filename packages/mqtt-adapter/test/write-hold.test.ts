import { startMosquitto } from "@coreflux/test-support";
import { afterEach, describe, expect, it } from "vitest";
import type { MqttClient } from "../src/index";
import { SHARED_MOSQUITTO_URL, sleep, uniqueTopic, waitFor } from "./helpers/net";
import { readAcks, recordSocketWrites } from "./helpers/socket-writes";
import { clientTracker } from "./helpers/targets";

/** Messages sent one at a time, `GAP_MS` apart: each arrives in a socket read of its own. */
const SPACED = 10;
const GAP_MS = 15;

/**
 * `writeHoldMs` keeps the socket corked past the end of the turn, so that the PUBACKs of
 * messages arriving apart leave together, after one `beforeAcks` call for all of them; and
 * `writeHoldMaxAcks` ends a hold early so a broker's in-flight window is never held shut.
 */
describe("write hold (Mosquitto)", { timeout: 30_000 }, () => {
  const clients = clientTracker();
  let restore: (() => void) | undefined;
  let stopBroker: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await clients.closeAll();
    restore?.();
    restore = undefined;
    await stopBroker?.();
    stopBroker = undefined;
  });

  /**
   * A subscriber with `options` and a hook that records, at each call, how many messages were
   * handled since the last one; connected, with a publisher for `topic`.
   */
  async function subscriberAndPublisher(
    topic: string,
    options: { writeHoldMs?: number; writeHoldMaxAcks?: number },
  ): Promise<{ handled: () => number; batches: number[]; publisher: MqttClient }> {
    let handled = 0;
    let hooked = 0;
    const batches: number[] = [];
    const subscriber = clients.create({
      url: SHARED_MOSQUITTO_URL,
      subscriptions: [{ filter: topic, qos: 1 }],
      beforeAcks: () => {
        batches.push(handled - hooked);
        hooked = handled;
      },
      ...options,
    });
    subscriber.onMessage(() => {
      handled++;
    });
    await subscriber.connect();
    const publisher = clients.create({ url: SHARED_MOSQUITTO_URL });
    await publisher.connect();
    return { handled: () => handled, batches, publisher };
  }

  async function publishSpaced(publisher: MqttClient, topic: string, count: number) {
    for (let i = 0; i < count; i++) {
      publisher.publish(topic, `reading ${i}`, { qos: 1 });
      await sleep(GAP_MS);
    }
  }

  /** The PUBACK-bearing chunks the subscriber's socket was given, and the packet ids in them. */
  function subscriberWrites(chunks: Map<number, Buffer[]>): { writes: number; acks: number[] } {
    const parsed = [...chunks.values()].map((list) => ({
      writes: list.filter((chunk) => readAcks([chunk]).acks.length > 0).length,
      ...readAcks(list),
    }));
    const best = parsed.reduce((a, b) => (b.acks.length > a.acks.length ? b : a));
    expect(best.errors).toEqual([]);
    return { writes: best.writes, acks: best.acks };
  }

  it.each([
    { writeHoldMs: 0, most: SPACED, least: SPACED - 2 },
    { writeHoldMs: 2000, most: 2, least: 1 },
  ])(
    "writeHoldMs $writeHoldMs: PUBACKs of 10 messages apart in $least to $most writes and hook calls",
    async ({ writeHoldMs, most, least }) => {
      const recording = recordSocketWrites();
      restore = recording.restore;
      const topic = uniqueTopic(`hold-${writeHoldMs}`);
      const { handled, batches, publisher } = await subscriberAndPublisher(topic, {
        writeHoldMs,
        writeHoldMaxAcks: 1000,
      });
      await publishSpaced(publisher, topic, SPACED);
      await waitFor(() => handled() === SPACED, "every message");
      // A hold lasts until its timer: the acknowledgements of the whole burst wait for it.
      await waitFor(() => batches.reduce((a, b) => a + b, 0) === SPACED, "every hook call", 5000);
      await sleep(50);

      const { writes, acks } = subscriberWrites(recording.chunks);
      expect(new Set(acks).size).toBe(SPACED);
      expect(writes).toBeLessThanOrEqual(most);
      expect(writes).toBeGreaterThanOrEqual(least);
      expect(batches.length).toBeLessThanOrEqual(most);
      expect(batches.length).toBeGreaterThanOrEqual(least);
    },
  );

  it("a hold ends at writeHoldMaxAcks acknowledgements, long before its timer", async () => {
    const topic = uniqueTopic("hold-max");
    const { handled, batches, publisher } = await subscriberAndPublisher(topic, {
      writeHoldMs: 60_000,
      writeHoldMaxAcks: 4,
    });
    const startedMs = Date.now();
    await publishSpaced(publisher, topic, 8);
    await waitFor(() => handled() === 8, "every message");
    // Two holds of 4: neither waits for its minute.
    await waitFor(() => batches.reduce((a, b) => a + b, 0) === 8, "both batches", 5000);
    expect(Date.now() - startedMs).toBeLessThan(10_000);
    expect(batches).toEqual([4, 4]);
  });

  it("close() sends what a hold keeps, after beforeAcks, without waiting for its timer", async () => {
    const broker = await startMosquitto();
    stopBroker = () => broker.stop();
    const topic = uniqueTopic("hold-close");
    let handled = 0;
    const order: string[] = [];
    const subscriber = clients.create({
      url: broker.url,
      clientId: `hold-close-${process.pid}`,
      clean: false,
      subscriptions: [{ filter: topic, qos: 1 }],
      beforeAcks: () => order.push(`hook after ${handled}`),
      writeHoldMs: 60_000,
    });
    subscriber.onMessage(() => {
      handled++;
    });
    await subscriber.connect();
    const publisher = clients.create({ url: broker.url });
    await publisher.connect();
    await publishSpaced(publisher, topic, 3);
    await waitFor(() => handled === 3, "every message");
    expect(order).toEqual([]);
    const startedMs = Date.now();
    await subscriber.close();
    expect(Date.now() - startedMs).toBeLessThan(5000);
    expect(order).toEqual(["hook after 3"]);

    // The broker got the three PUBACKs: the same session gets nothing again.
    const again = clients.create({
      url: broker.url,
      clientId: `hold-close-${process.pid}`,
      clean: false,
      subscriptions: [{ filter: topic, qos: 1 }],
    });
    let redelivered = 0;
    again.onMessage(() => {
      redelivered++;
    });
    await again.connect();
    await sleep(300);
    expect(redelivered).toBe(0);
  });
});
