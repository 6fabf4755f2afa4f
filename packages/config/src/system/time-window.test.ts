import { describe, expect, it } from "vitest";
import { parseTimeWindow } from "./time-window";

describe("parseTimeWindow", () => {
  it("reads minutes after midnight, crossing midnight allowed", () => {
    expect(parseTimeWindow("20:30-08:30")).toEqual({ startMinute: 1230, endMinute: 510 });
    expect(parseTimeWindow("00:00-23:59")).toEqual({ startMinute: 0, endMinute: 1439 });
  });

  it("refuses anything else", () => {
    for (const bad of [
      "20:30-20:30",
      "24:00-01:00",
      "8:30-09:00",
      "08:30 - 09:00",
      "08:30-09:60",
      "",
    ])
      expect(parseTimeWindow(bad)).toBeUndefined();
  });
});
