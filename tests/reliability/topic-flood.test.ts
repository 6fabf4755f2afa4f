import { rmSync } from "node:fs";
import { join } from "node:path";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { type PrivateMosquitto, sleep, startMosquitto, waitUntil } from "@coreflux/test-support";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { AggregatorProcess, settleAtTruth } from "./helpers/aggregator";
import { aggregatorConfig, writeConfig } from "./helpers/config";
import { Observer } from "./helpers/observer";
import { scratchDir, uniqueCompany } from "./helpers/paths";
import { seedOf } from "./helpers/prng";
import { byLabel, sample } from "./helpers/prometheus";
import { report } from "./helpers/report";
import {
  LIVE_HEAP_GROWTH_BUDGET_BYTES,
  mib,
  RSS_CEILING_BYTES,
  RssSampler,
} from "./helpers/rss-sampler";
import {
  compareWithTruth,
  type ExpectedNode,
  mergeExpected,
  mustBeZero,
  truthNodes,
} from "./helpers/truth";

const SEED = seedOf(99_001);
const FLOOD = 1_000_000;
const MAX_DEVICES = 1000;
const INTERVAL_S = 0.5;
/** Flood messages published but not yet counted (see hostile-input.test.ts). */
const WINDOW = 5000;

const company = uniqueCompany("Flood");
const dir = scratchDir("flood");
const fleetOptions: FleetOptions = {
  seed: SEED,
  company,
  offices: 2,
  roomsPerOffice: 3,
  devicesPerRoom: 5,
  faults: { offline: 0.5, zero: 0.01, duplicate: 0.02, reorder: 0.02 },
};
/**
 * Devices placed by `[[devices]]` that say nothing until the flood has filled the device limit:
 * a Gen1 plug (watt-minutes) and a Gen2 plug under its default id. Their truth is written here.
 */
const LATE = {
  gen1: { match: "shellies/shellyplug-s-LA7E01", path: "Late/Lab/Plug" },
  gen2: { match: "shellyplusplugs-1a2b3c4d5e6f", path: "Late/Lab/Socket" },
};
const lateTruth = new Map<string, ExpectedNode>([
  [`${company}/Late/Lab/Plug`, { energyMwh: 2000, returnedEnergyMwh: 0 }], // 600 → 720 Wmin
  [`${company}/Late/Lab/Socket`, { energyMwh: 750, returnedEnergyMwh: 0 }], // 100 → 100.75 Wh
  [`${company}/Late/Lab`, { energyMwh: 2750, returnedEnergyMwh: 0 }],
  [`${company}/Late`, { energyMwh: 2750, returnedEnergyMwh: 0 }],
  [company, { energyMwh: 2750, returnedEnergyMwh: 0 }],
]);

/** A Gen2 switch status as the firmware writes it. */
function switchStatus(totalWh: number): string {
  return `{"id":0, "source":"timer", "output":true, "apower":12.4, "voltage":230.1, "freq":50.0, "current":0.054, "aenergy":{"total":${totalWh.toFixed(3)},"by_minute":[206.667,206.667,206.667],"minute_ts":1718100060}, "temperature":{"tC":38.9, "tF":102.0}}`;
}

let broker: PrivateMosquitto | undefined;
let observer: Observer | undefined;
let aggregator: AggregatorProcess | undefined;
let flooder: mqtt.MqttClient | undefined;

afterAll(async () => {
  await flooder?.endAsync();
  await aggregator?.stop();
  await observer?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("topic flood (1,000,000 distinct device topics)", () => {
  it(`tracks at most max_devices with one warning, bounded memory, and the real devices stay exact (seed ${SEED})`, async () => {
    const started = Date.now();
    const fleet = createFleet(fleetOptions);
    broker = await startMosquitto({ config: () => ["max_queued_messages 0"] });
    const url = broker.url;
    const rules = [...fleet.placements(), LATE.gen1, LATE.gen2];
    const configPath = writeConfig(
      dir,
      aggregatorConfig({
        company,
        url,
        clientId: `agg-${company}`,
        statePath: join(dir, "state.json"),
        intervalS: INTERVAL_S,
        maxDevices: MAX_DEVICES,
        placements: rules,
      }),
    );
    observer = await Observer.connect(url, company);
    aggregator = new AggregatorProcess(configPath);
    await aggregator.subscribed();
    const pid = aggregator.pid;
    const rss = new RssSampler(aggregator, 250);

    const stop = new AbortController();
    let legitPublished = 0;
    const legit = runSimulator({
      ...fleetOptions,
      url,
      speed: 120,
      qos: 1,
      signal: stop.signal,
      progressIntervalMs: 20,
      onProgress: (p) => {
        legitPublished = p.messages;
      },
    });
    // The real fleet is known before the flood starts.
    await waitUntil(
      async () => (await aggregator!.health()).body.devices === fleet.devices.length,
      `the ${fleet.devices.length} devices of the fleet`,
      30_000,
    );

    let counted = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        counted = await aggregator!.deviceMessagesCounted();
        await sleep(20);
      }
    })();
    flooder = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
    const floodStarted = Date.now();
    let liveHeapMid = 0;
    for (let i = 0; i < FLOOD; i++) {
      // Halfway: the bounded caches (topic shortcuts, parser memo) are full by now. RSS is
      // sampled up to here only: a heap snapshot leaves the RSS hundreds of MiB higher.
      if (i === FLOOD / 2) {
        rss.stop();
        liveHeapMid = await aggregator.liveHeapBytes();
      }
      flooder.publish(
        `${company}/Flood${i % 10}/Room${i % 100}/Device${i}/status/switch:0`,
        switchStatus(1000 + (i % 1000)),
        { qos: 0 },
      );
      if (flooder.stream.writableNeedDrain) {
        await new Promise((resolve) => flooder!.stream.once("drain", resolve));
      }
      if (i % 64 === 0) {
        while (i + 1 + legitPublished - counted > WINDOW) await sleep(2);
      }
    }
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    await waitUntil(() => counted >= FLOOD + legitPublished, "the flood to be counted", 60_000);
    polling = false;
    await poller;

    // The configured devices come after the flood: they must still be tracked.
    const late = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
    for (const wattMinutes of ["600", "720"]) {
      await late.publishAsync(`${LATE.gen1.match}/relay/0/energy`, wattMinutes, { qos: 1 });
      await sleep(50);
    }
    for (const wh of [100, 100.75]) {
      await late.publishAsync(`${LATE.gen2.match}/status/switch:0`, switchStatus(wh), { qos: 1 });
      await sleep(50);
    }
    await late.endAsync();

    await sleep(2000);
    stop.abort();
    const result = await legit;
    const expected = mergeExpected(truthNodes(result.truth), lateTruth);
    await settleAtTruth(
      aggregator,
      () => compareWithTruth(observer!.latest, expected, mustBeZero),
      INTERVAL_S,
    );
    const liveHeapEnd = await aggregator.liveHeapBytes();
    const samples = rss.samples;

    const m = await aggregator.metrics();
    const health = await aggregator.health();
    const rejected = byLabel(m, "coreflux_messages_rejected_total", "reason");
    const floodAdmitted = [...observer.latest].filter(
      ([path, a]) => a.level === "device" && path.startsWith(`${company}/Flood`),
    ).length;
    const warnings = aggregator.lines.filter(
      (l) => typeof l.msg === "string" && l.msg.startsWith("device limit reached"),
    );
    const peak = rss.peak;
    report("topic-flood", {
      seed: SEED,
      floodMessages: FLOOD,
      floodSeconds,
      floodPerSecond: Math.round(FLOOD / floodSeconds),
      maxDevices: MAX_DEVICES,
      devicesTracked: health.body.devices,
      fleetDevices: fleet.devices.length,
      placementRules: rules.length,
      floodDevicesAdmitted: floodAdmitted,
      rejected,
      limitWarnings: warnings.length,
      legitMessages: result.messages,
      rss: {
        first: mib(samples[0]!.rssBytes),
        peak: mib(peak),
        liveHeapHalfway: mib(liveHeapMid),
        liveHeapEnd: mib(liveHeapEnd),
        secondQuarterMedian: mib(rss.medianBetween(0.5, 1)),
        samples: samples.length,
      },
      logLines: aggregator.lines.length,
      wallS: Math.round((Date.now() - started) / 100) / 10,
    });

    // The real fleet and the late configured devices are exact; every flood device that got in
    // before the limit published 0 Wh (its one reading is its reference).
    expect(compareWithTruth(observer.latest, expected, mustBeZero)).toEqual([]);
    // Exactly max_devices tracked; the flood got what the fleet and the rules left, the rest of
    // it was refused and counted, with one warning.
    expect(health.body.devices).toBe(MAX_DEVICES);
    const topicPlacedFleet = fleet.devices.length - fleet.placements().length;
    expect(floodAdmitted).toBe(MAX_DEVICES - rules.length - topicPlacedFleet);
    expect(rejected).toEqual({ "device-limit": FLOOD - floodAdmitted });
    expect(sample(m, "coreflux_messages_received_total")).toBe(
      sample(m, "coreflux_messages_accepted_total") +
        Object.values(rejected).reduce((a, b) => a + b, 0) +
        Object.values(byLabel(m, "coreflux_messages_ignored_total", "reason")).reduce(
          (a, b) => a + b,
          0,
        ),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, maxDevices: MAX_DEVICES });
    expect(aggregator.pid).toBe(pid);
    expect(health).toMatchObject({ httpStatus: 200, body: { status: "ok" } });
    // Memory: a fixed RSS ceiling, and a live heap that stops growing once the caches are full.
    expect(peak).toBeLessThan(RSS_CEILING_BYTES);
    expect(
      liveHeapEnd - liveHeapMid,
      `live heap ${mib(liveHeapMid)} halfway, ${mib(liveHeapEnd)} at the end`,
    ).toBeLessThan(LIVE_HEAP_GROWTH_BUDGET_BYTES);
  });
});
