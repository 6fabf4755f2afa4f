import { describe, expect, it } from "vitest";
import {
  formatBucket,
  formatTick,
  last24Hours,
  thisMonth,
  thisYear,
  zonedMidnight,
  zoneOffsetMs,
} from "./time";

const iso = (ms: number) => new Date(ms).toISOString();

describe("time zones", () => {
  it("knows Lisbon's offset in winter and in summer", () => {
    expect(zoneOffsetMs(Date.parse("2026-01-15T12:00:00Z"), "Europe/Lisbon")).toBe(0);
    expect(zoneOffsetMs(Date.parse("2026-07-15T12:00:00Z"), "Europe/Lisbon")).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse("2026-07-15T12:00:00Z"), "Asia/Kolkata")).toBe(19_800_000);
  });

  it("finds local midnights, across DST changes and at the year's end", () => {
    expect(iso(zonedMidnight(2026, 7, 1, "Europe/Lisbon"))).toBe("2026-06-30T23:00:00.000Z");
    expect(iso(zonedMidnight(2026, 13, 1, "Europe/Lisbon"))).toBe("2027-01-01T00:00:00.000Z");
    // DST starts on 2026-03-29 in Lisbon; midnight of that day is still winter time.
    expect(iso(zonedMidnight(2026, 3, 29, "Europe/Lisbon"))).toBe("2026-03-29T00:00:00.000Z");
    expect(iso(zonedMidnight(2026, 3, 30, "Europe/Lisbon"))).toBe("2026-03-29T23:00:00.000Z");
    expect(iso(zonedMidnight(2026, 11, 1, "America/New_York"))).toBe("2026-11-01T04:00:00.000Z");
  });

  it("gives this month, this year and the last 24 hours in the server's zone", () => {
    // 2026-12-31 23:30 in Lisbon is already 2027 in Tokyo.
    const now = Date.parse("2026-12-31T23:30:00Z");
    expect(thisMonth(now, "Europe/Lisbon")).toEqual({
      fromMs: Date.parse("2026-12-01T00:00:00Z"),
      toMs: Date.parse("2027-01-01T00:00:00Z"),
    });
    expect(thisYear(now, "Asia/Tokyo")).toEqual({
      fromMs: Date.parse("2026-12-31T15:00:00Z"),
      toMs: Date.parse("2027-12-31T15:00:00Z"),
    });
    expect(last24Hours(now)).toEqual({ fromMs: now - 86_400_000, toMs: now });
  });

  it("labels buckets in the zone", () => {
    const ms = Date.parse("2026-07-04T10:15:00Z");
    expect(formatBucket(ms, "period", "Europe/Lisbon")).toBe("2026-07-04 11:15");
    expect(formatBucket(ms, "day", "Europe/Lisbon")).toBe("2026-07-04");
    expect(formatBucket(ms, "month", "Europe/Lisbon")).toBe("2026-07");
  });

  it("labels axis ticks briefly", () => {
    expect(formatTick(Date.parse("2026-07-04T13:30:00Z"), "period", "Europe/Lisbon")).toBe("14:30");
    expect(formatTick(Date.parse("2026-07-03T23:00:00Z"), "hour", "Europe/Lisbon")).toBe("07-04");
    expect(formatTick(Date.parse("2026-07-03T23:00:00Z"), "day", "Europe/Lisbon")).toBe("07-04");
    expect(formatTick(Date.parse("2026-06-30T23:00:00Z"), "month", "Europe/Lisbon")).toBe(
      "2026-07",
    );
  });
});
