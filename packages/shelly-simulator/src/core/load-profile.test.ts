import { describe, expect, it } from "vitest";
import { LoadProfile, type LoadRole } from "./load-profile";
import { DAY_MS, HOUR_MS, LocalClock, MINUTE_MS } from "./local-clock";
import { Prng } from "./prng";

const clock = new LocalClock("UTC");
const hours = { startMin: 8 * 60, endMin: 18 * 60 };
const MONDAY = Date.UTC(2026, 5, 1, 0, 0);

/** Runs a profile for `spanMs` and returns the level at each minute. */
function sample(role: LoadRole, mainW: number, baseW: number, spanMs: number, seed = 1): number[] {
  const rng = new Prng(seed);
  const p = new LoadProfile(role, { mainW, baseW }, hours);
  p.start(MONDAY, clock, rng);
  const levels: number[] = [];
  for (let t = MONDAY; t < MONDAY + spanMs; t += MINUTE_MS) {
    while (p.nextChangeMs <= t) p.step(p.nextChangeMs, clock, rng);
    levels.push(p.levelW);
  }
  return levels;
}

describe("load profiles", () => {
  it("a fridge never stops: it cycles between its compressor and electronics levels", () => {
    const levels = sample("fridge", 120, 3, 2 * DAY_MS);
    expect(Math.min(...levels)).toBeGreaterThan(2.5);
    const on = levels.filter((w) => w > 100).length / levels.length;
    expect(on).toBeGreaterThan(0.2);
    expect(on).toBeLessThan(0.5);
    let switches = 0;
    for (let i = 1; i < levels.length; i++)
      if (levels[i]! > 100 !== levels[i - 1]! > 100) switches++;
    expect(switches).toBeGreaterThan((2 * 24 * 60) / 45); // a cycle every 23-53 min
  });

  it("lights follow office hours: on Monday 08:00-18:00, off at night and on Saturday", () => {
    const levels = sample("lights", 400, 0, 7 * DAY_MS);
    const at = (day: number, hour: number) => levels[day * 24 * 60 + hour * 60]!;
    expect(at(0, 10)).toBeGreaterThan(380);
    expect(at(0, 17)).toBeGreaterThan(380);
    expect(at(0, 7)).toBe(0);
    expect(at(0, 19)).toBe(0);
    expect(at(2, 12)).toBeGreaterThan(380);
    expect(at(5, 12)).toBe(0);
  });

  it("a desk is active in office hours and on standby otherwise", () => {
    const levels = sample("desk", 150, 2, DAY_MS);
    const office = levels.slice(9 * 60, 17 * 60);
    const night = levels.slice(0, 7 * 60);
    expect(Math.max(...night)).toBeLessThan(2.5);
    expect(office.reduce((a, b) => a + b, 0) / office.length).toBeGreaterThan(60);
  });

  it("a kettle boils at its rated power now and then in office hours", () => {
    const levels = sample("kettle", 2000, 1, DAY_MS, 4);
    const boiling = levels.filter((w) => w > 1900).length;
    expect(boiling).toBeGreaterThan(5);
    expect(boiling).toBeLessThan(120);
    expect(levels.filter((w) => w > 3 && w < 1900)).toEqual([]);
  });

  it("solar exports (negative) around noon and consumes a little at night", () => {
    const levels = sample("solar", 2000, 0, DAY_MS);
    expect(levels[13 * 60]!).toBeLessThan(-900);
    expect(levels[2 * 60]!).toBeGreaterThan(0);
    expect(levels[2 * 60]!).toBeLessThan(5);
  });

  it("a heater cycles in office hours and is off at night", () => {
    const levels = sample("heater", 1500, 0, DAY_MS);
    expect(Math.max(...levels.slice(0, 7 * 60))).toBe(0);
    expect(levels.slice(8 * 60, 18 * 60).some((w) => w > 1400)).toBe(true);
    expect(levels.slice(8 * 60, 18 * 60).some((w) => w === 0)).toBe(true);
  });

  it("never schedules a change in the past", () => {
    for (const role of [
      "fridge",
      "desk",
      "lights",
      "kettle",
      "heater",
      "server",
      "mains",
      "solar",
    ] as const) {
      const rng = new Prng(9);
      const p = new LoadProfile(role, { mainW: 500, baseW: 50 }, hours);
      p.start(MONDAY, clock, rng);
      let t = MONDAY;
      for (let i = 0; i < 2000; i++) {
        const next = p.nextChangeMs;
        expect(next).toBeGreaterThan(t);
        t = next;
        p.step(t, clock, rng);
      }
      expect(t - MONDAY).toBeGreaterThan(HOUR_MS);
    }
  });
});
