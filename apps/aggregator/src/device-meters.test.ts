import { describe, expect, it } from "vitest";
import { DeviceMeters } from "./device-meters";

function entries(meters: DeviceMeters): [string, number][] {
  const out: [string, number][] = [];
  meters.forEach((meter, id) => {
    out.push([id, meter]);
  });
  return out;
}

describe("DeviceMeters", () => {
  it("starts empty", () => {
    const meters = new DeviceMeters();
    expect(meters.size).toBe(0);
    expect(meters.get("switch:0")).toBeUndefined();
    expect(entries(meters)).toEqual([]);
  });

  it("keeps one meter, and meter 0 is a meter like any other", () => {
    const meters = new DeviceMeters();
    meters.set("switch:0", 0);
    expect(meters.get("switch:0")).toBe(0);
    expect(meters.get("switch:1")).toBeUndefined();
    expect(meters.size).toBe(1);
    expect(entries(meters)).toEqual([["switch:0", 0]]);
  });

  it("keeps several meters by id, the first one first", () => {
    const meters = new DeviceMeters();
    const ids = ["em1:0", "em1:1", "em1:2", "relay/0"];
    for (const [k, id] of ids.entries()) meters.set(id, 100 + k);
    expect(ids.map((id) => meters.get(id))).toEqual([100, 101, 102, 103]);
    expect(meters.size).toBe(4);
    expect(entries(meters)).toEqual(ids.map((id, k) => [id, 100 + k]));
  });

  it("replaces a meter set again under the same id, the first or a later one", () => {
    const meters = new DeviceMeters();
    meters.set("a", 1);
    meters.set("b", 2);
    meters.set("a", 3);
    meters.set("b", 4);
    expect(meters.size).toBe(2);
    expect(entries(meters)).toEqual([
      ["a", 3],
      ["b", 4],
    ]);
  });
});
