import { describe, expect, it } from "vitest";
import { fixed, unitsToFixed } from "./number-format";
import { Prng } from "./prng";

describe("unitsToFixed", () => {
  it("prints integer units with exactly the requested decimals", () => {
    expect(unitsToFixed(52847213, 3)).toBe("52847.213");
    expect(unitsToFixed(1976060, 3)).toBe("1976.060");
    expect(unitsToFixed(7, 3)).toBe("0.007");
    expect(unitsToFixed(0, 3)).toBe("0.000");
    expect(unitsToFixed(308977340, 2)).toBe("3089773.40");
    expect(unitsToFixed(48273912, 1)).toBe("4827391.2");
    expect(unitsToFixed(184305, 0)).toBe("184305");
  });

  it("round-trips through a consumer's Math.round(Number(text) * 1000) for every counter size", () => {
    const rng = new Prng(3);
    for (let i = 0; i < 4_000; i++) {
      const mWh = Math.floor(rng.next() * 10 ** (1 + (i % 13)));
      expect(Math.round(Number(unitsToFixed(mWh, 3)) * 1000)).toBe(mWh);
      const centi = Math.floor(mWh / 10);
      expect(Math.round(Number(unitsToFixed(centi, 2)) * 1000)).toBe(centi * 10);
      const deci = Math.floor(mWh / 100);
      expect(Math.round(Number(unitsToFixed(deci, 1)) * 1000)).toBe(deci * 100);
    }
  });
});

describe("fixed", () => {
  it("keeps Shelly's trailing zeros and sign, never -0", () => {
    expect(fixed(50, 1)).toBe("50.0");
    expect(fixed(-822.3, 3)).toBe("-822.300");
    expect(fixed(-1523.4, 2)).toBe("-1523.40");
    expect(fixed(-0.04, 1)).toBe("0.0");
    expect(fixed(118.44999, 1)).toBe("118.4");
    expect(fixed(0.5385, 3)).toBe("0.539");
  });
});
