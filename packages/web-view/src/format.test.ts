import { describe, expect, it } from "vitest";
import {
  describeStates,
  exactValue,
  formatEnergy,
  formatPower,
  formatStates,
  MISSING,
} from "./format";

describe("formatPower", () => {
  it.each([
    [0, "0 W"],
    [812.4, "812 W"],
    [12.345, "12.3 W"],
    [0.5, "0.5 W"],
    [999.4, "999 W"],
    [999.96, "1 kW"],
    [1000, "1 kW"],
    [1234.5, "1.23 kW"],
    [45_678, "45.7 kW"],
    [1_234_567, "1.23 MW"],
    [9_876_543_210, "9,877 MW"],
    [-1500, "-1.5 kW"],
    [-0, "0 W"],
  ])("%d W reads %s", (w, text) => {
    expect(formatPower(w, "en-US")).toBe(text);
  });

  it("shows a dash for a missing or non-finite value", () => {
    expect(formatPower(undefined, "en-US")).toBe(MISSING);
    expect(formatPower(null, "en-US")).toBe(MISSING);
    expect(formatPower(Number.NaN, "en-US")).toBe(MISSING);
  });

  it("follows the locale's decimal separator", () => {
    expect(formatPower(1234.5, "pt-PT")).toBe("1,23 kW");
  });
});

describe("formatEnergy", () => {
  it.each([
    [12.5, "12.5 Wh"],
    [100.25, "100 Wh"],
    [1234.567, "1.23 kWh"],
    [1000.5, "1 kWh"],
    [999_999, "1 MWh"],
    [2_500_000, "2.5 MWh"],
    [123_456_789, "123 MWh"],
    [12_345_678_901, "12,346 MWh"],
    [0.001, "0.001 Wh"],
  ])("%d Wh reads %s", (wh, text) => {
    expect(formatEnergy(wh, "en-US")).toBe(text);
  });
});

describe("exactValue", () => {
  it("keeps every digit the API sent", () => {
    expect(exactValue(1234.567, "Wh")).toBe("1234.567 Wh");
    expect(exactValue(812.4, "W")).toBe("812.4 W");
    expect(exactValue(-0, "W")).toBe("0 W");
    expect(exactValue(undefined, "W")).toBe(MISSING);
  });
});

describe("state counts", () => {
  it("reads as figures and as words", () => {
    const s = { online: 10, stale: 1, offline: 0 };
    expect(formatStates(s)).toBe("10 / 1 / 0");
    expect(describeStates(s)).toBe("10 online, 1 stale, 0 offline");
  });
});
