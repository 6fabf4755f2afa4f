import { describe, expect, it } from "vitest";
import type { PublishDroppedEvent } from "./client-types";
import { PublishPump, SEND_BATCH } from "./publish-pump";
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
    for (let i = 0; i < 6; i++) pump.enqueue(`t/${i}`, payload, 1, false);
    pump.setConnected(true, 3);
    await turn();
    expect(pump.inFlight).toBe(3);
    pump.setConnected(false);
    pump.setConnected(true);
    await turn();
    expect(sent).toHaveLength(5);
  });

  it("counts UTF-8 bytes of the topic", () => {
    const { pump } = harness();
    pump.enqueue("é/🙂", Buffer.alloc(10), 0, false);
    expect(pump.queuedBytes).toBe(10 + Buffer.byteLength("é/🙂"));
  });
});
