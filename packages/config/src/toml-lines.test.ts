import { describe, expect, it } from "vitest";
import { findKeyLine } from "./toml-lines";

const source = [
  "# comment with [fake] = header", // 1
  "[company]", // 2
  'topic = "C/#" # trailing = comment', // 3
  "", // 4
  "[mqtt.embedded]", // 5
  "port = 1883", // 6
  "[[automatism.rules]]", // 7
  'name = "a"', // 8
  "[[automatism.rules]]", // 9
  'name = "b"', // 10
  'windows = ["20:30-08:30", "12:00-13:00"]', // 11
  'dotted.key = "x"', // 12
].join("\n");

describe("findKeyLine", () => {
  it("finds keys under table headers and dotted keys", () => {
    expect(findKeyLine(source, ["company", "topic"])).toBe(3);
    expect(findKeyLine(source, ["mqtt", "embedded", "port"])).toBe(6);
    expect(findKeyLine(source, ["automatism", "rules", 1, "dotted", "key"])).toBe(12);
  });

  it("counts array-of-tables entries and finds items inside an array value", () => {
    expect(findKeyLine(source, ["automatism", "rules", 0, "name"])).toBe(8);
    expect(findKeyLine(source, ["automatism", "rules", 1, "name"])).toBe(10);
    expect(findKeyLine(source, ["automatism", "rules", 1, "windows", 1])).toBe(11);
  });

  it("falls back to the table's header for a missing key, and undefined when absent", () => {
    expect(findKeyLine(source, ["automatism", "rules", 0, "windows"])).toBe(7);
    expect(findKeyLine(source, ["mqtt", "embedded", "host"])).toBe(5);
    expect(findKeyLine(source, ["log", "level"])).toBeUndefined();
  });
});
