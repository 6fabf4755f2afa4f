import { type PrivateMosquitto, startMosquitto } from "@coreflux/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { sleep, uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";

const COUNT = 300;

describe("a persistent Mosquitto killed with SIGKILL and restarted mid-stream", () => {
  const clients = clientTracker();
  let broker: PrivateMosquitto | undefined;
  afterEach(async () => {
    await clients.closeAll();
    await broker?.stop();
  });

  it("loses no QoS 1 message: the client reconnects, resubscribes and receives every one", async () => {
    broker = await startMosquitto({
      config: (dir) => [
        "persistence true",
        `persistence_location ${dir}/`,
        // Save after every change, so what the broker acknowledged survives the SIGKILL.
        "autosave_on_changes true",
        "autosave_interval 1",
      ],
    });
    const topic = uniqueTopic("restart");
    const subscriber = clients.create({
      url: broker.url,
      clientId: "restart-subscriber",
      clean: false,
      subscriptions: [{ filter: topic, qos: 1 }],
    });
    const sequence = new Set<number>();
    let deliveries = 0;
    subscriber.onMessage((_topic, payload) => {
      sequence.add(Number(payload.toString()));
      deliveries++;
    });
    const events: string[] = [];
    subscriber.on("offline", () => events.push("offline"));
    subscriber.on("connected", (e) => events.push(`connected reconnect=${e.reconnect}`));
    subscriber.on("subscribed", (e) => events.push(`subscribed ${e.filters.length}`));
    await subscriber.connect();

    const publisher = clients.create({ url: broker.url, clientId: "restart-publisher" });
    let publisherReconnected = false;
    publisher.on("connected", (e) => {
      publisherReconnected ||= e.reconnect;
    });
    await publisher.connect();

    let next = 0;
    const stream = setInterval(() => {
      if (next < COUNT) publisher.publish(topic, String(next++), { qos: 1 });
    }, 3);
    try {
      await waitFor(() => sequence.size >= 60, "the stream to be under way");
      await broker.kill("SIGKILL");
      await waitFor(() => events.includes("offline"), "the subscriber to notice");
      await sleep(200); // the publisher keeps publishing into its queue meanwhile
      await broker.restart();
      await waitFor(() => next === COUNT, "the publisher to finish", 10_000);
    } finally {
      clearInterval(stream);
    }
    await publisher.flush();
    await waitFor(() => sequence.size === COUNT, `all ${COUNT} messages (${broker.log()})`, 10_000);

    expect([...sequence].sort((a, b) => a - b)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(deliveries).toBeGreaterThanOrEqual(COUNT); // duplicates allowed: at least once
    expect(events).toEqual([
      "connected reconnect=false",
      "subscribed 1",
      "offline",
      "connected reconnect=true",
      "subscribed 1",
    ]);
    expect(subscriber.stats().reconnects).toBe(1);
    expect(publisherReconnected).toBe(true);
    expect(publisher.stats()).toMatchObject({ published: COUNT, dropped: 0, failed: 0 });
  }, 30_000);

  it("resubscribes when the restarted broker lost the session (no persistence)", async () => {
    broker = await startMosquitto();
    const topic = uniqueTopic("lost-session");
    const subscriber = clients.create({
      url: broker.url,
      clientId: "lost-session-subscriber",
      clean: false,
      subscriptions: [{ filter: topic, qos: 1 }],
    });
    const texts: string[] = [];
    subscriber.onMessage((_topic, payload) => {
      texts.push(payload.toString());
    });
    const connected: boolean[] = [];
    let subscribed = 0;
    subscriber.on("connected", (e) => connected.push(e.sessionPresent));
    subscriber.on("subscribed", () => subscribed++);
    await subscriber.connect();
    await broker.kill("SIGKILL");
    await broker.restart();
    await waitFor(() => subscribed === 2, "the resubscription");
    const publisher = clients.create({ url: broker.url });
    publisher.publish(topic, "after restart", { qos: 1 });
    await publisher.connect();
    await publisher.flush();
    await waitFor(() => texts.length === 1, "the message");
    expect(texts).toEqual(["after restart"]);
    expect(connected).toEqual([false, false]);
  });
});
