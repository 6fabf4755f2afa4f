import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeShellyStatus, parseShellyMessage, shellySwitchStatusSchema } from "./index";

const FULL = {
  id: 0,
  source: "init",
  output: true,
  apower: 118.4,
  voltage: 229.6,
  aenergy: { total: 52847.213, by_minute: [1976.417, 1971.06, 1980.254], minute_ts: 1718100060 },
  temperature: { tC: 38.2, tF: 100.8 },
  errors: ["overtemp"],
};

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe("mergeShellyStatus", () => {
  it("overlays a partial NotifyStatus delta: objects merge, arrays and scalars replace", () => {
    const delta = {
      apower: 1843.7,
      aenergy: { total: 52872.67, by_minute: [25456.6, 1976.417, 1971.06], minute_ts: 1718100120 },
      errors: [],
    };
    expect(mergeShellyStatus(FULL, delta)).toStrictEqual({
      id: 0,
      source: "init",
      output: true,
      apower: 1843.7,
      voltage: 229.6,
      aenergy: { total: 52872.67, by_minute: [25456.6, 1976.417, 1971.06], minute_ts: 1718100120 },
      temperature: { tC: 38.2, tF: 100.8 },
      errors: [],
    });
  });

  it("merges nested objects key by key and keeps what the delta does not mention", () => {
    expect(mergeShellyStatus(FULL, { temperature: { tC: 40 } }).temperature).toStrictEqual({
      tC: 40,
      tF: 100.8,
    });
  });

  it("works with the exported schemas' types and without a previous status", () => {
    const delta = shellySwitchStatusSchema.parse({ apower: 5, counts: { on_time: 3 } });
    expect(mergeShellyStatus(undefined, delta)).toStrictEqual({
      apower: 5,
      counts: { on_time: 3 },
    });
  });

  it("never mutates its inputs", () => {
    const previous = deepFreeze(structuredClone(FULL));
    const delta = deepFreeze({ temperature: { tC: 1 }, aenergy: { total: 1 } });
    expect(() => mergeShellyStatus(previous, delta)).not.toThrow();
    expect(previous).toStrictEqual(FULL);
  });

  it("keeps a __proto__ key from JSON as plain data", () => {
    const delta = JSON.parse('{"__proto__":{"polluted":true},"apower":1}') as Record<
      string,
      unknown
    >;
    const merged = mergeShellyStatus({ voltage: 1 }, delta);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged).sort()).toEqual(["__proto__", "apower", "voltage"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("handles any nesting depth without recursion", () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    const merged = mergeShellyStatus(deep, deep);
    let node = merged;
    let depth = 0;
    while (node.next !== undefined) {
      node = node.next as Record<string, unknown>;
      depth++;
    }
    expect(depth).toBe(100_000);
    expect(node.leaf).toBe(1);
  });

  it("properties: delta keys win, untouched keys survive, merging twice changes nothing", () => {
    const json = fc.dictionary(
      fc.string({ maxLength: 4 }),
      fc.jsonValue({ maxDepth: 3 }),
    ) as fc.Arbitrary<Record<string, unknown>>;
    fc.assert(
      fc.property(json, json, (previous, delta) => {
        const before = JSON.stringify([previous, delta]);
        const merged = mergeShellyStatus(previous, delta);
        expect(JSON.stringify([previous, delta])).toBe(before);
        for (const key of Object.keys(delta)) {
          const value = delta[key];
          const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
          if (!isObject) expect(merged[key]).toStrictEqual(value);
        }
        for (const key of Object.keys(previous)) {
          if (!(key in delta)) expect(merged[key]).toStrictEqual(previous[key]);
        }
        expect(mergeShellyStatus(merged, delta)).toStrictEqual(merged);
      }),
    );
  });

  it("a delta parsed by the package can be merged into the last full status", () => {
    const full = shellySwitchStatusSchema.parse(FULL);
    const parsed = parseShellyMessage("dev/status/switch:0", JSON.stringify({ apower: 3 }));
    expect(parsed.ok).toBe(true);
    const merged = mergeShellyStatus(full, shellySwitchStatusSchema.parse({ apower: 3 }));
    expect(merged.apower).toBe(3);
    expect(merged.aenergy?.total).toBe(52847.213);
  });
});
