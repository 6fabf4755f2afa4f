import { describe, expect, it } from "vitest";
import { TypedEmitter } from "./typed-emitter";

interface Events {
  tick: number;
  error: Error;
}

describe("TypedEmitter", () => {
  it("calls listeners in order and unsubscribes", () => {
    const emitter = new TypedEmitter<Events>(() => {});
    const seen: string[] = [];
    const off = emitter.on("tick", (n) => seen.push(`a${n}`));
    emitter.on("tick", (n) => seen.push(`b${n}`));
    emitter.emit("tick", 1);
    off();
    off();
    emitter.emit("tick", 2);
    expect(seen).toEqual(["a1", "b1", "b2"]);
    expect(emitter.hasListeners("tick")).toBe(true);
    expect(emitter.hasListeners("error")).toBe(false);
  });

  it("does not throw for an unheard error and isolates a throwing listener", () => {
    const reported: string[] = [];
    const emitter = new TypedEmitter<Events>((error, event) =>
      reported.push(`${event}: ${(error as Error).message}`),
    );
    expect(() => emitter.emit("error", new Error("nobody listens"))).not.toThrow();
    const seen: number[] = [];
    emitter.on("tick", () => {
      throw new Error("boom");
    });
    emitter.on("tick", (n) => seen.push(n));
    emitter.emit("tick", 7);
    expect(seen).toEqual([7]);
    expect(reported).toEqual(["tick: boom"]);
    emitter.clear();
    emitter.emit("tick", 8);
    expect(seen).toEqual([7]);
  });
});
