import { describe, expect, it } from "vitest";
import { CounterTruth } from "./counter-truth";

describe("CounterTruth", () => {
  it("counts increases after the first value, never decreases", () => {
    const c = new CounterTruth();
    c.observe(1_000_000, true); // reference
    c.observe(1_000_500, true);
    c.observe(1_000_400, false); // a late, older copy
    c.observe(1_001_000, true);
    expect(c.totalMwh).toBe(1_000);
  });

  it("after a reset counts the first value in full", () => {
    const c = new CounterTruth();
    c.observe(5_000_000, true);
    c.observe(5_000_300, true);
    c.reset();
    c.observe(0, true);
    c.observe(120, true);
    expect(c.totalMwh).toBe(300 + 120);
  });

  it("guards faults: two fresh readings after a fault, growth after a reset", () => {
    const c = new CounterTruth();
    expect(c.clean).toBe(false); // the first readings are never faulty
    c.observe(10, true);
    c.observe(11, true);
    expect(c.clean).toBe(true);
    c.faulted();
    c.observe(12, false);
    expect(c.clean).toBe(false);
    c.observe(12, true);
    c.observe(13, true);
    expect(c.clean).toBe(true);
    c.reset();
    c.observe(0, true);
    c.observe(0, true);
    c.observe(0, true);
    expect(c.clean).toBe(false); // still at 0: a consumer cannot have confirmed the reset
    c.observe(5, true);
    expect(c.clean).toBe(false);
    c.observe(9, true);
    expect(c.clean).toBe(true);
  });

  it("a reset from 0 needs no growth", () => {
    const c = new CounterTruth();
    c.observe(0, true);
    c.observe(0, true);
    c.reset();
    c.observe(0, true);
    c.observe(0, true);
    expect(c.clean).toBe(true);
  });
});
