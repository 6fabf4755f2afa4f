import { NATS_SERVER_BIN, type PrivateNats, startNats } from "@coreflux/test-support";
import { afterEach, describe, expect, it } from "vitest";
import type { PublishDroppedEvent } from "../src/index";
import { captureLogger } from "./helpers/logger";
import { waitFor } from "./helpers/net";
import { clientTracker } from "./helpers/targets";

const BAD_TOPIC = "Co/Meeting Room/RoomEnergyConsumed";

describe.skipIf(NATS_SERVER_BIN === undefined)(
  "a broker that closes the connection on a refused topic (NATS MQTT gateway)",
  () => {
    const clients = clientTracker();
    let nats: PrivateNats | undefined;
    afterEach(async () => {
      await clients.closeAll();
      await nats?.stop();
      nats = undefined;
    });

    it("drops the poison message as REFUSED after 3 tries and delivers every other QoS 1 message", async () => {
      nats = await startNats();
      const subscriber = clients.create({
        url: nats.serviceUrl,
        subscriptions: [{ filter: "Co/#", qos: 1 }],
      });
      const received: string[] = [];
      subscriber.onMessage((topic, payload) => {
        received.push(`${topic}=${payload.toString()}`);
      });
      await subscriber.connect({ timeoutMs: 10_000 });

      const { logger, lines } = captureLogger();
      const publisher = clients.create({ url: nats.serviceUrl, logger });
      const dropped: PublishDroppedEvent[] = [];
      publisher.on("publishDropped", (event) => dropped.push(event));
      let losses = 0;
      publisher.on("offline", () => losses++);
      await publisher.connect({ timeoutMs: 10_000 });

      // The bad one first, in the same window as good ones: they are lost with it at first.
      publisher.publish(BAD_TOPIC, "42", { qos: 1 });
      for (let i = 0; i < 5; i++)
        publisher.publish(`Co/Room${i}/RoomEnergyConsumed`, `${i}`, { qos: 1 });
      await publisher.flush();
      // Later publishes are not blocked either.
      publisher.publish(BAD_TOPIC, "43", { qos: 1 });
      publisher.publish("Co/Room9/RoomEnergyConsumed", "9", { qos: 1 });
      await publisher.flush();

      const expected = [0, 1, 2, 3, 4, 9].map((i) => `Co/Room${i}/RoomEnergyConsumed=${i}`);
      await waitFor(
        () => expected.every((m) => received.includes(m)),
        `the good messages (got ${received.join(", ")}; ${nats.log()})`,
        10_000,
      );
      expect(received.filter((m) => m.startsWith(BAD_TOPIC))).toEqual([]);
      expect(dropped.map((d) => [d.reason, d.topic, d.error?.code])).toEqual([
        ["REFUSED", BAD_TOPIC, "PUBLISH_FAILED"],
        ["REFUSED", BAD_TOPIC, "PUBLISH_FAILED"],
      ]);
      expect(publisher.stats()).toMatchObject({
        published: 6,
        refused: 2,
        dropped: 0,
        failed: 0,
        queued: 0,
        inFlight: 0,
      });
      // Per bad message: the first try lost the window it shared with good ones (no strike),
      // then three lone tries (one strike each).
      expect(losses).toBe(2 * (1 + 3));
      const refusedLogs = lines.filter((l) =>
        l.includes("broker closed the connection after each try"),
      );
      expect(refusedLogs).toHaveLength(1); // once per topic
      expect(refusedLogs[0]).toMatch(/^error /);
      expect(refusedLogs[0]).toContain(
        `broker closed the connection after each try to publish "${BAD_TOPIC}": dropped after 3 tries; some brokers refuse topics with spaces or dots (NATS)`,
      );
      expect(nats.log()).toContain("characters ' ' and '.' not supported for MQTT topics");
    }, 30_000);
  },
);
