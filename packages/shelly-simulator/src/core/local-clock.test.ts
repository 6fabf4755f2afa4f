import { describe, expect, it } from "vitest";
import {
  clockText,
  HOUR_MS,
  hourOfDay,
  isValidTimeZone,
  LocalClock,
  weekdayOf,
} from "./local-clock";
import { officeState } from "./office-hours";

describe("LocalClock", () => {
  it("knows DST in Europe/Lisbon", () => {
    const clock = new LocalClock("Europe/Lisbon");
    expect(clock.offsetMs(Date.UTC(2026, 0, 15, 12))).toBe(0);
    expect(clock.offsetMs(Date.UTC(2026, 6, 15, 12))).toBe(HOUR_MS);
    // 29 March 2026, 01:00 UTC: clocks jump from 01:00 to 02:00.
    expect(clock.offsetMs(Date.UTC(2026, 2, 29, 0, 59))).toBe(0);
    expect(clock.offsetMs(Date.UTC(2026, 2, 29, 1, 0))).toBe(HOUR_MS);
  });

  it("gives local hour, weekday and HH:MM", () => {
    const clock = new LocalClock("America/New_York");
    const local = clock.localMs(Date.UTC(2026, 5, 1, 13, 5)); // Monday 09:05 EDT
    expect(hourOfDay(local)).toBeCloseTo(9 + 5 / 60, 9);
    expect(weekdayOf(local)).toBe(0);
    expect(clockText(local)).toBe("09:05");
    expect(weekdayOf(new LocalClock("UTC").localMs(Date.UTC(2026, 5, 7, 12)))).toBe(6); // Sunday
  });

  it("validates zones", () => {
    expect(isValidTimeZone("Europe/Lisbon")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});

describe("officeState", () => {
  const hours = { startMin: 8 * 60, endMin: 18 * 60 };
  const utc = new LocalClock("UTC");

  it("is in office on a weekday afternoon and says when it ends", () => {
    const s = officeState(Date.UTC(2026, 5, 3, 14), utc, hours); // Wednesday
    expect(s).toEqual({ inOffice: true, nextBoundaryMs: Date.UTC(2026, 5, 3, 18) });
  });

  it("skips the weekend to Monday 08:00", () => {
    const s = officeState(Date.UTC(2026, 5, 5, 19), utc, hours); // Friday evening
    expect(s).toEqual({ inOffice: false, nextBoundaryMs: Date.UTC(2026, 5, 8, 8) });
  });

  it("uses local time", () => {
    const lisbon = new LocalClock("Europe/Lisbon");
    const s = officeState(Date.UTC(2026, 5, 3, 6, 30), lisbon, hours); // 07:30 WEST
    expect(s).toEqual({ inOffice: false, nextBoundaryMs: Date.UTC(2026, 5, 3, 7) });
  });
});
