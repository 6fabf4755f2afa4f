import { afterEach, describe, expect, it } from "vitest";
import { SHARED_MOSQUITTO_URL, uniqueTopic, waitFor } from "./helpers/net";
import { readAcks, recordSocketWrites } from "./helpers/socket-writes";
import { clientTracker } from "./helpers/targets";

const COUNT = 2000;

describe("small writes gathered (shared Mosquitto)", { timeout: 30_000 }, () => {
  const clients = clientTracker();
  let restore: (() => void) | undefined;
  afterEach(async () => {
    await clients.closeAll();
    restore?.();
    restore = undefined;
  });

  it("a burst's PUBACKs reach the socket in far fewer writes than packets, every one intact", async () => {
    const recording = recordSocketWrites();
    restore = recording.restore;
    const topic = uniqueTopic("gather");
    const subscriber = clients.create({
      url: SHARED_MOSQUITTO_URL,
      subscriptions: [{ filter: topic, qos: 1 }],
    });
    let received = 0;
    subscriber.onMessage(() => {
      received++;
    });
    await subscriber.connect();
    const publisher = clients.create({ url: SHARED_MOSQUITTO_URL });
    await publisher.connect();
    for (let i = 0; i < COUNT; i++) publisher.publish(topic, `reading ${i}`, { qos: 1 });
    await publisher.flush();
    await waitFor(() => received === COUNT, "every message");
    // The last turn's PUBACKs leave after it (setImmediate): let them out before reading.
    await new Promise((resolve) => setTimeout(resolve, 100));

    // The subscriber's socket: the one whose bytes hold PUBACKs.
    const parsed = [...recording.chunks.values()].map((chunks) => ({
      chunks,
      ...readAcks(chunks),
    }));
    const {
      chunks: written,
      acks,
      errors,
    } = parsed.reduce((a, b) => (b.acks.length > a.acks.length ? b : a));
    expect(errors).toEqual([]);
    expect(acks).toHaveLength(COUNT);
    expect(new Set(acks).size).toBe(COUNT);
    // mqtt-packet writes a PUBACK in three pieces; one chunk per piece would be 3 × COUNT.
    expect(written.length).toBeLessThan(COUNT / 2);
  });
});
