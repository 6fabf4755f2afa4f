import { describe, expect, it } from "vitest";
import { PairedArrays } from "./paired-arrays";

/** Arrays of `capacity` elements holding `used` of them, each element's numbers derived from its index. */
function filled(capacity: number, used: number): PairedArrays {
  const a = new PairedArrays(2, 3, capacity);
  for (let e = 0; e < used; e++) {
    a.ints[e * 2] = e;
    a.ints[e * 2 + 1] = -e;
    for (let k = 0; k < 3; k++) a.nums[e * 3 + k] = e + k / 10;
  }
  return a;
}

describe("PairedArrays", () => {
  it("prepares nothing below three quarters full", () => {
    const a = filled(64, 47);
    expect(a.prepare(47, 1_000_000)).toBe(false);
    a.grow();
    expect(a.capacity).toBe(128);
  });

  it("writes the next size in slices of at most maxBytes, then grows into it keeping the contents", () => {
    const prepared = filled(64, 64);
    const plain = filled(64, 64);
    // 128 elements: 128 × 2 × 4 bytes of ints, then 128 × 3 × 8 of numbers (4,096 bytes in all),
    // 100 bytes a call rounded up to whole elements (up to 7 bytes more).
    let calls = 1;
    while (prepared.prepare(48, 100)) calls++;
    expect(calls).toBeGreaterThanOrEqual(Math.ceil(4_096 / 107));
    expect(calls).toBeLessThanOrEqual(Math.ceil(4_096 / 100));
    expect(prepared.prepare(48, 100)).toBe(false);
    prepared.grow();
    plain.grow();
    expect(prepared.capacity).toBe(128);
    expect(prepared.ints).toEqual(plain.ints);
    expect(prepared.nums).toEqual(plain.nums);
    expect(prepared.nums[63 * 3 + 2]).toBeCloseTo(63.2);
    expect(prepared.nums[64 * 3]).toBe(0);
  });

  it("grows into fresh arrays when the prepared ones no longer fit (grown meanwhile)", () => {
    const a = filled(8, 8);
    a.prepare(8, 8); // begins the 16-element arrays
    a.grow(); // takes them (16)
    a.grow(); // nothing prepared: fresh 32
    expect(a.capacity).toBe(32);
    expect([...a.ints.subarray(0, 32)]).toEqual([...filled(8, 8).ints, ...new Array(16).fill(0)]);
  });
});
