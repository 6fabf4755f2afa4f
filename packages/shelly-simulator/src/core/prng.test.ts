import { describe, expect, it } from "vitest";
import { hashNoise, Prng } from "./prng";

describe("Prng", () => {
  it("is a pure function of seed and stream", () => {
    const a = new Prng(42, 7);
    const b = new Prng(42, 7);
    const c = new Prng(42, 8);
    const d = new Prng(43, 7);
    const seqA = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(seqA);
    expect(Array.from({ length: 5 }, () => d.nextU32())).not.toEqual(seqA);
  });

  it("is uniform enough: every decile gets 10 % ± 1 % of 100,000 draws", () => {
    const rng = new Prng(1);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(rng.next() * 10)]++;
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(1_000);
  });

  it("draws exponential durations with the requested mean", () => {
    const rng = new Prng(5);
    let sum = 0;
    for (let i = 0; i < 50_000; i++) sum += rng.exponential(60);
    expect(sum / 50_000).toBeGreaterThan(58.5);
    expect(sum / 50_000).toBeLessThan(61.5);
  });

  it("hashNoise is deterministic and in [0, 1)", () => {
    expect(hashNoise(3, 1_780_000_000)).toBe(hashNoise(3, 1_780_000_000));
    expect(hashNoise(3, 1_780_000_000)).not.toBe(hashNoise(4, 1_780_000_000));
    for (let i = 0; i < 1000; i++) {
      const v = hashNoise(i, i * 977);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
