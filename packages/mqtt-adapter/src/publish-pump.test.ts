import { describe, expect, it } from "vitest";
import type { PublishDroppedEvent } from "./client-types";
import { MAX_STRIKES, PublishPump, SEND_BATCH } from "./publish-pump";
import type { QueuedPublish } from "./publish-queue";

type Done = (error?: Error | null) => void;

function harness(limits = { maxMessages: 5, maxBytes: 1_000_000, maxInFlight: 2 }) {
  const sent: { message: QueuedPublish; done: Done }[] = [];
  const dropped: PublishDroppedEvent[] = [];
  const log: string[] = [];
  const pump = new PublishPump(limits, (message, done) => sent.push({ message, done }), {
    dropped: (event) => dropped.push(event),
    queueFull: (queued) => log.push(`full at ${queued}`),
    drain: () => log.push("drain"),
  });
  return { pump, sent, dropped, log };
}

const payload = Buffer.from("x");
/** Lets the pump's setImmediate batches run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("PublishPump", () => {
  it("queues while disconnected and sends at most maxInFlight at a time", async () => {
    const { pump, sent } = harness();
    for (let i = 0; i < 4; i++) expect(pump.enqueue(`t/${i}`, payload, 1, false)).toBe(true);
    await turn();
    expect(sent).toHaveLength(0);
    expect(pump.queued).toBe(4);
    pump.setConnected(true);
    expect(sent).toHaveLength(0); // never from inside the caller's turn
    await turn();
    expect(sent.map((s) => s.message.topic)).toEqual(["t/0", "t/1"]);
    expect(pump.inFlight).toBe(2);
    sent[0]?.done();
    await turn();
    expect(sent.map((s) => s.message.topic)).toEqual(["t/0", "t/1", "t/2"]);
    sent[1]?.done(null);
    sent[2]?.done();
    await turn();
    sent[3]?.done();
    expect(pump.published).toBe(4);
    expect(pump.idle).toBe(true);
  });

  it("drops exactly what does not fit, reports it, and drains", () => {
    const { pump, dropped, log } = harness();
    const accepted = Array.from({ length: 8 }, (_, i) => pump.enqueue(`t/${i}`, payload, 0, false));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
    expect(pump.dropped).toBe(3);
    expect(dropped.map((d) => [d.topic, d.reason, d.bytes])).toEqual([
      ["t/5", "QUEUE_FULL", 4],
      ["t/6", "QUEUE_FULL", 4],
      ["t/7", "QUEUE_FULL", 4],
    ]);
    expect(log).toEqual(["full at 5"]);
  });

  it("emits drain once the queue empties after a refusal, with synchronous completions", async () => {
    const sentTopics: string[] = [];
    const log: string[] = [];
    const pump = new PublishPump(
      { maxMessages: 2, maxBytes: 1000, maxInFlight: 1 },
      (message, done) => {
        sentTopics.push(message.topic);
        done();
      },
      { dropped: () => {}, queueFull: () => log.push("full"), drain: () => log.push("drain") },
    );
    pump.enqueue("a", payload, 0, false);
    pump.enqueue("b", payload, 0, false);
    expect(pump.enqueue("c", payload, 0, false)).toBe(false);
    pump.setConnected(true);
    await turn();
    expect(sentTopics).toEqual(["a", "b"]);
    expect(log).toEqual(["full", "drain"]);
    expect(pump.published).toBe(2);
  });

  it("requeues QoS 1 lost with the connection, fails broker rejections, fails QoS 0 on loss", async () => {
    const { pump, sent, dropped } = harness();
    pump.setConnected(true);
    pump.enqueue("q1", payload, 1, false);
    pump.enqueue("q0", payload, 0, false);
    await turn();
    expect(pump.inFlight).toBe(2);
    pump.setConnected(false);
    expect(pump.failed).toBe(1);
    expect(dropped.map((d) => [d.topic, d.reason])).toEqual([["q0", "PUBLISH_FAILED"]]);
    sent[0]?.done(new Error("Connection closed"));
    expect(pump.queued).toBe(1);
    pump.setConnected(true);
    await turn();
    expect(sent.map((s) => s.message.topic)).toEqual(["q1", "q0", "q1"]);
    const rejected = Object.assign(new Error("Publish error: Not authorized"), { code: 0x87 });
    sent[2]?.done(rejected);
    expect(pump.failed).toBe(2);
    expect(dropped[1]?.error?.code).toBe("PUBLISH_FAILED");
    expect(dropped[1]?.error?.message).toBe(
      'publish to "q1" rejected by the broker: Publish error: Not authorized',
    );
  });

  it("whenQueueEmpty resolves once the last queued message is in flight, whenIdle once it is confirmed", async () => {
    const { pump, sent } = harness();
    const order: string[] = [];
    await pump.whenQueueEmpty(); // nothing queued: at once
    for (let i = 0; i < 3; i++) pump.enqueue(`t/${i}`, payload, 1, false);
    void pump.whenQueueEmpty().then(() => order.push(`queue empty, ${pump.inFlight} in flight`));
    void pump.whenIdle().then(() => order.push("idle"));
    pump.setConnected(true);
    await turn();
    // Two in flight (maxInFlight), one still queued: neither has resolved.
    expect(order).toEqual([]);
    sent[0]?.done();
    await turn();
    await turn();
    expect(order).toEqual(["queue empty, 2 in flight"]);
    sent[1]?.done();
    sent[2]?.done();
    await turn();
    expect(order).toEqual(["queue empty, 2 in flight", "idle"]);
    // A message lost in flight goes back to the queue: the queue is not empty until resent.
    pump.enqueue("t/3", payload, 1, false);
    await turn();
    pump.setConnected(false);
    expect(pump.queued).toBe(1);
    let emptied = false;
    void pump.whenQueueEmpty().then(() => {
      emptied = true;
    });
    await turn();
    expect(emptied).toBe(false);
    pump.setConnected(true);
    await turn();
    await turn();
    expect(emptied).toBe(true);
  });

  it("close rejects whenQueueEmpty waiters too", async () => {
    const { pump } = harness();
    pump.enqueue("t", payload, 1, false);
    const waiting = pump.whenQueueEmpty();
    pump.close();
    await expect(waiting).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("close drops the queue, fails what is in flight and rejects idle waiters", async () => {
    const { pump, sent } = harness();
    pump.setConnected(true);
    for (let i = 0; i < 4; i++) pump.enqueue(`t/${i}`, payload, 1, false);
    await turn();
    const idle = pump.whenIdle();
    pump.close();
    await expect(idle).rejects.toMatchObject({ code: "CLOSED" });
    expect([pump.dropped, pump.failed, pump.queued, pump.inFlight]).toEqual([2, 2, 0, 0]);
    sent[0]?.done();
    expect(pump.published).toBe(0);
    expect(pump.enqueue("late", payload, 0, false)).toBe(false);
    expect(pump.dropped).toBe(3);
  });

  it("hands over at most SEND_BATCH messages per event-loop turn", async () => {
    const sentCount: number[] = [];
    let sent = 0;
    const pump = new PublishPump(
      { maxMessages: 1000, maxBytes: 1_000_000, maxInFlight: 1000 },
      (_message, done) => {
        sent++;
        done();
      },
      { dropped: () => {}, queueFull: () => {}, drain: () => {} },
    );
    for (let i = 0; i < 200; i++) pump.enqueue("t", payload, 0, false);
    pump.setConnected(true);
    for (let i = 0; i < 4; i++) {
      await turn();
      sentCount.push(sent);
    }
    expect(sentCount).toEqual([SEND_BATCH, 2 * SEND_BATCH, 3 * SEND_BATCH, 200]);
  });

  it("never exceeds an MQTT 5 broker's receive maximum", async () => {
    const { pump, sent } = harness({ maxMessages: 10, maxBytes: 1000, maxInFlight: 5 });
    for (let i = 0; i < 8; i++) pump.enqueue(`t/${i}`, payload, 1, false);
    pump.setConnected(true, 3);
    await turn();
    expect(pump.inFlight).toBe(3);
    for (const s of sent) s.done();
    await turn();
    expect(sent).toHaveLength(6);
    pump.setConnected(false);
    pump.setConnected(true);
    // The three lost ones are suspects: one at a time, each after the previous was confirmed.
    for (let i = 0; i < 3; i++) {
      await turn();
      expect(pump.inFlight).toBe(1);
      sent.at(-1)?.done();
    }
    await turn();
    expect(sent.map((s) => s.message.topic).slice(6)).toEqual(["t/3", "t/4", "t/5", "t/6", "t/7"]);
    expect(pump.inFlight).toBe(2); // the window is maxInFlight again (5), not the old 3
    expect(pump.published).toBe(6);
  });

  it("counts UTF-8 bytes of the topic", () => {
    const { pump } = harness();
    pump.enqueue("é/🙂", Buffer.alloc(10), 0, false);
    expect(pump.queuedBytes).toBe(10 + Buffer.byteLength("é/🙂"));
  });

  it("counts a string payload's UTF-8 bytes and hands the string on as it is", async () => {
    const { pump, sent } = harness();
    const text = '{"Name":"Sala Açores","Power":12.5,"Unit":"€/kWh 🙂"}';
    pump.enqueue("t/s", text, 1, false);
    expect(pump.queuedBytes).toBe(Buffer.byteLength(text, "utf8") + 3);
    pump.setConnected(true);
    await turn();
    expect(sent[0]?.message.payload).toBe(text);
  });
});

describe("PublishPump with a broker that closes the connection on one message (poison)", () => {
  /** Sends, loses the connection when the broker would refuse what is in flight, acks otherwise. */
  function brokerRefusing(bad: (topic: string) => boolean) {
    const h = harness({ maxMessages: 100, maxBytes: 1_000_000, maxInFlight: 10 });
    let answered = 0;
    const log: string[] = [];
    /** One broker turn: answers everything sent since the last turn. */
    const step = async (): Promise<void> => {
      await turn();
      const fresh = h.sent.slice(answered);
      answered = h.sent.length;
      if (fresh.length === 0) return;
      log.push(fresh.map((s) => s.message.topic).join("+"));
      if (fresh.some((s) => bad(s.message.topic))) {
        h.pump.setConnected(false); // the broker closed the connection
        for (const s of fresh) s.done(new Error("Connection closed")); // late: ignored
        h.pump.setConnected(true);
      } else {
        for (const s of fresh) s.done();
      }
    };
    return { ...h, step, log };
  }

  it("drops the poison message after MAX_STRIKES lone losses and delivers the ones beside it", async () => {
    const { pump, step, log, dropped } = brokerRefusing((topic) => topic.includes(" "));
    const refusedTopics: string[] = [];
    pump.setConnected(true);
    pump.enqueue("a/good-1", payload, 1, false);
    pump.enqueue("Co/Meeting Room/RoomEnergyConsumed", payload, 1, false);
    pump.enqueue("a/good-2", payload, 2, false);
    for (let i = 0; i < 8; i++) {
      await step();
      if (i === 2) pump.enqueue("a/later", payload, 1, false);
    }
    expect(log).toEqual([
      "a/good-1+Co/Meeting Room/RoomEnergyConsumed+a/good-2", // loss: three suspects, no strike
      "a/good-1", // suspects one at a time: confirmed
      "Co/Meeting Room/RoomEnergyConsumed", // alone at the loss: strike 1
      "Co/Meeting Room/RoomEnergyConsumed", // strike 2
      "Co/Meeting Room/RoomEnergyConsumed", // strike 3: dropped
      "a/good-2", // the innocent suspect, still alone
      "a/later", // then the rest of the queue
    ]);
    expect(MAX_STRIKES).toBe(3);
    for (const d of dropped) refusedTopics.push(`${d.reason} ${d.topic}`);
    expect(refusedTopics).toEqual(["REFUSED Co/Meeting Room/RoomEnergyConsumed"]);
    expect(dropped[0]?.error?.code).toBe("PUBLISH_FAILED");
    expect(dropped[0]?.error?.message).toBe(
      'broker closed the connection after each try to publish "Co/Meeting Room/RoomEnergyConsumed": dropped after 3 tries; some brokers refuse topics with spaces or dots (NATS), others close the connection on an ACL denial',
    );
    expect([pump.published, pump.refused, pump.failed, pump.dropped]).toEqual([3, 1, 0, 0]);
    expect([pump.queued, pump.inFlight, pump.suspects, pump.idle]).toEqual([0, 0, 0, true]);
  });

  it("gives a strike only to a message alone in flight, and keeps strikes per message", async () => {
    const { pump, sent } = harness({ maxMessages: 10, maxBytes: 1000, maxInFlight: 10 });
    pump.setConnected(true);
    pump.enqueue("x", payload, 1, false);
    pump.enqueue("y", payload, 1, false);
    await turn();
    pump.setConnected(false); // two in flight: suspects without a strike
    expect([pump.strikesOf("x"), pump.strikesOf("y"), pump.suspects]).toEqual([0, 0, 2]);
    pump.setConnected(true);
    await turn();
    expect(sent.map((s) => s.message.topic)).toEqual(["x", "y", "x"]);
    pump.setConnected(false); // x alone: strike
    expect([pump.strikesOf("x"), pump.strikesOf("y")]).toEqual([1, 0]);
    pump.setConnected(true);
    await turn();
    sent.at(-1)?.done(); // x confirmed: no longer a suspect, y keeps its (zero) strikes
    await turn();
    expect([pump.strikesOf("x"), pump.strikesOf("y")]).toEqual([undefined, 0]);
    expect(sent.map((s) => s.message.topic)).toEqual(["x", "y", "x", "x", "y"]);
    pump.setConnected(false);
    pump.setConnected(true);
    await turn();
    pump.setConnected(false);
    expect(pump.strikesOf("y")).toBe(2);
    expect([pump.refused, pump.published]).toEqual([0, 1]);
  });

  it("delivers an innocent message that was alone at two unrelated losses", async () => {
    const { pump, sent, dropped } = harness();
    pump.setConnected(true);
    pump.enqueue("innocent", payload, 1, false);
    for (let loss = 0; loss < MAX_STRIKES - 1; loss++) {
      await turn();
      pump.setConnected(false);
      pump.setConnected(true);
    }
    await turn();
    sent.at(-1)?.done();
    expect(sent).toHaveLength(MAX_STRIKES);
    expect([pump.published, pump.refused, dropped.length]).toEqual([1, 0, 0]);
  });

  it("sends nothing beside a suspect, and fails a QoS 0 message that was in flight at the loss", async () => {
    const { pump, sent, dropped } = harness({ maxMessages: 10, maxBytes: 1000, maxInFlight: 10 });
    pump.setConnected(true);
    pump.enqueue("s", payload, 1, false);
    pump.enqueue("zero", payload, 0, false);
    await turn();
    pump.setConnected(false);
    expect(pump.failed).toBe(1);
    expect(dropped.map((d) => d.reason)).toEqual(["PUBLISH_FAILED"]);
    expect(pump.strikesOf("s")).toBe(0); // not alone: the QoS 0 message may have been the cause
    pump.enqueue("n1", payload, 1, false);
    pump.enqueue("n2", payload, 0, false);
    pump.setConnected(true);
    await turn();
    await turn();
    expect(sent.map((s) => s.message.topic)).toEqual(["s", "zero", "s"]);
    sent[2]?.done();
    await turn();
    expect(sent.map((s) => s.message.topic)).toEqual(["s", "zero", "s", "n1", "n2"]);
  });
});
