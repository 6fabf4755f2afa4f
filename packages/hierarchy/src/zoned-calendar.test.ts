import { describe, expect, it } from "vitest";
import { ZonedCalendar } from "./zoned-calendar";

const H = 3_600_000;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);

/** Walks a day hour by hour: each hour starts where the previous ended, and they end at the day's end. */
function expectHoursTile(cal: ZonedCalendar, dayStartMs: number, dayEndMs: number): void {
  let at = dayStartMs;
  while (at < dayEndMs) {
    const p = cal.periodsAt(at);
    expect(p.hourStartMs).toBe(at);
    expect(p.hourEndMs).toBeGreaterThan(at);
    expect(p.hourEndMs - p.hourStartMs).toBeLessThanOrEqual(H);
    at = p.hourEndMs;
  }
  expect(at).toBe(dayEndMs);
}

describe("ZonedCalendar", () => {
  it("gives UTC hours, days and months", () => {
    const p = new ZonedCalendar("UTC").periodsAt(utc(2026, 6, 11, 10, 17) + 1234);
    expect(p).toEqual({
      hourStartMs: utc(2026, 6, 11, 10),
      hourEndMs: utc(2026, 6, 11, 11),
      dayStartMs: utc(2026, 6, 11),
      dayEndMs: utc(2026, 6, 12),
      monthStartMs: utc(2026, 6, 1),
      monthEndMs: utc(2026, 7, 1),
    });
  });

  it("Europe/Lisbon spring forward: 29 March 2026 lasts 23 hours, March 743", () => {
    const cal = new ZonedCalendar("Europe/Lisbon");
    const p = cal.periodsAt(utc(2026, 3, 29, 12));
    expect(p.dayStartMs).toBe(utc(2026, 3, 29, 0));
    expect(p.dayEndMs).toBe(utc(2026, 3, 29, 23));
    expect((p.dayEndMs - p.dayStartMs) / H).toBe(23);
    expect((p.monthEndMs - p.monthStartMs) / H).toBe(31 * 24 - 1);
    // 00:30 WET, then 02:30 WEST one hour later: hour 01 does not exist.
    expect(cal.periodsAt(utc(2026, 3, 29, 0, 30)).hourStartMs).toBe(utc(2026, 3, 29, 0));
    expect(cal.periodsAt(utc(2026, 3, 29, 1, 30)).hourStartMs).toBe(utc(2026, 3, 29, 1));
  });

  it("Europe/Lisbon fall back: 25 October 2026 lasts 25 hours and 01:00 happens twice", () => {
    const cal = new ZonedCalendar("Europe/Lisbon");
    const p = cal.periodsAt(utc(2026, 10, 25, 12));
    expect(p.dayStartMs).toBe(utc(2026, 10, 24, 23));
    expect(p.dayEndMs).toBe(utc(2026, 10, 26, 0));
    expect((p.dayEndMs - p.dayStartMs) / H).toBe(25);
    const firstOne = cal.periodsAt(utc(2026, 10, 25, 0, 30));
    const secondOne = cal.periodsAt(utc(2026, 10, 25, 1, 30));
    expect(firstOne.hourStartMs).toBe(utc(2026, 10, 25, 0));
    expect(secondOne.hourStartMs).toBe(utc(2026, 10, 25, 1));
    expect(firstOne.dayStartMs).toBe(secondOne.dayStartMs);
  });

  it("a day whose midnight is skipped starts at the first instant after the jump (America/Santiago)", () => {
    const p = new ZonedCalendar("America/Santiago").periodsAt(utc(2026, 9, 6, 15));
    // Clocks go from 24:00 (-04) to 01:00 (-03) at 04:00 UTC.
    expect(p.dayStartMs).toBe(utc(2026, 9, 6, 4));
    expect(p.dayEndMs).toBe(utc(2026, 9, 7, 3));
  });

  it("half-hour zones keep local hours (Asia/Kolkata)", () => {
    const p = new ZonedCalendar("Asia/Kolkata").periodsAt(utc(2026, 6, 11, 10, 15));
    expect(p.hourStartMs).toBe(utc(2026, 6, 11, 9, 30));
    expect(p.dayStartMs).toBe(utc(2026, 6, 10, 18, 30));
  });

  it("a half-hour DST change never makes two hours overlap (Australia/Lord_Howe)", () => {
    const cal = new ZonedCalendar("Australia/Lord_Howe");
    // Fall back, 5 April 2026: 02:00 (+11) becomes 01:30 (+10:30) at 15:00 UTC.
    const before = cal.periodsAt(utc(2026, 4, 4, 14, 45));
    expect([before.hourStartMs, before.hourEndMs]).toEqual([
      utc(2026, 4, 4, 14),
      utc(2026, 4, 4, 15),
    ]);
    const after = cal.periodsAt(utc(2026, 4, 4, 15, 15));
    expect([after.hourStartMs, after.hourEndMs]).toEqual([
      utc(2026, 4, 4, 15),
      utc(2026, 4, 4, 15, 30),
    ]);
    // Spring forward, 4 October 2026: 02:00 (+10:30) becomes 02:30 (+11) at 15:30 UTC.
    const last = cal.periodsAt(utc(2026, 10, 3, 15, 20));
    expect([last.hourStartMs, last.hourEndMs]).toEqual([
      utc(2026, 10, 3, 14, 30),
      utc(2026, 10, 3, 15, 30),
    ]);
    const short = cal.periodsAt(utc(2026, 10, 3, 15, 45));
    expect([short.hourStartMs, short.hourEndMs]).toEqual([
      utc(2026, 10, 3, 15, 30),
      utc(2026, 10, 3, 16),
    ]);
    // The day of each change lasts 24.5 and 23.5 hours, and its hours tile it exactly.
    for (const [dayAt, hours] of [
      [utc(2026, 4, 4, 20), 24.5],
      [utc(2026, 10, 3, 20), 23.5],
    ] as const) {
      const day = cal.periodsAt(dayAt);
      expect((day.dayEndMs - day.dayStartMs) / H).toBe(hours);
      expectHoursTile(cal, day.dayStartMs, day.dayEndMs);
    }
  });

  it("45-minute offsets keep local hours and days (Asia/Kathmandu, Pacific/Chatham)", () => {
    const kathmandu = new ZonedCalendar("Asia/Kathmandu").periodsAt(utc(2026, 6, 11, 10, 20));
    expect(kathmandu.hourStartMs).toBe(utc(2026, 6, 11, 10, 15));
    expect(kathmandu.dayStartMs).toBe(utc(2026, 6, 10, 18, 15));
    const chatham = new ZonedCalendar("Pacific/Chatham");
    // DST ends 5 April 2026: 03:45 (+13:45) becomes 02:45 (+12:45).
    const day = chatham.periodsAt(utc(2026, 4, 5, 0));
    expect((day.dayEndMs - day.dayStartMs) / H).toBe(25);
    expectHoursTile(chatham, day.dayStartMs, day.dayEndMs);
  });

  it("rejects an unknown zone with INVALID_OPTIONS", () => {
    expect(() => new ZonedCalendar("Europe/Atlantis")).toThrowError(
      expect.objectContaining({ code: "INVALID_OPTIONS" }),
    );
  });
});
