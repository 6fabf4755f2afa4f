import { describe, expect, it } from "vitest";
import { expectSumsHold, HOUR, MINUTE, setup } from "../test/helpers";

const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);

/** Feeds a constant `powerW` load as one reading per `stepMs` from `fromMs` to `toMs`. */
function constantLoad(
  feed: ReturnType<typeof setup>["feed"],
  meter: number,
  fromMs: number,
  toMs: number,
  powerW: number,
  stepMs = 5 * MINUTE,
) {
  const at = (t: number) =>
    feed(meter, [{ tsMs: t, energyWh: ((t - fromMs) / HOUR) * powerW, powerW }]);
  for (let t = fromMs; t < toMs; t += stepMs) at(t);
  at(toMs);
}

describe("hour, day and month totals", () => {
  it("Europe/Lisbon spring forward: a 1 kW load gives the 23-hour day 23 kWh", () => {
    const { engine, meter, feed, node } = setup({ timeZone: "Europe/Lisbon" });
    const m = meter("C/O/R/D");
    // The local day runs from 00:00 WET (00:00 UTC) to 24:00 WEST (23:00 UTC).
    const lastMs = utc(2026, 3, 29, 23) - 1;
    constantLoad(feed, m, utc(2026, 3, 28, 23), lastMs, 1000);
    expect(engine.view(node("C/O/R/D"), lastMs).energyTodayMwh).toBe(23_000_000);
    expect(engine.view(node("C"), lastMs).energyTodayMwh).toBe(23_000_000);
  });

  it("Europe/Lisbon fall back: the 25-hour day gets 25 kWh and each 01:00 hour its own 1 kWh", () => {
    const { engine, meter, feed, node } = setup({ timeZone: "Europe/Lisbon" });
    const m = meter("C/O/R/D");
    const lastMs = utc(2026, 10, 26, 0) - 1;
    constantLoad(feed, m, utc(2026, 10, 24, 22), lastMs, 1000);
    expect(engine.view(node("C/O/R/D"), lastMs).energyTodayMwh).toBe(25_000_000);

    const hours = setup({ timeZone: "Europe/Lisbon" });
    const h = hours.meter("C/O/R/D");
    const start = utc(2026, 10, 24, 23);
    constantLoad(hours.feed, h, start, utc(2026, 10, 25, 1) - 1, 1000);
    expect(hours.engine.view(hours.node("C"), utc(2026, 10, 25, 1) - 1).energyThisHourMwh).toBe(
      1_000_000,
    );
    // The second 01:00 hour (WET) starts again from zero: 30 minutes in, 0.5 kWh.
    hours.feed(h, [{ tsMs: utc(2026, 10, 25, 1, 30), energyWh: 2500 }]);
    const second = hours.engine.view(hours.node("C"), utc(2026, 10, 25, 1, 30));
    expect(second.energyThisHourMwh).toBe(500_000);
    expect(second.energyTodayMwh).toBe(2_500_000);
  });

  it("splits an interval that crosses midnight in proportion to time", () => {
    const { engine, meter, feed, node } = setup({ timeZone: "UTC" });
    const m = meter("C/O/R/D");
    feed(m, [
      { tsMs: utc(2026, 6, 11, 23, 50), energyWh: 100 },
      { tsMs: utc(2026, 6, 12, 0, 10), energyWh: 120 },
    ]);
    const view = engine.view(node("C/O/R/D"), utc(2026, 6, 12, 0, 10));
    expect(view.energyMwh).toBe(20_000);
    expect(view.energyTodayMwh).toBe(10_000);
    expect(view.energyThisHourMwh).toBe(10_000);
    expect(view.energyThisMonthMwh).toBe(20_000);
  });

  it("an outage across midnight credits today only its share of the gap (documented policy)", () => {
    const { engine, meter, feed, node } = setup({ timeZone: "Europe/Lisbon" });
    const m = meter("C/O/R/D");
    // Offline from 22:00 to 06:00 local (summer, UTC+1), 8 kWh consumed meanwhile.
    feed(m, [
      { tsMs: utc(2026, 6, 11, 21), energyWh: 1000 },
      { tsMs: utc(2026, 6, 12, 5), energyWh: 9000 },
    ]);
    const view = engine.view(node("C/O/R/D"), utc(2026, 6, 12, 5));
    expect(view.energyMwh).toBe(8_000_000);
    expect(view.energyTodayMwh).toBe(6_000_000);
    expect(view.energyThisHourMwh).toBe(0);
  });

  it("current-period totals read 0 once the period is over, and sums still hold", () => {
    const { engine, meter, feed, node } = setup({ timeZone: "UTC" });
    const a = meter("C/O/R/A");
    const b = meter("C/O/R2/B");
    feed(a, [
      { tsMs: utc(2026, 6, 30, 22), energyWh: 10 },
      { tsMs: utc(2026, 6, 30, 22, 30), energyWh: 20 },
    ]);
    feed(b, [
      { tsMs: utc(2026, 6, 30, 23, 50), energyWh: 5 },
      { tsMs: utc(2026, 7, 1, 0, 10), energyWh: 7 },
    ]);
    const now = utc(2026, 7, 1, 0, 15);
    expect(engine.view(node("C/O/R/A"), now).energyThisMonthMwh).toBe(0);
    expect(engine.view(node("C/O/R2/B"), now).energyThisMonthMwh).toBe(1000);
    expect(engine.view(node("C"), now).energyThisMonthMwh).toBe(1000);
    expect(engine.view(node("C"), now).energyMwh).toBe(12_000);
    expectSumsHold(engine, now);
  });
});
