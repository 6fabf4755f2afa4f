import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConnectedEvent } from "../src/index";
import { uniqueTopic, waitFor } from "./helpers/net";
import { clientTracker, collect, type Received, TARGETS } from "./helpers/targets";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** The two-byte number cache of the mqtt-packet that mqtt.js writes with. */
function mqttPacketNumberCache(): Record<string, unknown> {
  const fromMqtt = createRequire(createRequire(import.meta.url).resolve("mqtt"));
  return fromMqtt("mqtt-packet/numbers.js").cache;
}

describe.each(TARGETS)("$name", (target) => {
  let url = "";
  let closeBroker: () => Promise<void> = async () => {};
  const clients = clientTracker();

  beforeAll(async () => {
    ({ url, close: closeBroker } = await target.open());
  });
  afterEach(() => clients.closeAll());
  afterAll(() => closeBroker());

  it("round-trips QoS 0 and QoS 1 messages with their exact bytes", async () => {
    const base = uniqueTopic("roundtrip");
    const subscriber = clients.create({ url, subscriptions: [{ filter: `${base}/+`, qos: 1 }] });
    const received: Received[] = [];
    const binary: Buffer[] = [];
    subscriber.onMessage((topic, payload, info) => {
      binary.push(Buffer.from(payload));
      received.push({ topic, text: payload.toString("utf8"), info });
    });
    await subscriber.connect({ timeoutMs: 5000 });
    const publisher = clients.create({ url });
    await publisher.connect({ timeoutMs: 5000 });
    expect(publisher.publish(`${base}/a`, "hello", { qos: 0 })).toBe(true);
    expect(publisher.publish(`${base}/b`, new Uint8Array([0, 255, 1, 2]), { qos: 1 })).toBe(true);
    // Strings go to mqtt.js as strings: a short one (gathered with the packet's other pieces)
    // and one past the gatherer's 1 KiB, both with multi-byte characters.
    const short = "Sala Açores 🙂";
    const long = `{"Unit":"€","Rooms":"${"é€🙂".repeat(400)}"}`;
    expect(publisher.publish(`${base}/c`, short, { qos: 1 })).toBe(true);
    expect(publisher.publish(`${base}/d`, long, { qos: 1 })).toBe(true);
    await publisher.flush();
    await waitFor(() => received.length === 4, "four messages");
    expect(received.map((m) => [m.topic, m.info.qos, m.info.retain, m.info.dup])).toEqual([
      [`${base}/a`, 0, false, false],
      [`${base}/b`, 1, false, false],
      [`${base}/c`, 1, false, false],
      [`${base}/d`, 1, false, false],
    ]);
    expect(received[0]?.text).toBe("hello");
    expect(received[2]?.text).toBe(short);
    expect(received[3]?.text).toBe(long);
    expect(binary[3]?.equals(Buffer.from(long, "utf8"))).toBe(true);
    expect(binary[1]?.toString("hex")).toBe("00ff0102");
    expect(received[0]?.info.messageId).toBeUndefined();
    expect(typeof received[1]?.info.messageId).toBe("number");
    expect(publisher.stats()).toMatchObject({
      published: 4,
      dropped: 0,
      failed: 0,
      queued: 0,
      inFlight: 0,
    });
    expect(subscriber.stats()).toMatchObject({ received: 4, handlerErrors: 0, connectAttempts: 1 });
  });

  it("never fills mqtt-packet's cache of 65,536 number buffers (6.5 MB of heap)", async () => {
    const topic = uniqueTopic("number-cache");
    const subscriber = clients.create({ url, subscriptions: [{ filter: topic, qos: 1 }] });
    let received = 0;
    subscriber.onMessage(() => {
      received++;
    });
    await subscriber.connect({ timeoutMs: 5000 });
    const publisher = clients.create({ url });
    await publisher.connect({ timeoutMs: 5000 });
    for (let i = 0; i < 3; i++) publisher.publish(topic, String(i), { qos: 1 });
    await publisher.flush();
    await waitFor(() => received === 3, "three messages");
    // Packet ids and acknowledgements were written: with mqtt.js's default the cache is full now.
    expect(Object.keys(mqttPacketNumberCache())).toHaveLength(0);
  });

  it("delivers a retained message to a later subscriber with retain: true", async () => {
    const topic = `${uniqueTopic("retained")}/state`;
    const publisher = clients.create({ url });
    publisher.publish(topic, "42", { qos: 1, retain: true });
    await publisher.connect();
    await publisher.flush();
    const subscriber = clients.create({ url, subscriptions: [{ filter: topic, qos: 0 }] });
    const received = collect(subscriber);
    await subscriber.connect();
    await waitFor(() => received.length === 1, "the retained message");
    expect(received.map((m) => [m.text, m.info.retain])).toEqual([["42", true]]);
    publisher.publish(topic, "", { qos: 1, retain: true }); // clear it on the shared broker
    await publisher.flush();
  });

  it.each(target.protocolVersions)(
    "keeps a persistent session: QoS 1 messages sent while away arrive on return (MQTT v%i)",
    async (protocolVersion) => {
      const base = uniqueTopic("session");
      const clientId = `ct-${base.slice(-12)}-${protocolVersion}`;
      const session =
        protocolVersion === 5
          ? { protocolVersion, sessionExpiryIntervalS: 300 }
          : { protocolVersion, clean: false };
      const options = {
        url,
        clientId,
        subscriptions: [{ filter: `${base}/#`, qos: 1 as const }],
        ...session,
      };

      const first = clients.create(options);
      first.onMessage(() => {});
      await first.connect();
      await first.close();

      const publisher = clients.create({ url });
      await publisher.connect();
      for (let i = 0; i < 5; i++) publisher.publish(`${base}/m`, `m${i}`, { qos: 1 });
      await publisher.flush();
      expect(publisher.stats().published).toBe(5);

      const second = clients.create(options);
      const connected: ConnectedEvent[] = [];
      second.on("connected", (event) => connected.push(event));
      const received = collect(second);
      await second.connect();
      await waitFor(() => received.length >= 5, "the 5 queued messages");
      expect(received.map((m) => m.text)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
      expect(received.every((m) => m.info.qos === 1)).toBe(true);
      expect(connected).toEqual([{ sessionPresent: true, reconnect: false }]);
      await second.close();

      // Leave nothing behind on the shared broker: a clean connection discards the session.
      const cleanup = clients.create({ url, clientId, protocolVersion, clean: true });
      await cleanup.connect();
    },
  );

  it("publishes a retained online status, offline on close(), and offline as last will", async () => {
    expect(existsSync(DIST), "build the package first (dist/index.js)").toBe(true);
    const statusTopic = `${uniqueTopic("status")}/status`;
    const observer = clients.create({ url, subscriptions: [{ filter: statusTopic, qos: 1 }] });
    const seen = collect(observer);
    await observer.connect();

    const client = clients.create({ url, statusTopic });
    await client.connect();
    await waitFor(() => seen.length === 1, "online");
    await client.close();
    await waitFor(() => seen.length === 2, "offline after close()");

    // A process that dies without a DISCONNECT: the broker publishes the will.
    const child = spawnStatusClient(url, statusTopic);
    try {
      await waitFor(() => seen.length === 3, "online from the child process");
      child.kill("SIGKILL");
      await waitFor(() => seen.length === 4, "offline from the will");
    } finally {
      child.kill("SIGKILL");
    }
    expect(seen.map((m) => m.text)).toEqual(["online", "offline", "online", "offline"]);
    expect(seen.every((m) => m.info.retain === false)).toBe(true);

    const late = clients.create({ url, subscriptions: [{ filter: statusTopic, qos: 1 }] });
    const retained = collect(late);
    await late.connect();
    await waitFor(() => retained.length === 1, "the retained status");
    expect(retained.map((m) => [m.text, m.info.retain])).toEqual([["offline", true]]);
    late.publish(statusTopic, "", { qos: 1, retain: true });
    await late.flush();
  });
});

function spawnStatusClient(url: string, statusTopic: string): ChildProcess {
  const script = `
    import { createMqttClient } from ${JSON.stringify(DIST)};
    const client = createMqttClient({ url: ${JSON.stringify(url)}, statusTopic: ${JSON.stringify(statusTopic)} });
    await client.connect();
    setInterval(() => {}, 1000);
  `;
  return spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
}
