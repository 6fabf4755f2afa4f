import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createMqttClient, type MqttClient } from "@coreflux/mqtt-adapter";
import {
  createFleet,
  type FleetOptions,
  runSimulator,
  ShellySimulatorError,
} from "@coreflux/shelly-simulator";
import { type PrivateMosquitto, sleep, startMosquitto, waitUntil } from "@coreflux/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AggregatorProcess,
  deviceMessagesReceived,
  settleAtTruth,
  waitForQuiet,
} from "./helpers/aggregator";
import { aggregatorConfig, writeConfig } from "./helpers/config";
import { FleetStream } from "./helpers/fleet-stream";
import { Observer } from "./helpers/observer";
import { scratchDir, uniqueCompany } from "./helpers/paths";
import { seedOf } from "./helpers/prng";
import { report } from "./helpers/report";
import { readStateSummary } from "./helpers/state-file";
import { compareWithTruth, truthNodes } from "./helpers/truth";

const SEED = seedOf(7_331);
const INTERVAL_S = 0.5;
/** About 230 messages/s: what queues while the aggregator is away stays under Mosquitto's 1000. */
const SPEED = 120;
/**
 * No counter resets: a broker killed with SIGKILL loses what it acknowledged but had not
 * delivered, and a lost last reading before a reset is lost energy (RELIABILITY.md). Every other
 * fault is on.
 */
const fleetOptions = (company: string): FleetOptions => ({
  seed: SEED,
  company,
  offices: 2,
  roomsPerOffice: 3,
  devicesPerRoom: 5,
  faults: {
    offline: 0.5,
    zero: 0.01,
    spike: 0.01,
    duplicate: 0.02,
    reorder: 0.02,
    malformed: 0.01,
  },
});

let broker: PrivateMosquitto;
const dir = scratchDir("broker");

beforeAll(async () => {
  // Persistence in the test's temp dir: sessions, subscriptions and queued QoS 1 messages are
  // saved at a clean shutdown (and every autosave_interval, default 1800 s: never, here).
  broker = await startMosquitto({
    config: (d) => ["persistence true", `persistence_location ${d}/`],
  });
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("broker faults (private Mosquitto with persistence, stopped and restarted mid-stream)", () => {
  let aggregator: AggregatorProcess | undefined;
  let observer: Observer | undefined;
  let publisher: MqttClient | undefined;
  afterAll(async () => {
    await aggregator?.stop();
    await observer?.close();
    await publisher?.close();
  });

  it("the aggregator and the publisher reconnect after SIGKILL and SIGTERM of the broker; a queue survives a broker restart; totals equal the truth", async () => {
    const started = Date.now();
    const company = uniqueCompany("Broker");
    const clientId = `agg-${company}`;
    const statePath = join(dir, "state.json");
    const fleet = createFleet(fleetOptions(company));
    const meters = fleet.devices.reduce((n, d) => n + d.meters.length, 0);
    const configPath = writeConfig(
      dir,
      aggregatorConfig({
        company,
        url: broker.url,
        clientId,
        statePath,
        intervalS: INTERVAL_S,
        placements: fleet.placements(),
      }),
    );
    observer = await Observer.connect(broker.url, company);
    aggregator = new AggregatorProcess(configPath);
    await aggregator.subscribed();
    const pid = aggregator.pid;
    publisher = createMqttClient({
      url: broker.url,
      clientId: `fleet-${randomBytes(4).toString("hex")}`,
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
      publishQueue: { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024, maxInFlight: 100 },
    });
    await publisher.connect({ timeoutMs: 10_000 });
    const stream = new FleetStream(fleet, publisher, SPEED);
    stream.start();
    // A broker crash before the first readings were delivered would lose references.
    await waitUntil(
      () => readStateSummary(statePath)?.referenced === meters,
      `all ${meters} meter references in the state file`,
      30_000,
    );

    // 1. SIGKILL mid-stream, then 2. SIGTERM mid-stream: the same aggregator process reconnects.
    for (const [round, signal] of [
      [2, "SIGKILL"],
      [3, "SIGTERM"],
    ] as const) {
      await sleep(2000);
      await broker.kill(signal);
      await sleep(1000);
      await broker.restart();
      await aggregator.subscribed(round);
      await publisher.flush();
    }
    expect(aggregator.pid).toBe(pid);
    expect(aggregator.linesWith("connection lost")).toHaveLength(2);
    const connects = aggregator.linesWith("connected");
    expect(connects.map((l) => [l.reconnect, l.sessionPresent])).toEqual([
      [false, false],
      [true, false], // SIGKILL before any autosave: the broker forgot the session
      [true, true], // SIGTERM saved it: the session (and its subscriptions) came back
    ]);
    expect(publisher.stats().reconnects).toBe(2);

    // 3. The aggregator is away while the broker restarts: what was queued for its persistent
    // session must come back from the persistence file, every message of it.
    await sleep(1000);
    await stream.pause();
    await waitForQuiet(aggregator, 1000, 30_000);
    aggregator.kill("SIGKILL");
    await aggregator.exited;
    const before = stream.published;
    stream.resume();
    await sleep(2000);
    await stream.pause();
    const queued = stream.published - before;
    await broker.kill("SIGTERM");
    await broker.restart();
    aggregator = new AggregatorProcess(configPath);
    await aggregator.subscribed();
    const replayed = await waitForQuiet(aggregator, 1500, 30_000);
    expect(replayed).toBe(queued);
    stream.resume();

    await sleep(3000);
    const result = await stream.finish();
    const expected = truthNodes(result.truth);
    await settleAtTruth(aggregator, () => compareWithTruth(observer!.latest, expected), INTERVAL_S);
    expect(compareWithTruth(observer.latest, expected)).toEqual([]);
    const health = await aggregator.health();
    expect(health).toMatchObject({
      httpStatus: 200,
      body: { status: "ok", brokerConnected: true },
    });

    report("broker-faults", {
      seed: SEED,
      devices: fleet.devices.length,
      meters,
      messages: result.messages,
      faults: result.stats.faults,
      brokerStops: { SIGKILL: 1, SIGTERM: 2 },
      queuedAcrossBrokerRestart: queued,
      deliveredAfterRestart: replayed,
      companyMwh: result.truth.energyMwh,
      nodesCompared: expected.size,
      wallS: Math.round((Date.now() - started) / 100) / 10,
    });
    expect(deviceMessagesReceived(await aggregator.metrics())).toBeGreaterThan(0);
  });

  it("runSimulator itself gives up when the broker goes away (PUBLISH_FAILED), so the test above drives the fleet with a reconnecting client", async () => {
    const run = runSimulator({
      ...fleetOptions(uniqueCompany("BrokerSim")),
      url: broker.url,
      speed: 60,
      qos: 1,
    });
    await sleep(800);
    await broker.kill("SIGKILL");
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    await broker.restart();
    expect(error).toBeInstanceOf(ShellySimulatorError);
    expect(error).toMatchObject({ code: "PUBLISH_FAILED" });
  });
});
