import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseShellyMessage } from "@coreflux/shelly-schema";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EnergyTruth, runSimulator, ShellySimulatorError } from "../src/index";
import {
  BROKER_URL,
  closedPort,
  liveHandles,
  type Received,
  settleReceived,
  subscribe,
  uniqueCompany,
} from "./helpers/broker";
import { compareWithTruth, replay } from "./helpers/engine-replay";

const dir = mkdtempSync(join(tmpdir(), "shelly-sim-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAULTS = {
  reset: 2,
  offline: 1,
  zero: 0.02,
  spike: 0.02,
  duplicate: 0.02,
  reorder: 0.02,
  malformed: 0.02,
};

/** Received messages of this fleet only (Gen1 devices share `shellies/#` with anyone else). */
function ours(received: Received[], prefixes: Set<string>, company: string): Received[] {
  return received.filter((m) => {
    if (m.topic.startsWith(`${company}/simulator/`)) return false;
    if (m.topic.startsWith(`${company}/`)) return true;
    const id = m.topic.split("/", 2).join("/");
    return prefixes.has(id);
  });
}

/** Replays what a subscriber received into the hierarchy engine at arrival time, like the aggregator. */
function engineDiffs(
  received: Received[],
  company: string,
  truth: EnergyTruth,
  placements: { match: string; path: string }[],
): string[] {
  const stream = received.map((m) => ({
    topic: m.topic,
    payload: new Uint8Array(m.payload),
    tsMs: m.arrivalMs,
  }));
  const { engine } = replay(stream, company, placements, { noteUptime: true });
  return compareWithTruth(engine, truth, Date.now());
}

describe("against Mosquitto", () => {
  // Taken inside a hook, like the final check inside a test: each sees vitest's own timeout timer.
  let baseline: string[] = [];
  beforeAll(() => {
    baseline = liveHandles();
  });

  it("speed mode: every message arrives, the truth file and topic match what an engine makes of them", async () => {
    const company = uniqueCompany("SimSpeed");
    const truthTopic = `${company}/simulator/truth`;
    const { client, received } = await subscribe([`${company}/#`, "shellies/#"]);
    const truthFile = join(dir, "speed-truth.json");
    const placementsFile = join(dir, "speed-placements.toml");
    const result = await runSimulator({
      url: BROKER_URL,
      company,
      seed: 3,
      offices: 1,
      roomsPerOffice: 2,
      devicesPerRoom: 5,
      speed: 1200,
      durationS: 900,
      faults: FAULTS,
      truthFile,
      truthTopic,
      placementsFile,
      startMs: Date.UTC(2026, 5, 1, 9),
    });
    const prefixes = new Set(result.placements.map((p) => p.match));
    await settleReceived(() => received.length);
    await client.endAsync();

    expect(result.stopReason).toBe("duration");
    expect(result.simulatedMs).toBe(900_000);
    expect(result.wallMs).toBeGreaterThan(600); // 900 s at 1200x is 750 ms
    const mine = ours(received, prefixes, company);
    expect(mine.length).toBe(result.messages);
    expect(
      mine.filter((m) => m.topic.endsWith("/online") && m.payload.toString() === "false").length,
    ).toBeGreaterThanOrEqual(10);

    const truth = JSON.parse(readFileSync(truthFile, "utf8")) as EnergyTruth;
    expect(truth).toEqual(result.truth);
    expect(truth.settled).toBe(true);
    expect(truth.energyMwh).toBeGreaterThan(0);
    expect(Object.keys(truth.devices)).toHaveLength(10);
    const published = received.find((m) => m.topic === truthTopic);
    expect(published && JSON.parse(published.payload.toString())).toEqual(truth);
    expect(engineDiffs(mine, company, truth, result.placements)).toEqual([]);

    const toml = readFileSync(placementsFile, "utf8");
    for (const rule of result.placements)
      expect(toml).toContain(`match = "${rule.match}"\npath = "${rule.path}"`);

    // Clear the retained truth so the shared broker keeps nothing of ours.
    const cleaner = await mqtt.connectAsync(BROKER_URL, { reconnectPeriod: 0 });
    await cleaner.publishAsync(truthTopic, "", { retain: true, qos: 1 });
    await cleaner.endAsync();
  });

  it("flood mode: stops after N messages, nothing lost at QoS 1, exact truth at arrival time", async () => {
    const company = uniqueCompany("SimFlood");
    const { client, received } = await subscribe([`${company}/#`, "shellies/#"]);
    const result = await runSimulator({
      url: BROKER_URL,
      company,
      seed: 4,
      offices: 2,
      roomsPerOffice: 5,
      devicesPerRoom: 10,
      flood: true,
      maxMessages: 20_000,
      maxInFlight: 200,
      faults: FAULTS,
    });
    const prefixes = new Set(result.placements.map((p) => p.match));
    await settleReceived(() => received.length);
    await client.endAsync();

    expect(result.stopReason).toBe("max-messages");
    expect(result.messages).toBeGreaterThanOrEqual(20_000);
    expect(result.messages).toBeLessThan(20_000 + 1_000); // + settle and online false of 100 devices
    expect(result.simulatedMs).toBeGreaterThan(20 * 60_000); // ~6.5 msgs per device-minute
    const mine = ours(received, prefixes, company);
    expect(mine.length).toBe(result.messages);
    const rejected = mine.filter((m) => !parseShellyMessage(m.topic, m.payload).ok).length;
    expect(rejected).toBe(result.stats.faults.malformed);
    expect(engineDiffs(mine, company, result.truth, result.placements)).toEqual([]);
  });

  it("a broker that is not there: CONNECT_FAILED, no handle left", async () => {
    const port = await closedPort();
    const error = await runSimulator({ url: `mqtt://127.0.0.1:${port}`, durationS: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ShellySimulatorError);
    expect((error as ShellySimulatorError).code).toBe("CONNECT_FAILED");
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it("bad options: INVALID_OPTIONS before connecting", async () => {
    await expect(runSimulator({ flood: true })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      message: expect.stringContaining("flood needs durationS or maxMessages"),
    });
    await expect(runSimulator({ offices: 0, durationS: 1 })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
  });

  it("an abort signal stops a run cleanly: settled truth, online false", async () => {
    const company = uniqueCompany("SimAbort");
    const controller = new AbortController();
    // Abort once 10 simulated seconds have passed (not on a wall-clock timer, which also counts
    // the connect and made this test depend on how busy the machine was).
    let abortedAtSimMs: number | undefined;
    const safety = setTimeout(() => controller.abort(), 20_000);
    const { client, received } = await subscribe([`${company}/#`, "shellies/#"]);
    const result = await runSimulator({
      url: BROKER_URL,
      company,
      offices: 1,
      roomsPerOffice: 1,
      devicesPerRoom: 3,
      speed: 60,
      signal: controller.signal,
      progressIntervalMs: 1,
      onProgress: (progress) => {
        if (abortedAtSimMs === undefined && progress.simulatedMs >= 10_000) {
          abortedAtSimMs = progress.simulatedMs;
          controller.abort();
        }
      },
    }).finally(() => {
      clearTimeout(safety);
    });
    expect(result.stopReason).toBe("aborted");
    expect(abortedAtSimMs).toBeDefined();
    // Simulated time stops where the abort found it: nothing is stepped after.
    expect(result.simulatedMs).toBe(abortedAtSimMs);
    expect(result.truth.settled).toBe(true);
    await settleReceived(() => received.length);
    await client.endAsync();
    // Every device's last word on `online` is false, as its last will would say.
    const prefixes = new Set(result.placements.map((p) => p.match));
    const mine = ours(received, prefixes, company);
    expect(mine.length).toBe(result.messages);
    const lastOnline = new Map<string, string>();
    for (const m of mine) {
      if (m.topic.endsWith("/online")) lastOnline.set(m.topic, m.payload.toString());
    }
    expect(lastOnline.size).toBe(3);
    expect([...lastOnline.values()]).toEqual(["false", "false", "false"]);
  });

  it("leaves no socket or timer open", async () => {
    await new Promise((r) => setTimeout(r, 50));
    expect(liveHandles()).toEqual(baseline);
    expect(liveHandles().filter((h) => h !== "Timeout")).toEqual([]);
  });
});
