import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clip, excerpt } from "./clip";
import { parseComponentKey } from "./component-key";
import { generationFromDeviceId } from "./generation";
import { nestsDeeperThan } from "./json-depth";
import { parseStrictNumber } from "./strict-number";
import { utf8LengthExceeds } from "./utf8-length";

describe("parseStrictNumber (Gen1 scalars)", () => {
  it.each([
    ["0", 0],
    ["-0", -0],
    ["118.42", 118.42],
    ["-1523.40", -1523.4],
    ["184305", 184305],
    ["1e3", 1000],
    ["1E-3", 0.001],
    ["2.5e+2", 250],
    ["1e999", Number.POSITIVE_INFINITY],
  ])("%j is %d", (text, value) => {
    expect(Object.is(parseStrictNumber(text), value)).toBe(true);
  });

  it.each([
    "",
    " 1",
    "1 ",
    "12abc",
    "0x10",
    "1e",
    "Infinity",
    "NaN",
    "+1",
    ".5",
    "01",
    "1.",
    "-",
    "1_000",
    "٣",
  ])("%j is rejected", (text) => {
    expect(parseStrictNumber(text)).toBeUndefined();
  });

  it("agrees with JSON.parse on every string without surrounding whitespace", () => {
    const numberLike = fc.stringMatching(/^[-+0-9.eE]{0,12}$/);
    fc.assert(
      fc.property(fc.oneof(numberLike, fc.string()), (text) => {
        let fromJson: unknown;
        try {
          fromJson = JSON.parse(text);
        } catch {
          fromJson = undefined;
        }
        const strict = parseStrictNumber(text);
        if (text.trim() === text && typeof fromJson === "number") {
          expect(Object.is(strict, fromJson)).toBe(true);
        } else {
          expect(strict).toBeUndefined();
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("generationFromDeviceId", () => {
  it.each([
    [undefined, 2],
    ["shellyplusplugs-c82e18a1b2c3", 2],
    ["shellypro3em-34987a1f2e3d", 2],
    ["shellyplugsg3-a0b1c2d3e4f5", 3],
    ["shellypmminig3-A0B1C2D3E4F5", 3],
    ["shelly1pmminig3-a0b1c2d3e4f5", 3],
    ["shellyemg3-a0b1c2d3e4f5", 3],
    ["shellyazplug-a0b1c2d3e4f5", 3],
    ["shelly1pmg4-a0b1c2d3e4f5", 4],
    ["shellyemg4-a0b1c2d3e4f5", 4],
    ["shellypresence-a0b1c2d3e4f5", 4],
    ["shellyplugsg3-short", 2],
    ["my-custom-name", 2],
    ["energy-aggregator", 2],
    ["", 2],
  ])("%j is generation %d", (src, generation) => {
    expect(generationFromDeviceId(src)).toBe(generation);
  });
});

describe("parseComponentKey", () => {
  it("splits canonical keys and refuses the rest", () => {
    expect(parseComponentKey("em1data:12")).toEqual({ key: "em1data:12", name: "em1data", id: 12 });
    expect(parseComponentKey("switch:0")).toEqual({ key: "switch:0", name: "switch", id: 0 });
    for (const key of [
      "sys",
      "switch:",
      ":0",
      "switch:01",
      "switch:-1",
      "Switch:0",
      "switch:0:1",
    ]) {
      expect(parseComponentKey(key)).toBeUndefined();
    }
    expect(parseComponentKey("sys")).toBeUndefined();
  });
});

describe("utf8LengthExceeds", () => {
  const encoder = new TextEncoder();

  it("is true exactly when the UTF-8 encoding is longer than the limit", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 120 }),
          fc.string({ unit: "grapheme", maxLength: 60 }),
        ),
        fc.nat(400),
        (text, limit) => {
          expect(utf8LengthExceeds(text, limit)).toBe(encoder.encode(text).length > limit);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("counts pairs as 4 bytes and unpaired surrogates as the 3-byte replacement character", () => {
    expect(utf8LengthExceeds("\uD83D\uDE00", 4)).toBe(false);
    expect(utf8LengthExceeds("\uD83D\uDE00", 3)).toBe(true);
    expect(utf8LengthExceeds("\uD800x\uDC00", 7)).toBe(false);
    expect(utf8LengthExceeds("\uD800x\uDC00", 6)).toBe(true);
  });
});

describe("clip and excerpt", () => {
  it("bounds the length and never splits a surrogate pair", () => {
    expect(clip("abcdef", 4)).toBe("abc…");
    expect(clip("abc", 4)).toBe("abc");
    expect(clip("ab😀cd", 4)).toBe("ab…");
    expect(excerpt("a\nb")).toBe('"a\\nb"');
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 1, max: 50 }), (text, max) => {
        expect(clip(text, max).length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe("nestsDeeperThan", () => {
  it("measures nesting of arrays and objects", () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    expect(nestsDeeperThan([], 1)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
  });
});
