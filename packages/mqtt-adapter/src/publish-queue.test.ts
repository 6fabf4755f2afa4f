import { describe, expect, it } from "vitest";
import { PublishQueue, type QueuedPublish } from "./publish-queue";

function message(n: number, bytes = 10): QueuedPublish {
  return { topic: `t/${n}`, payload: Buffer.alloc(0), qos: 0, retain: false, bytes };
}

describe("PublishQueue", () => {
  it("is FIFO across growth and wrap-around", () => {
    const q = new PublishQueue(1000, 1_000_000);
    const out: string[] = [];
    for (let i = 0; i < 40; i++) expect(q.push(message(i))).toBe(true);
    for (let i = 0; i < 30; i++) out.push(q.shift()?.topic ?? "none");
    for (let i = 40; i < 100; i++) q.push(message(i));
    for (let m = q.shift(); m; m = q.shift()) out.push(m.topic);
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => `t/${i}`));
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
  });

  it("refuses by count and by bytes, exactly at the bounds", () => {
    const byCount = new PublishQueue(3, 1000);
    expect([1, 2, 3, 4].map((i) => byCount.push(message(i)))).toEqual([true, true, true, false]);
    expect(byCount.length).toBe(3);
    const byBytes = new PublishQueue(100, 25);
    expect([1, 2, 3].map((i) => byBytes.push(message(i, 10)))).toEqual([true, true, false]);
    expect(byBytes.push(message(4, 5))).toBe(true);
    expect(byBytes.bytes).toBe(25);
    expect(byBytes.push(message(5, 1))).toBe(false);
  });

  it("unshift puts a message first even past the bounds", () => {
    const q = new PublishQueue(2, 1000);
    q.push(message(1));
    q.push(message(2));
    q.unshift(message(0));
    expect(q.length).toBe(3);
    expect(q.clear().map((m) => m.topic)).toEqual(["t/0", "t/1", "t/2"]);
    expect(q.length).toBe(0);
  });
});
