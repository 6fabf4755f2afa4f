import { describe, expect, it } from "vitest";
import {
  backendIntervalText,
  formatSecondsNoDecimals,
  intervalText,
  parseGoDuration,
  parseGrafanaInterval,
} from "./interval";

describe("intervals", () => {
  it("intervalText keeps the largest whole unit, truncated", () => {
    expect(intervalText(90 * 60_000)).toBe("1h");
    expect(intervalText(15 * 60_000)).toBe("15m");
    expect(intervalText(365 * 86_400_000)).toBe("1y");
    expect(intervalText(0.5)).toBe("less than a millisecond");
  });

  it("parseGoDuration reads Go durations", () => {
    expect(parseGoDuration("1h30m")).toBe(5_400_000);
    expect(parseGoDuration("1.5h")).toBe(5_400_000);
    expect(parseGoDuration("300ms")).toBe(300);
    expect(parseGoDuration("-2m")).toBe(-120_000);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("5")).toBeUndefined();
    expect(parseGoDuration("1d")).toBeUndefined();
  });

  it("parseGrafanaInterval adds days, weeks, and calendar months and years from now", () => {
    expect(parseGrafanaInterval("1d")).toBe(86_400_000);
    expect(parseGrafanaInterval("1w")).toBe(7 * 86_400_000);
    expect(parseGrafanaInterval("1y", Date.UTC(2027, 5, 1))).toBe(366 * 86_400_000);
    expect(parseGrafanaInterval("1y")).toBeUndefined();
  });

  it("formatSecondsNoDecimals rounds half to even; backendIntervalText floors to a unit", () => {
    expect(["0.5", "1.5", "2.5", "2.6"].map((s) => formatSecondsNoDecimals(Number(s)))).toEqual([
      "0",
      "2",
      "2",
      "3",
    ]);
    expect(backendIntervalText(0)).toBe("1ms");
    expect(backendIntervalText(36 * 3_600_000)).toBe("1d");
  });
});
