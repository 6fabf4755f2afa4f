import { describe, expect, it } from "vitest";
import { createFleet, type FaultRates, type FleetOptions, type SimMessage } from "../src/index";
import { collect, compareWithTruth, replay } from "./helpers/engine-replay";

const ALL_FAULTS: FaultRates = {
  reset: 0.3,
  offline: 0.2,
  zero: 0.01,
  spike: 0.01,
  duplicate: 0.02,
  reorder: 0.02,
  malformed: 0.01,
};

function simulate(options: FleetOptions, hours: number) {
  const fleet = createFleet({ company: "TruthCo", faults: ALL_FAULTS, ...options });
  const messages = collect(fleet, hours);
  return { fleet, messages, truth: fleet.truth(), stats: fleet.stats() };
}

/**
 * The key test: every message of a faulty run goes through shelly-schema's parser into the
 * hierarchy engine, as the aggregator does, and the engine's totals must equal the simulator's
 * truth to the mWh at device, room, office and company level.
 */
describe("the truth equals the hierarchy engine's totals, exactly", () => {
  const run = simulate(
    {
      seed: 11,
      offices: 3,
      roomsPerOffice: 5,
      devicesPerRoom: 20,
      startMs: Date.UTC(2026, 5, 1, 5),
    },
    4,
  );

  it("ran a faulty fleet of every model (300 devices, 4 simulated hours)", () => {
    const models = new Set(run.fleet.devices.map((d) => d.model));
    expect([...models].sort()).toEqual([
      "gen1-em",
      "gen1-plug-s",
      "plus-plug-s",
      "plus-pm-mini",
      "pro-3em",
      "pro-4pm",
    ]);
    const f = run.stats.faults;
    expect(f.reset).toBeGreaterThan(150);
    expect(f.offline).toBeGreaterThan(150);
    for (const kind of ["zero", "spike", "duplicate", "reorder", "malformed"] as const) {
      expect(f[kind]).toBeGreaterThan(1000);
    }
    expect(run.truth.energyMwh).toBeGreaterThan(100_000_000); // > 100 kWh
    expect(run.truth.returnedEnergyMwh).toBeGreaterThan(1_000_000); // PV export on Pro 3EM / Gen1 EM
  });

  it.each([
    ["with sys.uptime reboot hints", true],
    ["from counters alone", false],
  ])("at simulated time, %s", (_name, noteUptime) => {
    const { engine, rejected, outcomes } = replay(run.messages, "TruthCo", run.fleet.placements(), {
      noteUptime,
    });
    expect(rejected).toBe(run.stats.faults.malformed);
    expect(outcomes.get("reset")).toBeGreaterThan(100);
    expect(outcomes.get("glitch")).toBeGreaterThan(1000);
    expect(outcomes.get("rebased")).toBeUndefined();
    expect(compareWithTruth(engine, run.truth, run.fleet.nowMs)).toEqual([]);
  });

  it("at a compressed arrival time (a flood: 100 messages per ms), as a wall-clock aggregator sees it", () => {
    // Four hours of a fleet arrive in seconds (an aggregator catching up on a queue). Arrival
    // times so close say nothing about elapsed time, so a restart inside the flood cannot be
    // confirmed by its growth there: it waits for the devices' next reports, two minutes of
    // live traffic after the flood. Then everything is counted, exactly.
    const flood = simulate(
      {
        seed: 11,
        offices: 3,
        roomsPerOffice: 5,
        devicesPerRoom: 20,
        startMs: Date.UTC(2026, 5, 1, 5),
      },
      4,
    );
    const floodCount = flood.messages.length;
    const floodStartMs = Date.UTC(2026, 10, 26);
    const floodEndMs = floodStartMs + Math.floor(floodCount / 100);
    const lastSimMs = flood.fleet.nowMs;
    const live = [...flood.fleet.step(120_000), ...flood.fleet.settle()];
    const { engine } = replay([...flood.messages, ...live], "TruthCo", flood.fleet.placements(), {
      noteUptime: true,
      arrivalMs: (i) =>
        i < floodCount
          ? floodStartMs + Math.floor(i / 100)
          : floodEndMs + Math.max(1, live[i - floodCount]!.tsMs - lastSimMs),
    });
    expect(compareWithTruth(engine, flood.fleet.truth(), floodEndMs + 180_000)).toEqual([]);
  });

  it("with default-id topics placed by the placement rules, in another time zone", () => {
    const ids = simulate(
      {
        seed: 12,
        offices: 2,
        roomsPerOffice: 3,
        devicesPerRoom: 15,
        layout: "ids",
        timeZone: "Europe/Lisbon",
      },
      3,
    );
    expect(ids.fleet.placements()).toHaveLength(90);
    const { engine } = replay(ids.messages, "TruthCo", ids.fleet.placements(), {
      noteUptime: true,
    });
    expect(compareWithTruth(engine, ids.truth, ids.fleet.nowMs)).toEqual([]);
  });

  it("the comparison notices a single lost reading (the test can fail)", () => {
    // A lost reading in the middle is credited at the next one; the last one (from settle) is not.
    const last =
      run.messages.length -
      1 -
      [...run.messages]
        .reverse()
        .findIndex((m: SimMessage) => m.topic.endsWith("/status/switch:0"));
    const lossy = run.messages.filter((_, i) => i !== last);
    const { engine } = replay(lossy, "TruthCo", run.fleet.placements(), { noteUptime: true });
    const diffs = compareWithTruth(engine, run.truth, run.fleet.nowMs);
    expect(diffs.length).toBeGreaterThanOrEqual(4); // the device, its room, its office, the company
  });
});
