import { EnergyEngine } from "@coreflux/hierarchy";
import { createMqttClient, startEmbeddedBroker } from "@coreflux/mqtt-adapter";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { TimeTask } from "./loop-tasks";
import { Counts } from "./metrics";
import { buildMessage } from "./output/build-payload";
import {
  companyPayloadSchema,
  devicePayloadSchema,
  officePayloadSchema,
  roomPayloadSchema,
} from "./output/payload-schema";
import { Publisher } from "./publisher";

const T0 = Date.UTC(2026, 5, 11, 10, 0, 0);

function fleet(devices: number) {
  const engine = new EnergyEngine({ timeZone: "Europe/Lisbon" });
  for (let i = 0; i < devices; i++) {
    const found = engine.meter(
      ["Coreflux", `Office${i % 3}`, `Room${i % 5}`, `Device${i}`],
      "switch:0",
    );
    if (!found.ok) throw new Error(found.reason);
    engine.ingest(found.meter, { tsMs: T0, energyWh: 1000, powerW: 10 });
    engine.ingest(found.meter, { tsMs: T0 + 60_000, energyWh: 1000 + i / 1000, powerW: 10 + i });
  }
  return engine;
}

/** An embedded broker and a subscriber counting the messages received per topic. */
async function brokerWithCounter() {
  const broker = await startEmbeddedBroker({ port: 0 });
  const received = new Map<string, number>();
  const subscriber = createMqttClient({
    url: broker.url,
    subscriptions: [{ filter: "Coreflux/#", qos: 1 }],
  });
  subscriber.onMessage((topic) => {
    received.set(topic, (received.get(topic) ?? 0) + 1);
  });
  await subscriber.connect();
  return { broker, received, subscriber };
}

/** A publisher with the test's settings (no retain, QoS 1) and a fixed clock. */
function publisherFor(
  engine: EnergyEngine,
  client: ReturnType<typeof createMqttClient>,
  counts: Counts,
  options: {
    nested: boolean;
    fullRefreshEvery: number;
    queueCapacity: number;
    stopQueueCapacity?: number;
    sliceMessages?: number;
    sliceBudgetMs?: number;
  },
  nowMs: number,
): Publisher {
  return new Publisher(
    engine,
    client,
    counts,
    pino({ level: "silent" }),
    { retain: false, qos: 1, ...options },
    () => nowMs,
  );
}

describe("payloads", () => {
  it("every level matches its schema; nested = false drops the child arrays", () => {
    const engine = fleet(12);
    const now = T0 + 60_000;
    const schemas = [
      companyPayloadSchema,
      officePayloadSchema,
      roomPayloadSchema,
      devicePayloadSchema,
    ];
    for (let id = 0; id < engine.nodeCount; id++) {
      const depth = engine.view(id, now).depth;
      const nested = buildMessage(engine, id, now, true);
      expect(() => schemas[depth]!.parse(nested.payload)).not.toThrow();
      const flat = buildMessage(engine, id, now, false).payload as Record<string, unknown>;
      expect(flat.Devices ?? flat.Rooms ?? flat.Offices).toBeUndefined();
    }
    const company = buildMessage(engine, engine.findNode(["Coreflux"])!, now, true);
    expect(company.topic).toBe("Coreflux/CompanyEnergyConsumed");
    expect(company.payload).toMatchObject({
      Name: "Coreflux",
      TotalEnergy: 0.066,
      UnixTimestamp: Math.floor(now / 1000),
      DevicesOnline: 12,
    });
    const device = buildMessage(
      engine,
      engine.findNode(["Coreflux", "Office1", "Room1", "Device1"])!,
      now,
      true,
    );
    expect(device).toEqual({
      topic: "Coreflux/Office1/Room1/Device1/status/EnergyConsumed",
      payload: expect.objectContaining({
        TotalEnergyConsumed: 0.001,
        LastEnergyVal: 1000.001,
        PowerW: 11,
        State: "online",
      }),
    });
  });
});

describe("Publisher", () => {
  it("publishes what the queue takes and the rest on drain, each node once, nothing dropped", async () => {
    const { broker, received, subscriber } = await brokerWithCounter();
    const client = createMqttClient({
      url: broker.url,
      publishQueue: { maxMessages: 10, maxBytes: 1 << 20, maxInFlight: 5 },
    });
    await client.connect();
    // What was in flight each time the publisher queued a message.
    const inFlightAtPublish: number[] = [];
    const publish = client.publish.bind(client);
    client.publish = (...args: Parameters<typeof publish>) => {
      inFlightAtPublish.push(client.stats().inFlight);
      return publish(...args);
    };
    const engine = fleet(40);
    const counts = new Counts();
    const publisher = publisherFor(
      engine,
      client,
      counts,
      { nested: true, fullRefreshEvery: 1000, queueCapacity: 10 },
      T0 + 60_000,
    );
    const report = publisher.cycle({
      nowMs: T0 + 60_000,
      changed: engine.takeChanges(T0 + 60_000),
      engine,
    });
    // 1 company + 3 offices + 15 rooms... + 40 devices = every node changed.
    expect(report).toEqual({
      changed: engine.nodeCount,
      published: 10,
      waiting: engine.nodeCount - 10,
      full: true,
    });
    for (let i = 0; i < 200 && received.size < engine.nodeCount; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(received.size).toBe(engine.nodeCount);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(client.stats().dropped).toBe(0);
    expect(counts.published).toBe(engine.nodeCount);
    // The rest is queued as soon as the queue has gone out, while the last messages are still in
    // flight: the connection never idles waiting for confirmations between batches.
    expect(inFlightAtPublish.slice(10).some((n) => n > 0)).toBe(true);
    // Nothing changed: the next cycle publishes nothing.
    expect(
      publisher.cycle({ nowMs: T0 + 61_000, changed: engine.takeChanges(T0 + 61_000), engine }),
    ).toMatchObject({ changed: 0, published: 0, waiting: 0 });
    await client.close();
    await subscriber.close();
    await broker.close();
  });

  it("a node the client refuses stays first and goes out once the queue has room", async () => {
    const { broker, received, subscriber } = await brokerWithCounter();
    // The client holds 5 messages; the publisher believes 10 fit: every 6th is refused.
    const client = createMqttClient({
      url: broker.url,
      publishQueue: { maxMessages: 5, maxBytes: 1 << 20, maxInFlight: 5 },
    });
    await client.connect();
    const taken: string[] = [];
    const refused: string[] = [];
    const publish = client.publish.bind(client);
    client.publish = (...args: Parameters<typeof publish>) => {
      const ok = publish(...args);
      (ok ? taken : refused).push(args[0]);
      return ok;
    };
    const engine = fleet(12);
    const counts = new Counts();
    const publisher = publisherFor(
      engine,
      client,
      counts,
      { nested: false, fullRefreshEvery: 1000, queueCapacity: 10 },
      T0 + 60_000,
    );
    const report = publisher.cycle({
      nowMs: T0 + 60_000,
      changed: engine.takeChanges(T0 + 60_000),
      engine,
    });
    expect(report).toMatchObject({ published: 5, waiting: engine.nodeCount - 5 });
    expect(refused).toHaveLength(1);
    for (let i = 0; i < 200 && received.size < engine.nodeCount; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(received.size).toBe(engine.nodeCount);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(counts.published).toBe(engine.nodeCount);
    expect(publisher.backlog).toBe(0);
    // Each refused node was the next one taken: it kept its place at the head.
    let next = 0;
    for (const topic of refused) {
      next = taken.indexOf(topic, next);
      expect(next).toBeGreaterThan(0);
      expect(taken.lastIndexOf(topic)).toBe(next);
      expect(next % 5).toBe(0);
    }
    expect(new Set(taken).size).toBe(engine.nodeCount);
    await client.close();
    await subscriber.close();
    await broker.close();
  });

  it("before a stop, finish() may fill the queue up to stopQueueCapacity, beyond a cycle's room", async () => {
    const { broker, subscriber } = await brokerWithCounter();
    const client = createMqttClient({
      url: broker.url,
      publishQueue: { maxMessages: 100, maxBytes: 1 << 20, maxInFlight: 5 },
    });
    await client.connect();
    const engine = fleet(40);
    const publisher = publisherFor(
      engine,
      client,
      new Counts(),
      { nested: false, fullRefreshEvery: 1000, queueCapacity: 10, stopQueueCapacity: 30 },
      T0 + 60_000,
    );
    const report = publisher.cycle({
      nowMs: T0 + 60_000,
      changed: engine.takeChanges(T0 + 60_000),
      engine,
    });
    expect(report.published).toBe(10);
    // Nothing has left yet (the client sends in a later turn): 10 queued, 20 more fit.
    expect(client.stats().queued).toBe(10);
    expect(publisher.finish(T0 + 60_000)).toBe(20);
    expect(client.stats().queued).toBe(30);
    expect(publisher.backlog).toBe(engine.nodeCount - 30);
    await client.close();
    await subscriber.close();
    await broker.close();
  });

  /** A connected publisher over 40 devices whose first cycle publishes every node in slices. */
  async function slicedCycle(slicing: {
    sliceMessages: number;
    sliceBudgetMs?: number;
    timeTask?: TimeTask;
  }) {
    const { broker, received, subscriber } = await brokerWithCounter();
    const client = createMqttClient({ url: broker.url });
    await client.connect();
    const engine = fleet(40);
    const counts = new Counts();
    const publisher = publisherFor(
      engine,
      client,
      counts,
      { nested: false, fullRefreshEvery: 1000, queueCapacity: 10_000, ...slicing },
      T0 + 60_000,
    );
    const report = publisher.cycle({
      nowMs: T0 + 60_000,
      changed: engine.takeChanges(T0 + 60_000),
      engine,
    });
    /** Waits until every node arrived, then checks each arrived once. */
    const allArrivedOnce = async () => {
      for (let i = 0; i < 200 && received.size < engine.nodeCount; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(received.size).toBe(engine.nodeCount);
      expect([...received.values()].every((n) => n === 1)).toBe(true);
    };
    const close = async () => {
      await client.close();
      await subscriber.close();
      await broker.close();
    };
    return { client, engine, counts, publisher, report, allArrivedOnce, close };
  }

  it("builds a large cycle in slices, one per turn of the event loop; finish() queues the rest at once", async () => {
    const { client, engine, counts, publisher, report, allArrivedOnce, close } = await slicedCycle({
      sliceMessages: 8,
    });
    // One slice now; the others follow turn by turn, each node once.
    expect(report.published).toBe(8);
    expect(publisher.backlog).toBe(engine.nodeCount - 8);
    await new Promise((r) => setImmediate(r));
    expect(publisher.backlog).toBe(engine.nodeCount - 16);
    await allArrivedOnce();
    expect(counts.published).toBe(engine.nodeCount);

    // A full refresh before a stop: finish() hands every waiting node to the client now.
    publisher.cycle({ nowMs: T0 + 61_000, changed: [], engine }); // cycle 2: not full
    const refreshed = publisherFor(
      engine,
      client,
      counts,
      { nested: false, fullRefreshEvery: 1, queueCapacity: 10_000, sliceMessages: 8 },
      T0 + 62_000,
    );
    expect(refreshed.cycle({ nowMs: T0 + 62_000, changed: [], engine }).published).toBe(8);
    expect(refreshed.finish(T0 + 62_000)).toBe(engine.nodeCount - 8);
    expect(refreshed.backlog).toBe(0);
    await close();
  });

  it("a slice also ends when its time budget is spent, and the next turn goes on", async () => {
    const timed: string[] = [];
    const { engine, publisher, report, allArrivedOnce, close } = await slicedCycle({
      sliceMessages: 1000,
      sliceBudgetMs: 0,
      timeTask: (task, work) => {
        timed.push(task);
        return work();
      },
    });
    // The clock is read every 16 messages: with no budget at all, a slice is 15 messages.
    expect(report.published).toBe(15);
    await new Promise((r) => setImmediate(r));
    expect(publisher.backlog).toBe(engine.nodeCount - 30);
    await allArrivedOnce();
    // Every slice after the cycle's own was measured as one task.
    expect(timed.length).toBe(Math.ceil(engine.nodeCount / 15) - 1);
    expect(new Set(timed)).toEqual(new Set(["publish_slice"]));
    await close();
  });
});
