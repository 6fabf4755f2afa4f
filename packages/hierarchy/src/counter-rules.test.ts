import { describe, expect, it } from "vitest";
import { HOUR, MINUTE, setup, T0 } from "../test/helpers";

const device = "Coreflux/Porto/MeetingRoom/Light1";

describe("accounting rules", () => {
  it("counts nothing for the first reading and every increase after it", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(device);
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 52847.213 },
        { tsMs: T0 + MINUTE, energyWh: 52872.67 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 52873.001 },
      ]),
    ).toEqual(["reference", "accepted", "accepted"]);
    expect(energyMwh(device)).toBe(25_788);
    expect(engine.meterView(m).referenceWh).toBe(52873.001);
  });

  it("never sums raw counters: two plugs with large counters add only their increases", () => {
    const { meter, feed, energyMwh } = setup();
    const a = meter("C/O/R/PlugA");
    const b = meter("C/O/R/PlugB");
    feed(a, [
      { tsMs: T0, energyWh: 100_000 },
      { tsMs: T0 + MINUTE, energyWh: 100_010 },
    ]);
    feed(b, [
      { tsMs: T0, energyWh: 7_000_000 },
      { tsMs: T0 + MINUTE, energyWh: 7_000_005.5 },
    ]);
    expect(energyMwh("C/O/R")).toBe(15_500);
    expect(energyMwh("C")).toBe(15_500);
  });

  it("reset after a firmware update: a drop to near zero that keeps growing starts a new epoch", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(device);
    const outcomes = feed(m, [
      { tsMs: T0, energyWh: 52847.213 },
      { tsMs: T0 + MINUTE, energyWh: 52848.213 },
      { tsMs: T0 + 10 * MINUTE, energyWh: 0.012 },
      { tsMs: T0 + 11 * MINUTE, energyWh: 0.03 },
      { tsMs: T0 + 12 * MINUTE, energyWh: 1.03 },
    ]);
    expect(outcomes).toEqual(["reference", "accepted", "reset-suspected", "reset", "accepted"]);
    // 1 Wh before, then everything the counter shows since it restarted from zero.
    expect(energyMwh(device)).toBe(1000 + 1030);
    expect(engine.meterView(m).epoch).toBe(1);
  });

  it("X → 0 → X during a restart adds nothing and loses nothing", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 35_600 },
        { tsMs: T0 + MINUTE, energyWh: 0 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 35_600 },
        { tsMs: T0 + 3 * MINUTE, energyWh: 0 },
        { tsMs: T0 + 3 * MINUTE + 10, energyWh: 0 }, // a copy of the same message
        { tsMs: T0 + 5 * MINUTE, energyWh: 35_600.25 },
      ]),
    ).toEqual(["reference", "reset-suspected", "glitch", "reset-suspected", "duplicate", "glitch"]);
    expect(energyMwh(device)).toBe(250);
  });

  it("zeros that repeat are a restart, until the old counter comes back: then only its growth counts", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    // Refoss#14, solax#2252: a device reading 0 for minutes while it boots, then its old value.
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 35_600 },
        { tsMs: T0 + MINUTE, energyWh: 0 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 0 },
        { tsMs: T0 + 3 * MINUTE, energyWh: 0 },
        { tsMs: T0 + 4 * MINUTE, energyWh: 35_600.25 },
        { tsMs: T0 + 5 * MINUTE, energyWh: 35_600.5 },
      ]),
    ).toEqual(["reference", "reset-suspected", "reset", "duplicate", "spike-rejected", "glitch"]);
    expect(energyMwh(device)).toBe(500);
  });

  it("a momentary 0 on a 53 MWh meter does not become a 53 MWh slot (evcc#30592)", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter("Site/Grid/Main/Meter", "emdata:0");
    feed(m, [
      { tsMs: T0, energyWh: 53_712_004.5 },
      { tsMs: T0 + MINUTE, energyWh: 0 },
      { tsMs: T0 + 2 * MINUTE, energyWh: 53_712_090.5 },
    ]);
    expect(energyMwh("Site")).toBe(86_000);
  });

  it("restored-value rounding (544.587493 → 544.587) is jitter, not a reset", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(device);
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 544.5 },
        { tsMs: T0 + MINUTE, energyWh: 544.587493 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 544.587 },
        { tsMs: T0 + 3 * MINUTE, energyWh: 544.3 },
        { tsMs: T0 + 4 * MINUTE, energyWh: 545 },
      ]),
    ).toEqual(["reference", "accepted", "duplicate", "jitter", "accepted"]);
    expect(energyMwh(device)).toBe(500);
    expect(engine.meterView(m).epoch).toBe(0);
  });

  it("a stale, re-delivered value is recognised by the device's own clock and ignored", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    const at = (minute: number, deliveredAt: number, energyWh: number) => ({
      tsMs: T0 + deliveredAt * MINUTE,
      deviceTsMs: T0 + minute * MINUTE,
      energyWh,
      powerW: 3000,
    });
    expect(
      feed(m, [
        at(0, 0, 1000),
        at(1, 1, 1050),
        at(0, 2, 1000), // the first reading, delivered again
        at(0.4, 3, 1020), // a late one
        at(2, 4, 1100),
      ]),
    ).toEqual(["reference", "accepted", "backward", "backward", "accepted"]);
    expect(energyMwh(device)).toBe(100_000);
  });

  it("without device time, late copies that grow faster than time allows are not a restart", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    // 500 W: 8.3 Wh a minute. 1000 and 1004 arrive 100 ms apart after a reconnect: two late
    // copies, not a counter restored to 1000 that then grew 4 Wh in a tenth of a second.
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 1000, powerW: 500 },
        { tsMs: T0 + MINUTE, energyWh: 1008.3, powerW: 500 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 1000 },
        { tsMs: T0 + 2 * MINUTE + 100, energyWh: 1004 },
        { tsMs: T0 + 3 * MINUTE, energyWh: 1025, powerW: 500 },
      ]),
    ).toEqual(["reference", "accepted", "reset-suspected", "reset-suspected", "glitch"]);
    expect(energyMwh(device)).toBe(25_000);
  });

  it("a device offline for a month coming back with the same counter adds nothing (frontend#28177)", () => {
    const { engine, meter, feed, energyMwh, node } = setup();
    const m = meter(device);
    feed(m, [
      { tsMs: T0, energyWh: 1400_000 },
      { tsMs: T0 + MINUTE, energyWh: 1400_010 },
    ]);
    const later = T0 + 31 * 24 * HOUR;
    expect(feed(m, [{ tsMs: later, energyWh: 1400_010 }])).toEqual(["duplicate"]);
    expect(energyMwh(device)).toBe(10_000);
    const view = engine.view(node(device), later);
    expect([view.energyTodayMwh, view.energyThisMonthMwh]).toEqual([0, 0]);
  });

  it("rejects an implausible spike and discards it when the counter returns", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 1000 },
        { tsMs: T0 + MINUTE, energyWh: 1_000_000_000 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 1000.5 },
      ]),
    ).toEqual(["reference", "spike-rejected", "glitch"]);
    expect(energyMwh(device)).toBe(500);
  });

  it("a held rise survives a higher outlier after it: the next reading back at it confirms it", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    const at = (s: number) => T0 + s * 1000;
    const outcomes = feed(m, [
      { tsMs: at(0), energyWh: 118.829, powerW: 0, deviceTsMs: at(0) },
      // 7.4 Wh in a minute while both power reports said 0 W: held, not yet credited.
      { tsMs: at(60), energyWh: 126.242, powerW: 0, deviceTsMs: at(60) },
      // A corrupted value far beyond the limit replaces it as the held reading ...
      { tsMs: at(120), energyWh: 9533.506, powerW: 0, deviceTsMs: at(120) },
      // ... and a later reading back at the first confirms the first (the counter stayed there).
      { tsMs: at(180), energyWh: 126.242, powerW: 0, deviceTsMs: at(180) },
      { tsMs: at(240), energyWh: 126.242, powerW: 0, deviceTsMs: at(240) },
    ]);
    expect(outcomes).toEqual([
      "reference",
      "spike-rejected",
      "spike-rejected",
      "accepted",
      "duplicate",
    ]);
    expect(energyMwh(device)).toBe(7_413);
  });

  it("re-bases when a jump is confirmed: the jump is not consumption, what follows is", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(device);
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 100 },
        { tsMs: T0 + MINUTE, energyWh: 5_000_000 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 5_000_010 },
        { tsMs: T0 + 3 * MINUTE, energyWh: 5_000_020 },
      ]),
    ).toEqual(["reference", "spike-rejected", "rebased", "accepted"]);
    expect(energyMwh(device)).toBe(20_000);
    expect(engine.meterView(m).epoch).toBe(1);
  });

  it("twice the average power never allows more than the meter can draw (a replaced meter near its rating)", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter("Site/Plant/Hall/Main", "em:0");
    engine.setRatedPower(m, 60_000);
    const at = (s: number) => T0 + s * 1000;
    const outcomes = feed(m, [
      { tsMs: at(0), energyWh: 100_000, powerW: 59_000, deviceTsMs: at(0) },
      { tsMs: at(60), energyWh: 100_983, powerW: 59_000, deviceTsMs: at(60) },
      // The meter was swapped for one reading 2 kWh higher: 100 s at 59-66 kW is under 2 kWh,
      // so 2.8 kWh more is a new level, although (59 + 60) kW × 100 s would allow 3.3 kWh.
      { tsMs: at(160), energyWh: 103_800, powerW: 66_000, deviceTsMs: at(160) },
      { tsMs: at(220), energyWh: 104_900, powerW: 66_000, deviceTsMs: at(220) },
    ]);
    expect(outcomes).toEqual(["reference", "accepted", "spike-rejected", "rebased"]);
    expect(energyMwh("Site")).toBe(983_000 + 1_100_000);
  });

  it("a held rise is confirmed by growth the meter could draw, even where its power reports missed it", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(device);
    engine.setRatedPower(m, 2500);
    const at = (s: number) => T0 + s * 1000;
    const outcomes = feed(m, [
      { tsMs: at(0), energyWh: 390, powerW: 240, deviceTsMs: at(0) },
      // A replaced plug, 10.8 kWh higher.
      { tsMs: at(600), energyWh: 11_187.3, powerW: 240, deviceTsMs: at(600) },
      // 8.5 Wh in 39 s (785 W, a kettle between two reports of 240 and 408 W): within the
      // plug's limit, so the new level is real and this growth is consumption.
      { tsMs: at(639), energyWh: 11_195.8, powerW: 408, deviceTsMs: at(639) },
      { tsMs: at(680), energyWh: 11_200.4, powerW: 408, deviceTsMs: at(680) },
    ]);
    expect(outcomes).toEqual(["reference", "spike-rejected", "rebased", "accepted"]);
    expect(energyMwh(device)).toBe(8_500 + 4_600);
  });

  it("the power held at the start of a span counts as flow: a meter that drew power, then exports, grew", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter("Site/Roof/Inverter/Meter", "em:0");
    engine.setRatedPower(m, 5000);
    // Arrival times 30 s apart (no device clock) are too close for the power to judge the step;
    // what remains is "no growth while every report since says the energy went the other way",
    // and the 2 kW held until the export report says it went this way.
    const outcomes = feed(m, [
      { tsMs: T0, energyWh: 1000, returnedEnergyWh: 50, powerW: 2000 },
      { tsMs: T0 + 30_000, energyWh: 1016, returnedEnergyWh: 50.5, powerW: -500 },
    ]);
    expect(outcomes).toEqual(["reference", "accepted"]);
    expect(energyMwh("Site")).toBe(16_000);
  });

  it("a 3-phase meter that imports and exports at once: each counter is judged by its own direction", () => {
    const at = (s: number) => T0 + s * 1000;
    // Phase A exports 2 kW of solar while B and C import 2.5 kW: the net is +0.5 kW, but the
    // returned counter grows by 2 kW x 60 s = 33.3 Wh and the active one by 41.7 Wh.
    const readings = [
      { tsMs: at(0), energyWh: 5000, returnedEnergyWh: 800, powerW: 500 },
      { tsMs: at(30), powerW: 500 },
      { tsMs: at(60), energyWh: 5041.7, returnedEnergyWh: 833.3, powerW: 500 },
    ];
    const net = setup();
    const n = net.meter("Site/Plant/Board/Pro3EM", "em:0");
    net.feed(n, readings);
    // By the net alone, the returned counter cannot grow: its rise is held.
    expect(net.engine.meterView(n).returnedEnergyMwh).toBe(0);
    const split = setup();
    const s3 = split.meter("Site/Plant/Board/Pro3EM", "em:0");
    split.feed(
      s3,
      readings.map((r) => ({ ...r, importPowerW: 2500, exportPowerW: 2000 })),
    );
    expect(split.engine.meterView(s3).returnedEnergyMwh).toBe(33_300);
    expect(split.engine.meterView(s3).energyMwh).toBe(41_700);
    expect(split.engine.meterView(s3).powerW).toBe(500);
  });

  it("power by direction must be finite and non-negative", () => {
    const { engine, meter } = setup();
    const m = meter("Site/Plant/Board/Pro3EM", "em:0");
    expect(engine.ingest(m, { tsMs: T0, powerW: 1, importPowerW: -1, exportPowerW: 0 })).toBe(
      "invalid",
    );
    expect(engine.ingest(m, { tsMs: T0, powerW: 1, importPowerW: 1, exportPowerW: Infinity })).toBe(
      "invalid",
    );
  });

  it("plausibility: 60 kW by default, overridable per meter", () => {
    const overrides = setup({
      maxPowerWFor: (path, meterId) =>
        path.at(-1) === "Charger" && meterId === "em1:0" ? 300_000 : undefined,
    });
    const charger = overrides.meter("C/O/Garage/Charger", "em1:0");
    const heater = overrides.meter("C/O/Garage/Heater", "em1:0");
    // 2 kWh in one minute is 120 kW.
    const readings = [
      { tsMs: T0, energyWh: 10_000 },
      { tsMs: T0 + MINUTE, energyWh: 12_000 },
    ];
    expect(overrides.feed(charger, readings)).toEqual(["reference", "accepted"]);
    expect(overrides.feed(heater, readings)).toEqual(["reference", "spike-rejected"]);
    expect(overrides.engine.meterView(charger).maxPowerW).toBe(300_000);
    expect(overrides.engine.meterView(heater).maxPowerW).toBe(60_000);
  });

  it("a burst of messages within one second cannot make a normal increase look like a spike", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    // Ten minutes of a 3 kW load, queued by the broker and delivered 5 ms apart.
    const burst = Array.from({ length: 11 }, (_, i) => ({
      tsMs: T0 + i * 5,
      energyWh: 1000 + i * 50,
    }));
    const outcomes = feed(m, burst);
    expect(outcomes.filter((o) => o === "accepted")).toHaveLength(10);
    expect(energyMwh(device)).toBe(500_000);
  });

  it("a corrupted value inside a burst is not credited, even within the limit since the outage began", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(device);
    engine.setRatedPower(m, 3680);
    // No power reports; an outage of 8 minutes, then the queue: the counter stood still, one
    // value among the queued ones is corrupted (within 3.68 kW × 8 min of the reference, beyond
    // what it can draw in a minute).
    const outcomes = feed(m, [
      { tsMs: T0, energyWh: 1010 },
      { tsMs: T0 + 10_000, energyWh: 1010 },
      { tsMs: T0 + 8 * MINUTE, energyWh: 1010 },
      { tsMs: T0 + 8 * MINUTE + 2, energyWh: 1154 },
      { tsMs: T0 + 8 * MINUTE + 4, energyWh: 1010 },
      { tsMs: T0 + 8 * MINUTE + 10_000, energyWh: 1010 },
    ]);
    expect(outcomes).toEqual([
      "reference",
      "duplicate",
      "duplicate",
      "spike-rejected",
      "glitch",
      "duplicate",
    ]);
    expect(energyMwh(device)).toBe(0);
  });

  it("a re-delivered copy of the reference inside a burst does not make a rise over the outage look sudden", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    // Idle at 1000 Wh, then 70 minutes without reports while a 1.5 kW load ran. The queue
    // brings 2750 Wh, an old copy of 1000 Wh, and 2750 Wh again: the copy was measured some time
    // during the outage, not when the queue arrived, so 1750 Wh over 70 minutes stays plausible.
    const outcomes = feed(m, [
      { tsMs: T0, energyWh: 1000, powerW: 5 },
      { tsMs: T0 + MINUTE, energyWh: 1000, powerW: 5 },
      { tsMs: T0 + 71 * MINUTE, energyWh: 2750, powerW: 0.2 },
      { tsMs: T0 + 71 * MINUTE + 3, energyWh: 1000, powerW: 5 },
      { tsMs: T0 + 71 * MINUTE + 6, energyWh: 2750, powerW: 0.2 },
      { tsMs: T0 + 71 * MINUTE + 10_000, energyWh: 2752, powerW: 0.2 },
    ]);
    expect(outcomes.at(-1)).toBe("accepted");
    expect(energyMwh(device)).toBe(1_752_000);
  });

  it("a restart inside a burst is confirmed at its low value; growth only the burst explains waits", () => {
    const { engine, meter, feed, energyMwh } = setup();
    const m = meter(device);
    engine.setRatedPower(m, 3680);
    // 4327 Wh, reset to 0 during a 9-minute outage; among the queued zeros one corrupted value
    // of 194 Wh (within 3.68 kW × 9 min of zero, beyond what it draws in a minute), then zeros
    // again: nothing was consumed.
    const queued = T0 + 10 * MINUTE;
    const outcomes = feed(m, [
      { tsMs: T0, energyWh: 4327, powerW: 0 },
      { tsMs: T0 + MINUTE, energyWh: 4327, powerW: 0 },
      { tsMs: queued, energyWh: 0, powerW: 0 },
      { tsMs: queued + 2, energyWh: 0, powerW: 0 },
      { tsMs: queued + 4, energyWh: 194, powerW: 0 },
      { tsMs: queued + 6, energyWh: 0, powerW: 0 },
      { tsMs: queued + MINUTE, energyWh: 0, powerW: 300 },
      { tsMs: queued + 2 * MINUTE, energyWh: 5, powerW: 300 },
    ]);
    expect(outcomes.slice(2)).toEqual([
      "reset-suspected",
      "duplicate",
      "reset",
      "glitch",
      "duplicate",
      "accepted",
    ]);
    expect(energyMwh(device)).toBe(5000);
  });

  it("duplicates are free", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    const r1 = { tsMs: T0, energyWh: 10, powerW: 50 };
    const r2 = { tsMs: T0 + MINUTE, energyWh: 12, powerW: 60 };
    expect(feed(m, [r1, r1, r2, r2, r2])).toEqual([
      "reference",
      "duplicate",
      "accepted",
      "duplicate",
      "duplicate",
    ]);
    expect(energyMwh(device)).toBe(2000);
  });

  it("a reboot seen in the uptime does not confirm a drop alone: the readings must agree", () => {
    const { engine, meter, feed, energyMwh, node } = setup();
    const m = meter(device);
    feed(m, [{ tsMs: T0, energyWh: 3071.75, powerW: 24 }]);
    expect(engine.noteUptime(node(device), 86_400, T0)).toBe(false);
    expect(engine.noteUptime(node(device), 20, T0 + 5 * MINUTE)).toBe(true);
    expect(
      feed(m, [
        { tsMs: T0 + 5 * MINUTE, energyWh: 0.4, powerW: 24 },
        { tsMs: T0 + 6 * MINUTE, energyWh: 0.8, powerW: 24 },
      ]),
    ).toEqual(["reset-suspected", "reset"]);
    expect(energyMwh(device)).toBe(800);
  });

  it("zeros after a reboot, then the old value: the zeros were not a restart (Refoss#14)", () => {
    const { engine, meter, feed, energyMwh, node } = setup();
    const m = meter(device);
    engine.setRatedPower(m, 2880);
    feed(m, [{ tsMs: T0, energyWh: 10_000 }]);
    engine.noteUptime(node(device), 3600, T0);
    engine.noteUptime(node(device), 5, T0 + MINUTE);
    expect(
      feed(m, [
        { tsMs: T0 + MINUTE, energyWh: 0 },
        { tsMs: T0 + 2 * MINUTE, energyWh: 0 },
        { tsMs: T0 + 3 * MINUTE, energyWh: 10_000.2 },
        { tsMs: T0 + 4 * MINUTE, energyWh: 10_000.3 },
      ]),
    ).toEqual(["reset-suspected", "reset", "spike-rejected", "glitch"]);
    expect(energyMwh(device)).toBe(300);
  });

  it("an off plug that reset keeps reading 0, then counts from zero when it draws power", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    expect(
      feed(m, [
        { tsMs: T0, energyWh: 900 },
        { tsMs: T0 + MINUTE, energyWh: 0 },
        { tsMs: T0 + 2 * HOUR, energyWh: 0 },
        { tsMs: T0 + 3 * HOUR, energyWh: 0.25 },
      ]),
    ).toEqual(["reference", "reset-suspected", "reset", "accepted"]);
    expect(energyMwh(device)).toBe(250);
  });

  it("marks invalid numbers and applies nothing", () => {
    const { meter, feed, energyMwh } = setup();
    const m = meter(device);
    feed(m, [{ tsMs: T0, energyWh: 10 }]);
    expect(
      feed(m, [
        { tsMs: T0 + MINUTE, energyWh: -1 },
        { tsMs: T0 + MINUTE, energyWh: Number.POSITIVE_INFINITY },
        { tsMs: T0 + MINUTE, energyWh: 11, powerW: Number.NaN },
        { tsMs: T0 + MINUTE, powerW: Number.POSITIVE_INFINITY },
        { tsMs: T0 + MINUTE, returnedEnergyWh: -5 },
      ]),
    ).toEqual(["invalid", "invalid", "accepted", "invalid", "invalid"]);
    expect(energyMwh(device)).toBe(1000);
  });

  it("throws HierarchyError for a bad handle or a non-finite time", () => {
    const { engine, meter } = setup();
    const m = meter(device);
    expect(() => engine.ingest(99, { tsMs: T0 })).toThrowError(
      expect.objectContaining({ name: "HierarchyError", code: "INVALID_ARGUMENT" }),
    );
    expect(() => engine.ingest(m, { tsMs: Number.NaN })).toThrowError(/tsMs must be finite/);
  });

  it("a 3-phase meter exporting: returned energy counts separately and power stays signed", () => {
    const { engine, meter, feed, node } = setup();
    const power = meter("C/Plant/Roof/Pro3EM", "em:0");
    const energy = meter("C/Plant/Roof/Pro3EM", "emdata:0");
    feed(power, [{ tsMs: T0, powerW: -558.965 }]);
    feed(energy, [
      { tsMs: T0, energyWh: 3_089_773.4, returnedEnergyWh: 1_875_498.24 },
      { tsMs: T0 + MINUTE, energyWh: 3_089_775.05, returnedEnergyWh: 1_875_521.5 },
    ]);
    const view = engine.view(node("C/Plant"), T0 + MINUTE);
    expect(view.energyMwh).toBe(1650);
    expect(view.returnedEnergyMwh).toBe(23_260);
    expect(view.powerW).toBe(-558.965);
  });

  it("a device's totals are the sum of its channels (Pro 4PM)", () => {
    const { engine, meter, feed, node } = setup();
    const channels = [0, 1, 2, 3].map((i) => meter("C/O/Lab/Pro4PM", `switch:${i}`));
    for (const [i, m] of channels.entries()) {
      feed(m, [
        { tsMs: T0, energyWh: 845_120.334 + i, powerW: 100 * i },
        { tsMs: T0 + MINUTE, energyWh: 845_121.334 + 2 * i, powerW: 100 * i + 0.5 },
      ]);
    }
    const view = engine.view(node("C/O/Lab/Pro4PM"), T0 + MINUTE);
    expect(view.energyMwh).toBe(1000 + 2000 + 3000 + 4000);
    expect(view.powerW).toBe(602);
    expect(view.meters).toEqual({ online: 4, stale: 0, offline: 0 });
    expect(view.devices).toEqual({ online: 1, stale: 0, offline: 0 });
    expect(engine.metersOf(node("C/O/Lab/Pro4PM"))).toHaveLength(4);
  });
});

describe("tree and limits", () => {
  it("refuses meters past maxMeters without creating nodes", () => {
    const { engine, meter } = setup({ maxMeters: 2 });
    meter("C/O/R/A");
    meter("C/O/R/A", "switch:1");
    expect(engine.meter(["C", "O2", "R", "B"], "switch:0")).toEqual({ ok: false, reason: "limit" });
    expect(engine.findNode(["C", "O2"])).toBeUndefined();
    // Known meters still resolve.
    expect(engine.meter(["C", "O", "R", "A"], "switch:1")).toMatchObject({
      ok: true,
      created: false,
    });
  });

  it("reports discovered nodes top-down, once", () => {
    const { engine } = setup();
    const first = engine.meter(["C", "O", "R", "D"], "switch:0");
    expect(first.ok && first.discovered.map((id) => engine.view(id, T0).path.join("/"))).toEqual([
      "C",
      "C/O",
      "C/O/R",
      "C/O/R/D",
    ]);
    const second = engine.meter(["C", "O", "R2", "D"], "switch:0");
    expect(second.ok && second.discovered.map((id) => engine.view(id, T0).name)).toEqual([
      "R2",
      "D",
    ]);
    expect(engine.meter(["C", "O", "R", "D"], "switch:0")).toMatchObject({
      created: false,
      discovered: [],
    });
  });

  it("refuses invalid paths and paths that conflict with the tree", () => {
    const { engine, meter } = setup();
    meter("C/O/R/D");
    expect(engine.meter([], "switch:0")).toEqual({ ok: false, reason: "invalid-path" });
    expect(engine.meter(["C", ""], "switch:0")).toEqual({ ok: false, reason: "invalid-path" });
    expect(engine.meter(["C", "O"], "")).toEqual({ ok: false, reason: "invalid-path" });
    expect(engine.meter(["C", "O", "R", "D", "X"], "switch:0")).toEqual({
      ok: false,
      reason: "path-conflict",
    });
    expect(engine.meter(["C", "O", "R"], "switch:0")).toEqual({
      ok: false,
      reason: "path-conflict",
    });
  });

  it("validates options", () => {
    expect(() => setup({ timeZone: "Mars/Olympus" })).toThrowError(/unknown time zone/);
    expect(() => setup({ maxPowerW: 0 })).toThrowError(/maxPowerW/);
    expect(() => setup({ maxClockSkewMs: -1 })).toThrowError(/maxClockSkewMs/);
    expect(() => setup({ creditSlotMinutes: 7 as 5 })).toThrowError(/creditSlotMinutes/);
    expect(() => setup({ maxMeters: 1.5 })).toThrowError(/maxMeters/);
  });
});
