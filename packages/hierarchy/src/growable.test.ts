import { describe, expect, it } from "vitest";
import {
  ensureAll,
  GrowableFloat64,
  GrowableInt32,
  GrowableUint8,
  GrowableUint32,
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
