import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMqttClient, type MqttClient } from "@coreflux/mqtt-adapter";
import { sleep } from "@coreflux/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { officeFieldsSchema } from "../src/output/payload-schema";
import { type RollupCompanyPayload, rollupCompanyPayloadSchema } from "../src/rollup/rollup-engine";
import { AggregatorProcess, BROKER_URL, scratchDir, uniqueCompany, writeConfig } from "./harness";

/**
 * The built CLI in roll-up mode against the shared Mosquitto; the test plays two partitions
 * (porto, lisbon) publishing retained office totals and statuses, and a third (faro) that never
 * says anything.
 */
const company = uniqueCompany("Rollup");
const dir = scratchDir();
const statePath = join(dir, "rollup-state.json");
const configPath = writeConfig(
  dir,
  `[company]
topic = "${company}/#"

[mqtt]
url = "${BROKER_URL}"
client_id = "agg-${company}"

[publish]
interval_seconds = 1

[state]
path = "${statePath}"

[http]
port = 0

[accounting]
time_zone = "Asia/Kolkata"

[log]
level = "info"
format = "json"

[rollup]
sources = ["${company}/+/OfficeEnergyConsumed"]
partitions = ["porto", "lisbon", "faro"]
`,
);
const topics = {
  porto: `${company}/Porto/OfficeEnergyConsumed`,
  lisbon: `${company}/Lisbon/OfficeEnergyConsumed`,
  company: `${company}/CompanyEnergyConsumed`,
  rollupStatus: `${company}/aggregator/rollup/status`,
  status: (p: string) => `${company}/aggregator/${p}/status`,
};

/** An office payload as a partition publishes it (the aggregator's exact field order). */
function office(name: string, tsS: number, totalWh: string, powerW: number, hourWh = "0"): string {
  return `{"Name":"${name}","Topic":"${company}/${name}/OfficeEnergyConsumed","UnixTimestamp":${tsS},"PowerW":${powerW},"EnergyThisHourWh":${hourWh},"EnergyTodayWh":${hourWh},"EnergyThisMonthWh":${hourWh},"ReturnedEnergyWh":0,"MetersOnline":3,"MetersStale":0,"MetersOffline":0,"LastUpdateUnixTimestamp":${tsS},"TotalEnergy":${totalWh},"DevicesOnline":2,"DevicesStale":0,"DevicesOffline":0,"Rooms":[]}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

/** Records every message under the company, in order. */
class Recorder {
  readonly messages: { topic: string; text: string; atMs: number }[] = [];
  private constructor(readonly client: MqttClient) {}
  static async connect(): Promise<Recorder> {
    const client = createMqttClient({
      url: BROKER_URL,
      clientId: `rollup-test-${randomBytes(4).toString("hex")}`,
      subscriptions: [{ filter: `${company}/#`, qos: 1 }],
    });
    const recorder = new Recorder(client);
    client.onMessage((topic, payload) => {
      recorder.messages.push({ topic, text: payload.toString("utf8"), atMs: Date.now() });
    });
    await client.connect({ timeoutMs: 5000 });
    return recorder;
  }
  /** Publishes retained at QoS 1, as a partition does, and waits until the broker has it. */
  async send(topic: string, payload: string): Promise<void> {
    this.client.publish(topic, payload, { qos: 1, retain: true });
    await this.client.flush();
  }
  companyPayloads(sinceMs = 0): RollupCompanyPayload[] {
    return this.messages
      .filter((m) => m.topic === topics.company && m.atMs >= sinceMs && m.text !== "")
      .map((m) => rollupCompanyPayloadSchema.parse(JSON.parse(m.text)));
  }
  /** Waits for a company payload (published after `sinceMs`) that satisfies `predicate`. */
  async waitForCompany(
    predicate: (p: RollupCompanyPayload) => boolean,
    sinceMs = 0,
    timeoutMs = 10_000,
  ): Promise<RollupCompanyPayload> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.companyPayloads(sinceMs).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no matching company payload; last: ${JSON.stringify(this.companyPayloads(sinceMs).at(-1))}`,
        );
      }
      await sleep(25);
    }
  }
}

let recorder: Recorder;
let rollup: AggregatorProcess | undefined;

async function startRollup(): Promise<{ process: AggregatorProcess; httpUrl: string }> {
  const proc = new AggregatorProcess(["--config", configPath]);
  const http = await proc.waitForLog((l) => l.msg === "HTTP listener: /healthz and /metrics");
  await proc.ready();
  return { process: proc, httpUrl: String(http.url) };
}

async function metric(httpUrl: string, line: string): Promise<number | undefined> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

beforeAll(async () => {
  recorder = await Recorder.connect();
});

afterAll(async () => {
  await rollup?.stop();
  // Leave no retained message of this run on the shared broker.
  const seen = new Set(recorder.messages.map((m) => m.topic));
  for (const topic of seen) recorder.client.publish(topic, "", { qos: 1, retain: true });
  await recorder.client.flush();
  await recorder.client.close();
});

describe("coreflux-aggregator with [rollup] (built CLI, real Mosquitto)", () => {
  let httpUrl = "";
  // Porto's and Lisbon's exact totals, mWh: 1234567 + 890123 = 2124690.
  let portoTs = 0;

  it("publishes the company as the exact mWh sum of the partitions' offices", async () => {
    portoTs = nowS();
    await recorder.send(topics.status("porto"), "online");
    await recorder.send(topics.status("lisbon"), "online");
    await recorder.send(topics.porto, office("Porto", portoTs, "1234.567", 100.5, "1.005"));
    await recorder.send(topics.lisbon, office("Lisbon", portoTs, "890.123", 20.25, "2.001"));
    const started = await startRollup();
    rollup = started.process;
    httpUrl = started.httpUrl;
    const c = await recorder.waitForCompany((p) => p.Sources === 2);
    expect(c.Topic).toBe(topics.company);
    expect(c.TotalEnergy).toBe(2124.69);
    expect(Math.round(c.TotalEnergy * 1000)).toBe(1_234_567 + 890_123);
    expect(c.EnergyThisHourWh).toBe(3.006);
    expect(c.MetersOnline).toBe(6);
    expect(c.DevicesOnline).toBe(4);
    expect(c.Offices?.map((o) => officeFieldsSchema.parse(o).TotalEnergy)).toEqual([
      890.123, 1234.567,
    ]);
    expect(c.Partitions).toEqual([
      { Name: "porto", Status: "online" },
      { Name: "lisbon", Status: "online" },
      { Name: "faro", Status: "missing" },
    ]);
    expect(c.PartitionsLagging).toBe(true);
    // Power counts from fresh sources only (4 s here): on a loaded machine the start can take
    // longer and leave the retained offices stale (power 0, as it should), so both report again.
    const since = Date.now();
    await recorder.send(topics.porto, office("Porto", nowS(), "1234.567", 100.5, "1.005"));
    await recorder.send(topics.lisbon, office("Lisbon", nowS(), "890.123", 20.25, "2.001"));
    const fresh = await recorder.waitForCompany((p) => p.PowerW === 120.75, since);
    expect(fresh.PowerW).toBe(120.75);
    expect(recorder.messages.find((m) => m.topic === topics.rollupStatus)?.text).toBe("online");
    expect(await metric(httpUrl, "coreflux_rollup_sources")).toBe(2);
    expect(await metric(httpUrl, "coreflux_rollup_partitions_missing")).toBe(1);
  });

  it("never decreases: an older retained replay is ignored, a lower restart keeps the held total", async () => {
    // A stale value replayed (older UnixTimestamp, lower total).
    await recorder.send(topics.porto, office("Porto", portoTs - 120, "1000", 1));
    // A partition restarted from an older state: newer, lower total, new power.
    const since = Date.now();
    await recorder.send(topics.lisbon, office("Lisbon", nowS() + 1, "890.123", 20.25));
    await recorder.send(topics.porto, office("Porto", nowS() + 1, "1200.000", 50));
    const after = await recorder.waitForCompany((p) => p.PowerW === 70.25, since);
    expect(after.TotalEnergy).toBe(2124.69);
    for (const p of recorder.companyPayloads()) {
      expect(p.TotalEnergy).toBeGreaterThanOrEqual(2124.69);
    }
    expect(
      await metric(httpUrl, 'coreflux_rollup_messages_ignored_total{reason="older"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(await metric(httpUrl, "coreflux_rollup_decreases_held_total")).toBe(1);
    expect(
      rollup?.lines.filter((l) => String(l.msg).startsWith("source sent a lower lifetime total")),
    ).toHaveLength(1);
    // Once past the held value, the partition's total counts again.
    const since2 = Date.now();
    await recorder.send(topics.porto, office("Porto", nowS() + 2, "1300.5", 50));
    const passed = await recorder.waitForCompany((p) => p.TotalEnergy !== 2124.69, since2);
    expect(Math.round(passed.TotalEnergy * 1000)).toBe(1_300_500 + 890_123);
  });

  it("flags an offline partition and stops counting its power", async () => {
    const since = Date.now();
    await recorder.send(topics.status("lisbon"), "offline");
    // Both fresh, but Lisbon's partition says offline: only Porto's power counts.
    await recorder.send(topics.porto, office("Porto", nowS() + 2, "1300.5", 50));
    await recorder.send(topics.lisbon, office("Lisbon", nowS() + 2, "890.123", 20.25));
    const c = await recorder.waitForCompany(
      (p) => p.Partitions.some((x) => x.Name === "lisbon" && x.Status === "offline"),
      since,
    );
    expect(c.PartitionsLagging).toBe(true);
    const power = await recorder.waitForCompany((p) => p.PowerW === 50, since);
    expect(power.TotalEnergy).toBe(2190.623);
    expect(await metric(httpUrl, "coreflux_rollup_partitions_offline")).toBe(1);
  });

  it("rejects a bad payload by reason without crashing", async () => {
    await recorder.send(`${company}/Faro/OfficeEnergyConsumed`, '{"TotalEnergy":');
    await recorder.send(
      `${company}/Faro/OfficeEnergyConsumed`,
      office("Faro", nowS(), "1.0001", 1),
    );
    await sleep(1200);
    expect(rollup?.running).toBe(true);
    expect(
      await metric(httpUrl, 'coreflux_rollup_messages_rejected_total{reason="INVALID_JSON"}'),
    ).toBe(1);
    expect(
      await metric(httpUrl, 'coreflux_rollup_messages_rejected_total{reason="INVALID_ENERGY"}'),
    ).toBe(1);
    expect(recorder.companyPayloads().at(-1)?.Sources).toBe(2);
    // Logged once per topic.
    expect(
      rollup?.lines.filter((l) => String(l.msg).startsWith("source payload rejected")),
    ).toHaveLength(1);
    // Clear it so that a restart does not see it again.
    await recorder.send(`${company}/Faro/OfficeEnergyConsumed`, "");
  });

  it("serves metrics that promtool accepts", async () => {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    const file = join(dir, "metrics.txt");
    writeFileSync(file, text);
    const check = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: text });
    expect(check.stderr.toString() + check.stdout.toString()).toBe("");
    expect(check.status).toBe(0);
    expect(text).toContain("coreflux_rollup_publish_cycle_duration_seconds_bucket");
  });

  it("stops on SIGTERM with a final state and offline status, and a restart keeps the totals", async () => {
    const proc = rollup!;
    const exit = await proc.stop();
    expect(exit.code).toBe(0);
    expect(proc.lines.some((l) => l.msg === "final state written")).toBe(true);
    await sleep(200);
    expect(recorder.messages.filter((m) => m.topic === topics.rollupStatus).at(-1)?.text).toBe(
      "offline",
    );
    const state = JSON.parse(readFileSync(statePath, "utf8"));
    expect(state.format).toBe("coreflux.rollup.state");
    expect(state.rollup.sources).toHaveLength(2);
    // While it is down: the partitions' retained totals go away, and an old Porto value is
    // retained instead (a partition that restarted from a backup): the restart must hold.
    await recorder.send(topics.lisbon, "");
    await recorder.send(topics.porto, office("Porto", portoTs - 600, "1.000", 1));
    const since = Date.now();
    const restarted = await startRollup();
    rollup = restarted.process;
    const first = await recorder.waitForCompany(() => true, since);
    expect(Math.round(first.TotalEnergy * 1000)).toBe(1_300_500 + 890_123);
    expect(first.Sources).toBe(2);
    await sleep(1200);
    for (const p of recorder.companyPayloads(since)) {
      expect(Math.round(p.TotalEnergy * 1000)).toBe(1_300_500 + 890_123);
    }
    expect(
      restarted.process.lines.some(
        (l) => l.msg === "roll-up state restored: totals continue from the held values",
      ),
    ).toBe(true);
  });
});
