import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMqttClient, type MqttClient } from "@coreflux/mqtt-adapter";
import { createFleet, type EnergyTruth, type FleetOptions } from "@coreflux/shelly-simulator";
import {
  freePort,
  type ProcessExit,
  sleep,
  type TestBroker,
  waitUntil,
} from "@coreflux/test-support";
// The reliability suite's helpers, imported as they are (not copied): the aggregator as a
// JSON-logging process, its config, the paced fleet, the observer and the truth comparison.
import { AggregatorProcess, settleAtTruth, waitForQuiet } from "../reliability/helpers/aggregator";
import { aggregatorConfig, writeConfig } from "../reliability/helpers/config";
import { FleetStream } from "../reliability/helpers/fleet-stream";
import { Observer } from "../reliability/helpers/observer";
import { byLabel } from "../reliability/helpers/prometheus";
import { readStateSummary } from "../reliability/helpers/state-file";
import { compareWithTruth, type ExpectedNode, truthNodes } from "../reliability/helpers/truth";

/** Publish cycle of the aggregator under test, s. */
export const INTERVAL_S = 0.5;
/**
 * Simulated seconds per wall second: the reliability suite's pace. 12 devices publish about
 * 100 messages/s, so a 2 s outage queues a few hundred (under Mosquitto's 1000 per session).
 */
export const SPEED = 120;
/** Wall time between two faults, ms: the fleet keeps publishing through all of them. */
const STEADY_MS = 1500;
/** Wall time the fleet publishes while a kill -9'd aggregator is away, ms. */
const AWAY_MS = 2000;

/**
 * Where the aggregator's broker is. `external`: a {@link TestBroker} the test started.
 * `embedded`: the aggregator's own (no `[mqtt] url`, `[mqtt.embedded] port`), which lives and
 * dies with the aggregator process: a "broker restart" is the aggregator's restart, and what
 * the fleet publishes meanwhile waits in the fleet's client, not in a broker session.
 */
export type ScenarioBroker =
  | { kind: "external"; broker: TestBroker }
  | { kind: "embedded"; name: string; port: number };

/** An embedded-broker setup on a free port of 127.0.0.1. */
export async function embeddedBroker(): Promise<ScenarioBroker> {
  return { kind: "embedded", name: "embedded", port: await freePort() };
}

/** One aggregator process of a scenario; everything is optional. */
export interface AggregatorSpec {
  /** Label in its client id and folder. Default `agg<index>`. */
  label?: string;
  /** `[mqtt] protocol_version`. Default 4. */
  protocolVersion?: 4 | 5;
  /** `[mqtt] url`. Default: the broker's `serviceUrl` (none with the embedded broker). */
  url?: string;
  /** More `[mqtt]` keys as TOML lines (`urls = [...]`, `keepalive_seconds = 5`). */
  mqttLines?: readonly string[];
  /** TOML appended to the config after every table (`[rollup]`, `[[devices]]`, ...). */
  extraToml?: string;
}

/** What a scenario runs. */
export interface ScenarioOptions {
  broker: ScenarioBroker;
  /** Goes into the company name: `Interop<label><hex>`. Letters and digits only (NATS). */
  label: string;
  /** The company (first topic level); default `Interop<label><hex>`. */
  company?: string;
  /** The aggregators; default one with the defaults. Every fault applies to each of them. */
  aggregators?: readonly AggregatorSpec[];
  /** Fleet overrides; default 2 offices × 2 rooms × 3 devices, the default model mix. */
  fleet?: Partial<FleetOptions>;
  /** Where the observer reads the totals. Default: the first aggregator's broker. */
  observeUrl?: string;
  /** What the published totals must equal. Default: every node of the truth. */
  expected?: (truth: EnergyTruth) => Map<string, ExpectedNode>;
  /**
   * Also restart the broker while the kill -9'd aggregators are away (their queues must survive
   * it). Default true for an external broker.
   */
  restartBrokerWhileAway?: boolean;
  /** Called after each step with its name, for brokers that add their own faults. */
  onStep?: (step: ScenarioStep) => Promise<void> | void;
}

/** A company name no other run uses (retained topics and sessions never collide); no dots or spaces. */
export function uniqueCompany(label: string): string {
  return `Interop${label}${randomBytes(3).toString("hex")}`;
}

/** The steps of {@link runScenario}, in order. */
export type ScenarioStep = "references" | "broker-restart" | "sigterm" | "kill9" | "finished";

/** What a scenario saw; the test asserts on it. */
export interface ScenarioResult {
  company: string;
  devices: number;
  meters: number;
  /** Messages the fleet published (every one acknowledged by the broker). */
  published: number;
  companyMwh: number;
  nodesCompared: number;
  /** Differences between the published totals and the truth; empty when exact. */
  differences: string[];
  /** How each process of the first SIGTERM ended (one per aggregator). */
  sigtermExits: ProcessExit[];
  /** How each process of the final SIGTERM ended. */
  finalExits: ProcessExit[];
  /**
   * Device messages published while the aggregators were kill -9'd, and what each restarted
   * aggregator received until it went quiet: equal when the broker kept every one for its
   * persistent session. Undefined with the embedded broker (they wait in the fleet's client).
   */
  queuedWhileAway: number | undefined;
  replayedAfterRestart: number[] | undefined;
  /** `coreflux_messages_rejected_total` by reason at the end, per aggregator. */
  rejected: Record<string, number>[];
  /** `coreflux_messages_ignored_total` by reason at the end, per aggregator. */
  ignored: Record<string, number>[];
  /** The aggregators' `connected` log lines (reconnect, sessionPresent), per process, in order. */
  connects: { reconnect: unknown; sessionPresent: unknown }[][];
  /**
   * Topics a `#` subscriber on the service's broker saw that the fleet and the aggregator did not
   * publish (first two levels): a broker's internals.
   */
  foreignTopics: string[];
  /** Seconds spent in each step. */
  stepS: Record<string, number>;
  wallS: number;
}

/** A live aggregator slot: its config and the processes it ran, oldest first. */
interface Slot {
  configPath: string;
  statePath: string;
  url: string;
  clientId: string;
  processes: AggregatorProcess[];
}

const current = (slot: Slot): AggregatorProcess => slot.processes[slot.processes.length - 1]!;

/**
 * The interop scenario: a simulated fleet publishes at {@link SPEED}× through a reconnecting
 * QoS 1 client; the built aggregator(s) aggregate; then (a) the broker restarts, (b) every
 * aggregator gets SIGTERM and starts again, (c) every aggregator is kill -9'd while the fleet
 * publishes, the broker restarts while they are away, and they start again; then the fleet
 * settles and the published totals are compared with the truth, and a final SIGTERM ends every
 * aggregator. Returns what it saw; cleans up every process, client and folder.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const stepS: Record<string, number> = {};
  let stepStart = Date.now();
  const mark = async (step: ScenarioStep) => {
    stepS[step] = Math.round((Date.now() - stepStart) / 100) / 10;
    await options.onStep?.(step);
    stepStart = Date.now();
  };
  const company = options.company ?? uniqueCompany(options.label);
  const dir = mkdtempSync(join(tmpdir(), `coreflux-interop-${options.label}-`));
  const setup = options.broker;
  const external = setup.kind === "external" ? setup.broker : undefined;
  const embeddedUrl = setup.kind === "embedded" ? `mqtt://127.0.0.1:${setup.port}` : undefined;
  const deviceUrl = external?.deviceUrl ?? (embeddedUrl as string);
  const fleet = createFleet({
    seed: 4242,
    company,
    offices: 2,
    roomsPerOffice: 2,
    devicesPerRoom: 3,
    ...options.fleet,
  });
  const meters = fleet.devices.reduce((n, d) => n + d.meters.length, 0);

  const specs = options.aggregators ?? [{}];
  const slots: Slot[] = specs.map((spec, i) => {
    const label = spec.label ?? `agg${i}`;
    const slotDir = join(dir, label);
    mkdirSync(slotDir);
    const statePath = join(slotDir, "state.json");
    const clientId = `${label}-${company}`;
    const url = spec.url ?? external?.serviceUrl;
    const mqttLines = [
      `protocol_version = ${spec.protocolVersion ?? 4}`,
      ...(setup.kind === "embedded" ? [`embedded = { port = ${setup.port} }`] : []),
      ...(spec.mqttLines ?? []),
    ];
    const toml = aggregatorConfig({
      company,
      url,
      clientId,
      statePath,
      intervalS: INTERVAL_S,
      placements: fleet.placements(),
      mqttLines,
    });
    return {
      configPath: writeConfig(slotDir, `${toml}${spec.extraToml ?? ""}`),
      statePath,
      url: url ?? (embeddedUrl as string),
      clientId,
      processes: [],
    };
  });
  const observeUrl = options.observeUrl ?? slots[0]!.url;

  let observer: Observer | undefined;
  let sniffer: MqttClient | undefined;
  let publisher: MqttClient | undefined;
  const foreign = new Set<string>();
  const startAll = async (subscribedTimeoutMs = 30_000) => {
    for (const slot of slots) slot.processes.push(new AggregatorProcess(slot.configPath));
    await Promise.all(slots.map((s) => current(s).subscribed(1, subscribedTimeoutMs)));
  };
  try {
    await startAll();
    observer = await Observer.connect(observeUrl, company);
    // Whatever else a `#` subscriber sees on this broker: the service's own subscription is
    // `<company>/#`, but a broker may publish its internals under ordinary topics.
    sniffer = createMqttClient({
      url: slots[0]!.url,
      clientId: `sniffer-${randomBytes(4).toString("hex")}`,
      subscriptions: [{ filter: "#", qos: 0 }],
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
    });
    sniffer.onMessage((topic) => {
      // The fleet's own topics: the company's, and Gen1 devices' `shellies/<id>/...`.
      if (topic.startsWith(`${company}/`) || topic.startsWith("shellies/")) return;
      foreign.add(topic.split("/").slice(0, 2).join("/"));
    });
    await sniffer.connect({ timeoutMs: 10_000 });
    publisher = createMqttClient({
      url: deviceUrl,
      clientId: `fleet-${randomBytes(4).toString("hex")}`,
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
      publishQueue: { maxMessages: 10_000, maxBytes: 64 * 1024 * 1024, maxInFlight: 100 },
    });
    await publisher.connect({ timeoutMs: 10_000 });
    const stream = new FleetStream(fleet, publisher, SPEED);
    stream.start();
    // A restart before every meter's first reading is in the state would be a different test.
    await waitUntil(
      () => slots.every((s) => readStateSummary(s.statePath)?.referenced === meters),
      `all ${meters} meter references in every state file`,
      30_000,
    );
    await mark("references");

    // (a) The broker restarts under the running aggregators and fleet.
    await sleep(STEADY_MS);
    if (external !== undefined) {
      const subscribedBefore = slots.map((s) => current(s).linesWith("subscribed").length);
      await external.restart();
      if (external.restartDropsService) {
        await Promise.all(slots.map((s, i) => current(s).subscribed(subscribedBefore[i]! + 1)));
      }
      await publisher.flush();
    }
    await mark("broker-restart");

    // (b) SIGTERM and a new process.
    await sleep(STEADY_MS);
    const sigtermExits = await Promise.all(slots.map((s) => current(s).stop()));
    await startAll();
    await mark("sigterm");

    // (c) kill -9 while the fleet keeps publishing; the broker queues for the sessions.
    await sleep(STEADY_MS);
    let queuedWhileAway: number | undefined;
    let replayedAfterRestart: number[] | undefined;
    if (external !== undefined) {
      // Counted exactly: everything before the kill is acknowledged and received, the fleet
      // publishes for AWAY_MS, stops, and each new process must receive exactly that.
      await stream.pause();
      await Promise.all(slots.map((s) => waitForQuiet(current(s), 1000, 30_000)));
      for (const s of slots) current(s).kill("SIGKILL");
      await Promise.all(slots.map((s) => current(s).exited));
      const before = stream.published;
      stream.resume();
      await sleep(AWAY_MS);
      await stream.pause();
      queuedWhileAway = stream.published - before;
      if (options.restartBrokerWhileAway ?? true) await external.restart();
      await startAll(60_000);
      replayedAfterRestart = await Promise.all(
        slots.map((s) => waitForQuiet(current(s), 2000, 60_000)),
      );
      stream.resume();
    } else {
      // The broker dies with the aggregator: the fleet's client queues until it is back.
      for (const s of slots) current(s).kill("SIGKILL");
      await Promise.all(slots.map((s) => current(s).exited));
      await sleep(AWAY_MS);
      await startAll();
    }
    await mark("kill9");

    await sleep(STEADY_MS);
    const fleetResult = await stream.finish();
    const expected = (options.expected ?? truthNodes)(fleetResult.truth);
    const obs = observer;
    const differences = () => compareWithTruth(obs.latest, expected);
    await settleAtTruth(current(slots[0]!), differences, INTERVAL_S);
    const finalDifferences = differences();
    const metrics = await Promise.all(slots.map((s) => current(s).metrics()));
    await mark("finished");
    const finalExits = await Promise.all(slots.map((s) => current(s).stop()));

    return {
      company,
      devices: fleet.devices.length,
      meters,
      published: fleetResult.messages,
      companyMwh: fleetResult.truth.energyMwh,
      nodesCompared: expected.size,
      differences: finalDifferences,
      sigtermExits,
      finalExits,
      queuedWhileAway,
      replayedAfterRestart,
      rejected: metrics.map((m) => byLabel(m, "coreflux_messages_rejected_total", "reason")),
      ignored: metrics.map((m) => byLabel(m, "coreflux_messages_ignored_total", "reason")),
      connects: slots.flatMap((s) =>
        s.processes.map((p) =>
          p.linesWith("connected").map((l) => ({
            reconnect: l.reconnect,
            sessionPresent: l.sessionPresent,
          })),
        ),
      ),
      foreignTopics: [...foreign].sort(),
      stepS,
      wallS: Math.round((Date.now() - started) / 100) / 10,
    };
  } catch (error) {
    const tails = slots
      .map((s) => `--- ${s.clientId} ---\n${current(s)?.output.slice(-3000) ?? ""}`)
      .join("\n");
    const brokerLog = external === undefined ? "" : external.log().slice(-3000);
    throw new Error(
      `${(error as Error).message}\n${tails}\n--- broker ${external?.name ?? "embedded"} ---\n${brokerLog}`,
      { cause: error },
    );
  } finally {
    for (const slot of slots) {
      const p = slot.processes[slot.processes.length - 1];
      if (p?.running) await p.stop(5000);
    }
    await observer?.close();
    await sniffer?.close();
    await publisher?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
