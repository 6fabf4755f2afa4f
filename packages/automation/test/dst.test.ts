import { describe, expect, it } from "vitest";
import { parseWindow, WEEKDAYS, windowAt, ZoneClock } from "../src";

const iso = (t: number) => new Date(t).toISOString().replace(".000", "");
const EVERY_DAY = new Set(WEEKDAYS.map((_, i) => i));

/** The occurrence of `text` in `zone` that contains `atIso`, as [start, end] ISO strings. */
function occurrence(zone: string, text: string, atIso: string): [string, string] | undefined {
  const found = windowAt(
    "r",
    0,
    parseWindow(text),
    EVERY_DAY,
    new ZoneClock(zone),
    Date.parse(atIso),
  );
  return found === undefined ? undefined : [iso(found.startMs), iso(found.endMs)];
}

describe("local instants across DST (ZoneClock.instantOf)", () => {
  const at = (zone: string, date: string, hour: number, minute: number) => {
    const [year, month, day] = date.split("-").map(Number);
    return iso(
      new ZoneClock(zone).instantOf({ year: year!, month: month!, day: day! }, hour, minute),
    );
  };
  it.each([
    // zone, local date, time, instant: why
    ["Europe/Lisbon", "2026-03-29", 1, 30, "2026-03-29T01:00:00Z"], // skipped: the jump's instant (02:00 WEST)
    ["Europe/Lisbon", "2026-03-29", 2, 30, "2026-03-29T01:30:00Z"], // after the jump
    ["Europe/Lisbon", "2026-10-25", 1, 30, "2026-10-25T00:30:00Z"], // repeated: the first (WEST)
    ["Europe/Lisbon", "2026-10-25", 2, 30, "2026-10-25T02:30:00Z"], // after it (WET)
    ["America/Santiago", "2026-09-06", 0, 0, "2026-09-06T04:00:00Z"], // midnight skipped: 01:00 -03
    ["America/Santiago", "2026-09-06", 0, 30, "2026-09-06T04:00:00Z"],
    ["America/Santiago", "2026-04-04", 23, 30, "2026-04-05T02:30:00Z"], // repeated 23:00 hour: first
    ["Australia/Lord_Howe", "2026-10-04", 2, 10, "2026-10-03T15:30:00Z"], // a 30-minute jump
    ["Australia/Lord_Howe", "2026-04-05", 1, 45, "2026-04-04T14:45:00Z"], // a repeated half hour
    ["Asia/Kolkata", "2026-01-01", 20, 30, "2026-01-01T15:00:00Z"], // UTC+5:30, no DST
  ])("%s %s %i:%i is %s", (zone, date, hour, minute, expected) => {
    expect(at(zone, date, hour, minute)).toBe(expected);
  });
});

describe("window occurrences across DST", () => {
  it("Lisbon, 29 March (23 hours): a window starting in the skipped hour opens at the jump", () => {
    expect(occurrence("Europe/Lisbon", "01:30-06:00", "2026-03-29T01:10:00Z")).toEqual([
      "2026-03-29T01:00:00Z",
      "2026-03-29T05:00:00Z",
    ]);
    expect(occurrence("Europe/Lisbon", "01:30-06:00", "2026-03-29T00:59:00Z")).toBeUndefined();
  });

  it("Lisbon, 25 October (25 hours): a repeated hour does not open the window twice", () => {
    const first = occurrence("Europe/Lisbon", "01:30-03:00", "2026-10-25T00:45:00Z");
    const second = occurrence("Europe/Lisbon", "01:30-03:00", "2026-10-25T01:45:00Z"); // 01:45 again, WET
    expect(first).toEqual(["2026-10-25T00:30:00Z", "2026-10-25T03:00:00Z"]);
    expect(second).toEqual(first);
  });

  it("the original's 20:30-08:30 crosses midnight, and a DST night is an hour longer or shorter", () => {
    expect(occurrence("Europe/Lisbon", "20:30-08:30", "2026-10-24T23:00:00Z")).toEqual([
      "2026-10-24T19:30:00Z",
      "2026-10-25T08:30:00Z", // 13 hours
    ]);
    expect(occurrence("Europe/Lisbon", "20:30-08:30", "2026-03-29T03:00:00Z")).toEqual([
      "2026-03-28T20:30:00Z",
      "2026-03-29T07:30:00Z", // 11 hours
    ]);
    expect(occurrence("Europe/Lisbon", "20:30-08:30", "2026-03-29T12:00:00Z")).toBeUndefined();
  });

  it("Santiago: a window from midnight on the day midnight does not exist starts at 01:00", () => {
    expect(occurrence("America/Santiago", "00:00-06:00", "2026-09-06T05:00:00Z")).toEqual([
      "2026-09-06T04:00:00Z",
      "2026-09-06T09:00:00Z",
    ]);
  });

  it("Lord Howe: a 30-minute jump; Kolkata: a 30-minute offset", () => {
    expect(occurrence("Australia/Lord_Howe", "02:10-05:00", "2026-10-03T16:00:00Z")).toEqual([
      "2026-10-03T15:30:00Z",
      "2026-10-03T18:00:00Z",
    ]);
    expect(occurrence("Asia/Kolkata", "20:30-08:30", "2026-01-01T16:00:00Z")).toEqual([
      "2026-01-01T15:00:00Z",
      "2026-01-02T03:00:00Z",
    ]);
  });

  it("days name the day a window starts", () => {
    // 2026-12-04 is a Friday: Friday night's window runs into Saturday morning.
    const friday = new Set([WEEKDAYS.indexOf("fri")]);
    const clock = new ZoneClock("Europe/Lisbon");
    const w = parseWindow("20:30-08:30");
    expect(windowAt("r", 0, w, friday, clock, Date.parse("2026-12-05T07:00:00Z"))).toBeDefined();
    expect(windowAt("r", 0, w, friday, clock, Date.parse("2026-12-05T21:00:00Z"))).toBeUndefined();
  });
});
