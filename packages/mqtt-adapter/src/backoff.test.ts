import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reconnectDelayMs, refusedDelayMs } from "./backoff";

const bounds = { minDelayMs: 1000, maxDelayMs: 30_000 };

describe("reconnectDelayMs", () => {
  it("doubles the ceiling per attempt, from the minimum, up to the maximum", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => reconnectDelayMs(a, bounds, () => 0))).toEqual([
      1000, 1000, 1000, 1000, 1000, 1000,
    ]);
    const top = () => 0.999_999_999;
    expect([1, 2, 3, 4, 5, 6].map((a) => reconnectDelayMs(a, bounds, top))).toEqual([
      2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
    expect(reconnectDelayMs(3, bounds, () => 0.5)).toBe(4500);
  });

  it("treats attempt 0 like 1 and never overflows for huge attempts", () => {
    expect(reconnectDelayMs(0, bounds, () => 0.5)).toBe(1500);
    expect(reconnectDelayMs(10_000, bounds, () => 0.5)).toBe(15_500);
  });

  it("property: always within [min, max]", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (min, extra, attempt, r) => {
          const b = { minDelayMs: min, maxDelayMs: min + extra };
          const delay = reconnectDelayMs(attempt, b, () => r);
          expect(delay).toBeGreaterThanOrEqual(min);
          expect(delay).toBeLessThanOrEqual(min + extra);
        },
      ),
    );
  });
});

describe("refusedDelayMs", () => {
  it("waits between half the maximum and the maximum", () => {
    expect(refusedDelayMs(bounds, () => 0)).toBe(15_000);
    expect(refusedDelayMs(bounds, () => 0.999_999_999)).toBe(30_000);
    expect(refusedDelayMs({ minDelayMs: 800, maxDelayMs: 1000 }, () => 0)).toBe(800);
  });
});
