import { describe, expect, it } from "vitest";
import { nextSlice, nextSliceTurn, slicesWaiting } from "./loop-share";

/** Keeps the thread busy for `ms` (a slice's work). */
const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
};

const settled = () => new Promise<void>((resolve) => setTimeout(resolve, 30));

describe("loop-share", () => {
  it("runs one slice a turn: a timer due after the first runs before the second", async () => {
    const order: string[] = [];
    nextSlice(() => {
      // Due once this slice is over; setImmediate would run B in this same check phase.
      setTimeout(() => order.push("timer"), 0);
      busyFor(3);
      order.push("A");
    });
    nextSlice(() => order.push("B"));
    await settled();
    expect(order).toEqual(["A", "timer", "B"]);
  });

  it("takes slices first come first served, a chain's next after the others waiting", async () => {
    const order: string[] = [];
    const chain = (name: string, left: number) => {
      order.push(`${name}${left}`);
      if (left > 1) nextSlice(() => chain(name, left - 1));
    };
    nextSlice(() => chain("a", 3));
    nextSlice(() => chain("b", 2));
    nextSlice(() => order.push("c"));
    await settled();
    expect(order).toEqual(["a3", "b2", "c", "a2", "b1", "a1"]);
    expect(slicesWaiting()).toBe(0);
  });

  it("never runs a cancelled slice, and goes on with the rest", async () => {
    const ran: string[] = [];
    const first = nextSlice(() => ran.push("first"));
    nextSlice(() => ran.push("second"));
    first.cancel();
    await nextSliceTurn();
    expect(ran).toEqual(["second"]);
    first.cancel(); // after its turn: nothing
  });

  it("goes on after a slice that throws (the error is the process's, as with setImmediate)", async () => {
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    // Vitest reports uncaught errors; this test takes the one it makes.
    process.prependOnceListener("uncaughtException", onError);
    const ran: string[] = [];
    const listeners = process.listeners("uncaughtException");
    for (const l of listeners) if (l !== onError) process.off("uncaughtException", l);
    try {
      nextSlice(() => {
        throw new Error("slice failed");
      });
      nextSlice(() => ran.push("after"));
      await settled();
    } finally {
      process.off("uncaughtException", onError);
      for (const l of listeners) if (l !== onError) process.on("uncaughtException", l);
    }
    expect((errors[0] as Error).message).toBe("slice failed");
    expect(ran).toEqual(["after"]);
  });
});
