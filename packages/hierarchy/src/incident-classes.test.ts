import { describe, expect, it } from "vitest";
import { HOUR, MINUTE, setup, T0 } from "../test/helpers";
import { EnergyEngine, type MeterReading } from "./index";

/**
 * One scenario per class of wrong totals found in issue #12, each with the energy a physical
 * meter really used. Readings are one minute apart unless said otherwise; `powerW` is what the
 * device reported with the reading.
 */
const plug = "Coreflux/Lisbon/Kitchen/CoffeeMachine";

/** Readings one minute apart from `startMs`, each `[energyWh, powerW]`. */
function minutes(startMs: number, values: ReadonlyArray<[number, number]>): MeterReading[] {
  return values.map(([energyWh, powerW], i) => ({ tsMs: startMs + i * MINUTE, energyWh, powerW }));
}

describe("class 1: restarts are restarts, whatever fraction of the old counter they reach", () => {
  it("3.0 → 0.1, 0.6, 1.6, 2.6, 3.5 credits the 3.5 Wh used since the restart", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(plug);
    const outcomes = feed(
      m,
      minutes(T0, [
        [3.0, 60],
        [0.1, 60],
        [0.6, 60],
        [1.6, 60],
        [2.6, 60],
        [3.5, 60],
      ]),
    );
    expect(outcomes).toEqual([
      "reference",
      "reset-suspected",
      "reset",
      "accepted",
      "accepted",
      "accepted",
    ]);
    expect(energyMwh(plug)).toBe(3500);
  });

  it("a first reading after a long outage far above 10 % of the old counter is a restart", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(plug);
    feed(m, [{ tsMs: T0, energyWh: 10_000, powerW: 400 }]);
    // Ten hours without a report; the plug lost power at some point and restarted from zero.
    const back = T0 + 10 * HOUR;
    expect(
      feed(m, [
        { tsMs: back, energyWh: 3_600, powerW: 400 },
        { tsMs: back + MINUTE, energyWh: 3_606.7, powerW: 400 },
      ]),
    ).toEqual(["reset-suspected", "reset"]);
    expect(energyMwh(plug)).toBe(3_606_700);
  });

  it("a reboot proven by sys.uptime with readings that agree is a restart", () => {
    const { engine, meter, feed, energyMwh, node } = setup();
    const m = meter(plug);
    feed(m, [{ tsMs: T0, energyWh: 500, powerW: 1800 }]);
    engine.noteUptime(node(plug), 86_400, T0);
    // Back 30 min later, up for 10 min at 1.8 kW: 300 Wh since the restart, 60 % of the old 500.
    engine.noteUptime(node(plug), 600, T0 + 30 * MINUTE);
    expect(
      feed(m, [
        { tsMs: T0 + 30 * MINUTE, energyWh: 300, powerW: 1800 },
        { tsMs: T0 + 31 * MINUTE, energyWh: 330, powerW: 1800 },
      ]),
    ).toEqual(["reset-suspected", "reset"]);
    expect(energyMwh(plug)).toBe(330_000);
  });

  it("a device replaced by one with a lower counter counts from its first reading on", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(plug);
    engine.setRatedPower(m, 2880);
    feed(m, [{ tsMs: T0, energyWh: 52_000, powerW: 30 }]);
    // Swapped for a used plug showing 12 kWh: far more than 2.9 kW could add in 15 minutes, so a
    // new counter level, not a restart.
    const swapped = T0 + 15 * MINUTE;
    expect(
      feed(m, [
        { tsMs: swapped, energyWh: 12_000, powerW: 30 },
        { tsMs: swapped + MINUTE, energyWh: 12_000.5, powerW: 30 },
        { tsMs: swapped + 2 * MINUTE, energyWh: 12_001, powerW: 30 },
      ]),
    ).toEqual(["reset-suspected", "rebased", "accepted"]);
    expect(energyMwh(plug)).toBe(1000);
  });
});

describe("class 2: plausibility runs from when the counter was last seen", () => {
  it("after an idle night, a reading tens of kWh too high is not credited, nor its return", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(plug);
    const night: MeterReading[] = [];
    for (let i = 0; i <= 8 * 60; i++)
      night.push({ tsMs: T0 + i * MINUTE, energyWh: 7_400, powerW: 0 });
    feed(m, night);
    const morning = T0 + 8 * HOUR + MINUTE;
    expect(
      feed(m, [
        { tsMs: morning, energyWh: 47_400, powerW: 0 },
        { tsMs: morning + MINUTE, energyWh: 7_400.5, powerW: 60 },
        { tsMs: morning + 2 * MINUTE, energyWh: 7_401.5, powerW: 60 },
      ]),
    ).toEqual(["spike-rejected", "glitch", "accepted"]);
    expect(energyMwh(plug)).toBe(1500);
  });
});

describe("class 3: a rise the evidence does not explain is held like a drop", () => {
  it("100 → 900 → 100.1 at 6 W credits 0.1 Wh", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(plug);
    expect(
      feed(
        m,
        minutes(T0, [
          [100, 6],
          [900, 6],
          [100.1, 6],
        ]),
      ),
    ).toEqual(["reference", "spike-rejected", "glitch"]);
    expect(energyMwh(plug)).toBe(100);
  });

  it("an old value re-delivered after a confirmed restart is not credited again", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(plug);
    feed(
      m,
      minutes(T0, [
        [3000, 30],
        [0.1, 30],
        [0.6, 30],
      ]),
    );
    // The broker re-delivers the pre-restart reading (no device time: Gen1, or a status topic).
    expect(
      feed(m, [
        { tsMs: T0 + 3 * MINUTE, energyWh: 3000 },
        { tsMs: T0 + 4 * MINUTE, energyWh: 1.1, powerW: 30 },
      ]),
    ).toEqual(["spike-rejected", "glitch"]);
    expect(energyMwh(plug)).toBe(1100);
  });

  it("a device replaced by one with a much higher counter credits only what follows", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(plug);
    engine.setRatedPower(m, 2880);
    feed(m, [{ tsMs: T0, energyWh: 1_000, powerW: 40 }]);
    const swapped = T0 + 20 * MINUTE;
    expect(
      feed(m, [
        { tsMs: swapped, energyWh: 9_000, powerW: 40 },
        { tsMs: swapped + MINUTE, energyWh: 9_000.7, powerW: 40 },
      ]),
    ).toEqual(["spike-rejected", "rebased"]);
    expect(energyMwh(plug)).toBe(700);
  });

  it("a short load between two reports that the power missed is credited once the counter keeps it", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(plug);
    // A 2 kW kettle ran for 20 s between two 0 W reports (11.1 Wh).
    expect(
      feed(
        m,
        minutes(T0, [
          [50, 0],
          [61.1, 0],
          [61.1, 0],
        ]),
      ),
    ).toEqual(["reference", "spike-rejected", "accepted"]);
    expect(energyMwh(plug)).toBe(11_100);
  });
});

describe("class 4: low outliers are not restarts", () => {
  it("a persisting counter, a reboot, a transient low value, then the old level: 0.2 Wh", () => {
    const { engine, meter, feed, energyMwh, node } = setup();
    const m = meter(plug);
    feed(m, [{ tsMs: T0, energyWh: 1000, powerW: 12 }]);
    engine.noteUptime(node(plug), 86_400, T0);
    engine.noteUptime(node(plug), 5, T0 + MINUTE);
    expect(
      feed(m, [
        { tsMs: T0 + MINUTE, energyWh: 0.4, powerW: 12 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 1000.2, powerW: 12 },
      ]),
    ).toEqual(["reset-suspected", "glitch"]);
    expect(energyMwh(plug)).toBe(200);
  });

  it("two low outliers in a row that look like a restart, then the old counter: 0.4 Wh", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(plug);
    const outcomes = feed(
      m,
      minutes(T0, [
        [1000, 6],
        [0, 6],
        [0.1, 6],
        [1000.3, 6],
        [1000.4, 6],
      ]),
    );
    expect(outcomes).toEqual(["reference", "reset-suspected", "reset", "spike-rejected", "glitch"]);
    expect(energyMwh(plug)).toBe(400);
  });
});

describe("class 5: the limit comes from the meter", () => {
  it("a Pro 3EM on a building drawing 80 kW, and reporting it, is credited in full (and says so)", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const mains = "Coreflux/Plant/Mains/Pro3EM";
    const m = meter(mains, "em:0");
    const readings = minutes(
      T0,
      Array.from({ length: 6 }, (_, i): [number, number] => [
        1_000_000 + (i * 80_000) / 60,
        80_000,
      ]),
    );
    const outcomes = feed(m, readings);
    expect(outcomes[0]).toBe("reference");
    expect(outcomes.slice(1)).toEqual(Array(5).fill("over-limit"));
    expect(energyMwh(mains)).toBe(Math.round((5 * 80_000 * 1000) / 60));
    // Ten silent minutes at 80 kW: within 1.25 × the power it sustained.
    const later = T0 + 15 * MINUTE;
    const before = energyMwh(mains);
    expect(
      feed(m, [{ tsMs: later, energyWh: 1_000_000 + (15 * 80_000) / 60, powerW: 80_000 }]),
    ).toEqual(["over-limit"]);
    expect(energyMwh(mains) - before).toBe(Math.round((10 * 80_000 * 1000) / 60));
    expect(engine.meterView(m).effectiveMaxPowerW).toBe(100_000);
  });

  it("a model rating is the limit, an explicit override wins over it", () => {
    const { engine, meter } = setup({
      maxPowerWFor: (path) => (path.at(-1) === "Heater" ? 9000 : undefined),
    });
    const rated = meter("C/O/R/Plug");
    const overridden = meter("C/O/R/Heater");
    engine.setRatedPower(rated, 2880);
    engine.setRatedPower(overridden, 2880);
    expect(engine.meterView(rated)).toMatchObject({ maxPowerW: 2880, maxPowerSource: "rating" });
    expect(engine.meterView(overridden)).toMatchObject({
      maxPowerW: 9000,
      maxPowerSource: "override",
    });
    expect(() => engine.setRatedPower(rated, 0)).toThrowError(/ratedPowerW/);
  });
});

describe("class 6: periods that add up", () => {
  it("the hours of a Lord Howe DST day add up to the day (half-hour change)", () => {
    const s = setup({ timeZone: "Australia/Lord_Howe", creditSlotMinutes: 15 });
    const m = s.meter(plug);
    // 4 April 2026 13:30 UTC is 00:00 local (+10:30... +11 before the change at 15:00 UTC).
    const dayStart = Date.UTC(2026, 3, 4, 13, 0);
    const dayEnd = Date.UTC(2026, 3, 5, 13, 30);
    for (let t = dayStart, i = 0; t <= dayEnd; t += MINUTE, i++) {
      s.engine.ingest(m, { tsMs: t, energyWh: i, powerW: 60 });
    }
    const device = s.node(plug);
    const pieces = s.engine.takeCredits().filter((p) => p.device === device);
    const total = pieces.reduce((a, p) => a + p.energyMwh, 0);
    expect(total).toBe(s.engine.view(device, dayEnd).energyMwh);
    // Every slot is a whole quarter-hour of UTC, and 60 Wh an hour arrived in each.
    for (const p of pieces) expect(p.slotStartMs % (15 * MINUTE)).toBe(0);
    expect(new Set(pieces.map((p) => p.energyMwh))).toEqual(new Set([15_000]));
  });

  it("a reading stamped in the future moves neither now nor the periods, even after a restore", () => {
    const { engine, meter, feed, node } = setup({ timeZone: "Europe/Lisbon" });
    const a = meter("C/O/R/A");
    const b = meter("C/O/R/B");
    engine.takeChanges(T0);
    feed(a, [{ tsMs: T0, energyWh: 10, powerW: 600 }]);
    feed(b, [{ tsMs: T0, energyWh: 20, powerW: 600 }]);
    // A's device clock is a day ahead (ignored: arrival time used) and B's message carries an
    // arrival a day ahead (a host clock jump): neither becomes "now".
    feed(a, [{ tsMs: T0 + MINUTE, deviceTsMs: T0 + 24 * HOUR, energyWh: 20, powerW: 600 }]);
    feed(b, [{ tsMs: T0 + 24 * HOUR, energyWh: 30, powerW: 600 }]);
    engine.takeChanges(T0 + 2 * MINUTE);
    const company = engine.view(node("C"), T0 + 2 * MINUTE);
    expect([company.energyMwh, company.energyThisHourMwh, company.energyTodayMwh]).toEqual([
      20_000, 20_000, 20_000,
    ]);
    const restored = EnergyEngine.restore(JSON.parse(JSON.stringify(engine.snapshot())), {
      timeZone: "Europe/Lisbon",
    });
    if (!restored.ok) throw new Error(restored.error.message);
    const after = restored.engine.view(node("C"), T0 + 3 * MINUTE);
    expect([after.energyThisHourMwh, after.energyTodayMwh]).toEqual([20_000, 20_000]);
  });

  it("a finished hour gets the tail of its last interval in the credits, so hours add up to the day", () => {
    const { engine, meter, node } = setup({ creditSlotMinutes: 60 });
    const m = meter(plug);
    // Readings at :30 past every minute for three hours at 1 kW.
    const start = Date.UTC(2026, 5, 11, 9, 0, 30);
    for (let i = 0; i <= 180; i++) {
      engine.ingest(m, { tsMs: start + i * MINUTE, energyWh: 100 + (i * 1000) / 60, powerW: 1000 });
    }
    const byHour = new Map<number, number>();
    for (const p of engine.takeCredits()) byHour.set(p.slotStartMs, p.energyMwh);
    // 09:00:30 to 12:00:30: 59.5 min in the first hour, 60 in the next two, 0.5 in the last,
    // each within a mWh (a minute's 16.667 Wh split in two whole mWh at every boundary).
    const hours = [...byHour.values()];
    const expected = [991_667, 1_000_000, 1_000_000, 8_333];
    expect(hours.map((v, i) => Math.abs(v - expected[i]!) <= 1)).toEqual([true, true, true, true]);
    const total = engine.view(node(plug), start + 180 * MINUTE).energyMwh;
    expect([...byHour.values()].reduce((a, b) => a + b, 0)).toBe(total);
  });

  it("a counter frozen while the device reported power is split by the power, not by time", () => {
    const { engine, meter } = setup({ creditSlotMinutes: 15 });
    const m = meter(plug);
    const t = (h: number, mi: number) => Date.UTC(2026, 5, 11, h, mi);
    engine.ingest(m, { tsMs: t(9, 50), energyWh: 500, powerW: 1000 });
    // Power reports every minute while the counter stays at 500 (batched updates): 1 kW until
    // 10:00, then nothing.
    for (let mi = 51; mi <= 59; mi++) engine.ingest(m, { tsMs: t(9, mi), powerW: 1000 });
    for (let mi = 0; mi <= 9; mi++) engine.ingest(m, { tsMs: t(10, mi), powerW: 0 });
    expect(engine.ingest(m, { tsMs: t(10, 10), energyWh: 666.667, powerW: 0 })).toBe("accepted");
    const pieces = engine.takeCredits();
    // By time, 10:00-10:10 would have got half. By power, the quarter before 10:00 gets it all.
    expect(pieces.map((p) => [new Date(p.slotStartMs).toISOString(), p.energyMwh])).toEqual([
      ["2026-06-11T09:45:00.000Z", 166_667],
    ]);
  });
});
