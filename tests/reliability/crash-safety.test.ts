import { rmSync } from "node:fs";
import { join } from "node:path";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { sleep } from "@coreflux/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { AggregatorProcess, settleAtTruth } from "./helpers/aggregator";
import { aggregatorConfig, writeConfig } from "./helpers/config";
import { Observer } from "./helpers/observer";
import { SHARED_BROKER_URL, scratchDir, uniqueCompany } from "./helpers/paths";
import { Prng, seedOf } from "./helpers/prng";
import { report } from "./helpers/report";
import { discardSession } from "./helpers/session";
import { compareWithTruth, truthNodes } from "./helpers/truth";

const SEED = seedOf(20_261_126);
const KILLS = 20;
/** Publish cycle (and state write) interval of the aggregator under test, s. */
const INTERVAL_S = 0.5;
/**
 * 30 devices at 120 simulated seconds per second: about 230 messages/s, so a restart's gap
 * (under a second) queues a few hundred messages in the broker, well under Mosquitto's default
 * `max_queued_messages` (1000). Every fault is on, counter resets included: a kill -9 between
 * a reading and the next state write, followed by a reset, is what the state journal is for.
 */
const SPEED = 120;

const company = uniqueCompany("Crash");
const dir = scratchDir("crash");
const statePath = join(dir, "state.json");
const clientId = `agg-${company}`;
const fleetOptions: FleetOptions = {
  seed: SEED,
  company,
  offices: 2,
  roomsPerOffice: 3,
  devicesPerRoom: 5,
  faults: {
    reset: 2,
    offline: 0.5,
    zero: 0.01,
    spike: 0.01,
    duplicate: 0.02,
    reorder: 0.02,
    malformed: 0.01,
  },
};

let observer: Observer | undefined;
let aggregator: AggregatorProcess | undefined;
/** Every process of the run, killed ones included (for their logs). */
const processes: AggregatorProcess[] = [];

afterAll(async () => {
  await aggregator?.stop();
  await observer?.clearRetained(company);
  await observer?.close();
  await discardSession(SHARED_BROKER_URL, clientId);
  rmSync(dir, { recursive: true, force: true });
});

describe("crash safety (real Mosquitto, built CLI, kill -9)", () => {
  it(`totals equal the truth exactly after ${KILLS} kill -9 at random moments (seed ${SEED})`, async () => {
    const started = Date.now();
    const rng = new Prng(SEED);
    const fleet = createFleet(fleetOptions);
    const expectedMeters = fleet.devices.reduce((n, d) => n + d.meters.length, 0);
    const configPath = writeConfig(
      dir,
      aggregatorConfig({
        company,
        url: SHARED_BROKER_URL,
        clientId,
        statePath,
        intervalS: INTERVAL_S,
        placements: fleet.placements(),
      }),
    );
    observer = await Observer.connect(SHARED_BROKER_URL, company);
    // Home Assistant's `total_increasing` energy entities read these: they must never go down,
    // through counter resets and every kill -9 (the journal brings back what was published).
    const highest = new Map<string, number>();
    const decreases: string[] = [];
    observer.onAggregate((path, aggregate) => {
      const total = (aggregate.TotalEnergyConsumed ?? aggregate.TotalEnergy) as number | undefined;
      if (typeof total !== "number") return;
      const before = highest.get(path) ?? 0;
      if (total < before) decreases.push(`${path}: ${before} then ${total} Wh`);
      else highest.set(path, total);
    });
    aggregator = new AggregatorProcess(configPath);
    await aggregator.subscribed();

    const stop = new AbortController();
    let published = 0;
    const run = runSimulator({
      ...fleetOptions,
      url: SHARED_BROKER_URL,
      speed: SPEED,
      qos: 1,
      signal: stop.signal,
      progressIntervalMs: 20,
      onProgress: (p) => {
        published = p.messages;
      },
    });

    // No waiting for a first state write: with the state journal, a reading acknowledged but not
    // yet in the state file survives the kill, references included.
    const kills: { afterMs: number; subscribedBefore: boolean; gapMessages: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      // A random moment from the (re)start: some land before the restarted process has even
      // restored its state or connected, most while it is applying the stream.
      const afterMs = Math.round(rng.range(200, 2500));
      await sleep(afterMs);
      const subscribedBefore = aggregator.linesWith("subscribed").length > 0;
      aggregator.kill("SIGKILL");
      expect(await aggregator.exited).toEqual({ code: null, signal: "SIGKILL" });
      processes.push(aggregator);
      const publishedAtKill = published;
      aggregator = new AggregatorProcess(configPath);
      const restarted = aggregator;
      void restarted.subscribed(1, 60_000).then(
        () => {
          kills[k]!.gapMessages = published - publishedAtKill;
        },
        () => undefined,
      );
      kills.push({ afterMs, subscribedBefore, gapMessages: -1 });
    }
    await aggregator.subscribed();
    await sleep(2000);
    stop.abort();
    const result = await run;
    const expected = truthNodes(result.truth);

    // Settle: the last process catches up with what the broker queued, then totals must match.
    await settleAtTruth(aggregator, () => compareWithTruth(observer!.latest, expected), INTERVAL_S);
    expect(compareWithTruth(observer.latest, expected)).toEqual([]);
    expect(decreases, "a published total went down").toEqual([]);

    expect(kills).toHaveLength(KILLS);
    expect(
      aggregator.linesWith(/^state restored/)[0],
      "the last process restored the state",
    ).toMatchObject({ meters: expectedMeters });
    const metrics = await aggregator.metrics();
    expect(metrics.get("coreflux_state_write_failures_total")).toBe(0);
    expect(metrics.get("coreflux_state_journal_write_failures_total")).toBe(0);
    // The journal did the work: restarted processes applied readings no state file held.
    processes.push(aggregator);
    const replayedRecords = processes
      .flatMap((p) => p.linesWith(/^state journal replayed/))
      .reduce((sum, line) => sum + Number(line.records), 0);
    expect(replayedRecords).toBeGreaterThan(0);
    expect(result.stats.faults.reset).toBeGreaterThan(0);

    report("crash-safety", {
      seed: SEED,
      devices: fleet.devices.length,
      meters: expectedMeters,
      messages: result.messages,
      faults: result.stats.faults,
      kills: kills.length,
      killsBeforeSubscribed: kills.filter((k) => !k.subscribedBefore).length,
      resets: result.stats.faults.reset,
      journalRecordsReplayed: replayedRecords,
      maxMessagesPublishedWhileDown: Math.max(...kills.map((k) => k.gapMessages)),
      companyMwh: result.truth.energyMwh,
      nodesCompared: expected.size,
      wallS: Math.round((Date.now() - started) / 100) / 10,
    });
  });
});
