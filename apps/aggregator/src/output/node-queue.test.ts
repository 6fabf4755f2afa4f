import { describe, expect, it } from "vitest";
import { NodeQueue } from "./node-queue";

/** Takes everything out, in order. */
function drain(queue: NodeQueue): number[] {
  const out: number[] = [];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) out.push(id);
  return out;
}

describe("NodeQueue", () => {
  it("gives nodes back first in first out, each once however often it was added", () => {
    const queue = new NodeQueue();
    expect(queue.peek()).toBeUndefined();
    expect(queue.shift()).toBeUndefined();
    expect([5, 3, 5, 0, 3, 9].map((id) => queue.add(id))).toEqual([
      true,
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(queue.size).toBe(4);
    expect(queue.has(3)).toBe(true);
    expect(queue.has(4)).toBe(false);
    expect(queue.has(1_000_000)).toBe(false);
    expect(queue.peek()).toBe(5);
    expect(queue.size).toBe(4);
    expect(drain(queue)).toEqual([5, 3, 0, 9]);
    expect(queue.size).toBe(0);
    // Taken out, a node can wait again.
    expect(queue.add(3)).toBe(true);
    expect(drain(queue)).toEqual([3]);
  });

  it("keeps the order when it grows while its ring has wrapped around", () => {
    const queue = new NodeQueue();
    const model: number[] = [];
    // Random adds and takes against an array, across several growths of the ring and of the ids.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let step = 0; step < 60_000; step++) {
      if (random() < 0.6) {
        const id = Math.floor(random() * (step < 30_000 ? 3_000 : 20_000));
        const added = queue.add(id);
        expect(added).toBe(!model.includes(id));
        if (added) model.push(id);
      } else {
        expect(queue.shift()).toBe(model.shift());
      }
      expect(queue.size).toBe(model.length);
    }
    expect(drain(queue)).toEqual(model);
  });

  it("holds 100,000 nodes in the order they came", () => {
    const queue = new NodeQueue();
    const ids = Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 100_000);
    for (const id of ids) queue.add(id);
    for (const id of ids) queue.add(id);
    expect(queue.size).toBe(100_000);
    expect(drain(queue)).toEqual(ids);
  });

  it("refuses what is not a node id", () => {
    const queue = new NodeQueue();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) {
      expect(() => queue.add(bad)).toThrow(RangeError);
    }
    expect(queue.size).toBe(0);
  });
});
