import { describe, expect, it } from "vitest";
import {
  ensureAll,
  GrowableFloat64,
  GrowableInt32,
  GrowableUint8,
  GrowableUint32,
  GrowthPlan,
} from "./growable";

describe("ensureAll", () => {
  it("grows columns of every width together, keeping values and filling new slots with each column's initial value", () => {
    const f = new GrowableFloat64(Number.NaN);
    const i = new GrowableInt32(-1);
    const u = new GrowableUint32();
    const b = new GrowableUint8();
    for (let k = 0; k < 16; k++) {
      f.data[k] = k + 0.5;
      i.data[k] = -k;
      u.data[k] = k * 1000;
      b.data[k] = k;
    }
    ensureAll([b, u, f, i], 100);
    for (const column of [f, i, u, b]) expect(column.data.length).toBe(128);
    expect(f.data[15]).toBe(15.5);
    expect(i.data[15]).toBe(-15);
    expect(u.data[15]).toBe(15_000);
    expect(b.data[15]).toBe(15);
    expect(Number.isNaN(f.data[16]!)).toBe(true);
    expect(i.data[127]).toBe(-1);
    expect(u.data[16]).toBe(0);
    expect(b.data[127]).toBe(0);
    // One buffer, no overlap: filling each column leaves the others as they were.
    expect(new Set([f, i, u, b].map((c) => c.data.buffer)).size).toBe(1);
    f.data.fill(1e300);
    i.data.fill(-7);
    u.data.fill(0xffffffff);
    b.data.fill(255);
    expect([f.data[127], i.data[127], u.data[127], b.data[127]]).toEqual([
      1e300, -7, 0xffffffff, 255,
    ]);
    expect([f.data[0], i.data[0], u.data[0], b.data[0]]).toEqual([1e300, -7, 0xffffffff, 255]);
  });

  it("leaves columns that are already large enough alone", () => {
    const big = new GrowableFloat64();
    ensureAll([big], 1000);
    const kept = big.data;
    const small = new GrowableUint8();
    ensureAll([big, small], 500);
    expect(big.data).toBe(kept);
    expect(small.data.length).toBe(512);
  });
});

describe("GrowthPlan", () => {
  const filled = () => {
    const f = new GrowableFloat64(Number.NaN);
    const i = new GrowableInt32(-1);
    const b = new GrowableUint8();
    ensureAll([f, i, b], 20); // 32 each
    for (let k = 0; k < 32; k++) {
      f.data[k] = k + 0.25;
      i.data[k] = -k;
      b.data[k] = k;
    }
    return { f, i, b, columns: [f, i, b] };
  };

  it("writes its buffer a slice at a time, then grows the columns into it with their values and initial values", () => {
    const { f, i, b, columns } = filled();
    const plan = new GrowthPlan(columns, 64);
    // 64 float64 + 64 int32 + 64 uint8 = 832 bytes: 100 bytes a turn takes 9 turns.
    let turns = 1;
    while (plan.touch(100)) turns++;
    expect(turns).toBe(9);
    expect(plan.resident).toBe(true);
    expect(plan.touch(100)).toBe(false);
    f.data[31] = 99.5; // written after the plan was made: still carried over
    expect(plan.apply()).toBe(true);
    for (const column of columns) expect(column.data.length).toBe(64);
    expect(new Set(columns.map((c) => c.data.buffer)).size).toBe(1);
    expect([f.data[0], i.data[5], b.data[31], f.data[31]]).toEqual([0.25, -5, 31, 99.5]);
    expect(Number.isNaN(f.data[32]!)).toBe(true);
    expect([i.data[32], i.data[63], b.data[63]]).toEqual([-1, -1, 0]);
  });

  it("finishes what it has not written yet when applied early", () => {
    const { f, i, columns } = filled();
    const plan = new GrowthPlan(columns, 128);
    plan.touch(8);
    expect(plan.resident).toBe(false);
    expect(plan.apply()).toBe(true);
    expect(Number.isNaN(f.data[127]!)).toBe(true);
    expect(i.data[127]).toBe(-1);
  });

  it("refuses, changing nothing, when a column has grown otherwise since", () => {
    const { f, i, columns } = filled();
    const plan = new GrowthPlan(columns, 64);
    ensureAll([i], 100);
    const before = f.data;
    expect(plan.apply()).toBe(false);
    expect(f.data).toBe(before);
    expect(i.data.length).toBe(128);
  });

  it("leaves out columns already as large as the plan", () => {
    const { f, columns } = filled();
    const big = new GrowableUint32();
    ensureAll([big], 100);
    const kept = big.data;
    const plan = new GrowthPlan([...columns, big], 64);
    expect(plan.apply()).toBe(true);
    expect(big.data).toBe(kept);
    expect(f.data.length).toBe(64);
  });
});
