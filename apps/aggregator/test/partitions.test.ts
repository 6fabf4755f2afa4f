import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "@coreflux/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AggregatorProcess,
  BROKER_URL,
  clearRetained,
  Observer,
  scratchDir,
  uniqueCompany,
} from "./harness";

/** A Gen2 `status/switch:0` payload. */
const switchStatus = (totalWh: number, apowerW: number) =>
  `{"id":0,"source":"init","output":true,"apower":${apowerW.toFixed(1)},"voltage":230.0,"aenergy":{"total":${totalWh.toFixed(3)}}}`;

const company = uniqueCompany("Part");
const dir = scratchDir();
const gen1Id = `shellyplug-s-${randomBytes(3).toString("hex").toUpperCase()}`;

/** One partition's config: `company` lines, its own state file, the MQTT version to speak. */
function partitionConfig(name: string, companyLines: string, protocolVersion: 4 | 5): string {
  const path = join(dir, `${name}.toml`);
  writeFileSync(
    path,
    `[company]
${companyLines}

[mqtt]
url = "${BROKER_URL}"
protocol_version = ${protocolVersion}
# The default client ids are fixed: no session of an earlier run on the shared broker.
clean_session = true

[publish]
interval_seconds = 0.2

[state]
path = "${join(dir, `${name}.json`)}"

[http]
port = 0

[log]
format = "json"

# A plug placed in Porto by hand: Porto's, whoever else receives it.
[[devices]]
match = "shellies/${gen1Id}"
path = "Porto/Kitchen/Kettle"
`,
  );
  return path;
}

const topic = {
  portoLight: `${company}/Porto/Hall/Light/status/switch:0`,
  lisbonHeater: `${company}/Lisbon/Lab/Heater/status/switch:0`,
  lisbonFan: `${company}/Lisbon/Lab/Fan/status/switch:0`,
  kettle: `shellies/${gen1Id}/relay/0/energy`,
  porto: `${company}/Porto/OfficeEnergyConsumed`,
  lisbon: `${company}/Lisbon/OfficeEnergyConsumed`,
  lab: `${company}/Lisbon/Lab/RoomEnergyConsumed`,
  company: `${company}/CompanyEnergyConsumed`,
};

let observer: Observer;
let porto: AggregatorProcess;
let lisbon: AggregatorProcess;
let rollup: AggregatorProcess;

/** The roll-up of both partitions' office totals into the company's. */
function rollupConfig(): string {
  const path = join(dir, "rollup.toml");
  writeFileSync(
    path,
    `[company]
topic = "${company}/#"

[mqtt]
url = "${BROKER_URL}"
clean_session = true

[publish]
interval_seconds = 0.2

[state]
path = "${join(dir, "rollup.json")}"

[log]
format = "json"

[rollup]
sources = ["${company}/+/OfficeEnergyConsumed"]
partitions = ["Porto", "lisbon-1"]
`,
  );
  return path;
}

beforeAll(async () => {
  observer = await Observer.connect(company);
  const portoConfig = partitionConfig("porto", `topic = "${company}/Porto/#"`, 5);
  const lisbonConfig = partitionConfig(
    "lisbon",
    `topics = ["${company}/Lisbon/#"]\ninstance = "lisbon-1"`,
    4,
  );
  porto = new AggregatorProcess(["--config", portoConfig]);
  lisbon = new AggregatorProcess(["--config", lisbonConfig]);
  rollup = new AggregatorProcess(["--config", rollupConfig()]);
  await Promise.all([porto.ready(), lisbon.ready(), rollup.ready()]);
});

afterAll(async () => {
  porto?.kill("SIGKILL");
  lisbon?.kill("SIGKILL");
  rollup?.kill("SIGKILL");
  if (observer) {
    await clearRetained(observer);
    await observer.close();
  }
});

describe("partitioned aggregators (one per office, real Mosquitto)", () => {
  it("each publishes its own subtree exactly, nothing above it, with its own status and client", async () => {
    const started = [porto, lisbon].map((p) => p.linesWith("aggregator started")[0]!);
    expect(started.map((l) => l.instance)).toEqual(["Porto", "lisbon-1"]);
    const connected = [porto, lisbon].map((p) => p.linesWith("connected")[0]!.clientId);
    expect(connected).toEqual(["coreflux-aggregator-Porto", "coreflux-aggregator-lisbon-1"]);

    await observer.send(topic.portoLight, switchStatus(100, 40));
    await observer.send(topic.lisbonHeater, switchStatus(5000, 1500));
    await observer.send(topic.lisbonFan, switchStatus(20, 30));
    await observer.send(topic.kettle, "60"); // Gen1: watt-minutes
    await sleep(300);
    await observer.send(topic.portoLight, switchStatus(100.25, 40));
    await observer.send(topic.lisbonHeater, switchStatus(5001.5, 1500));
    await observer.send(topic.lisbonFan, switchStatus(20.125, 30));
    await observer.send(topic.kettle, "180"); // +120 Wmin = +2 Wh

    await observer.waitFor(topic.porto, (p) => p.TotalEnergy === 2.25);
    await observer.waitFor(topic.lisbon, (p) => p.TotalEnergy === 1.625);
    await observer.waitFor(topic.lab, (p) => p.TotalEnergy === 1.625);
    // No partition publishes a (partial) company total: the roll-up does, from both offices.
    const total = await observer.waitFor(topic.company, (p) => p.TotalEnergy === 3.875);
    const offices = total.Offices as { Name: string; TotalEnergy: number }[];
    expect(offices.map((o) => [o.Name, o.TotalEnergy]).sort()).toEqual([
      ["Lisbon", 1.625],
      ["Porto", 2.25],
    ]);
    expect(total.Partitions).toEqual([
      { Name: "Porto", Status: "online" },
      { Name: "lisbon-1", Status: "online" },
    ]);
    expect(total.PartitionsLagging).toBe(false);
    await sleep(1000);
    expect(new Set(porto.linesWith("publish cycle").map((l) => l.totalWh))).not.toContain(3.875);
    expect(observer.raw.get(`${company}/aggregator/Porto/status`)).toBe("online");
    expect(observer.raw.get(`${company}/aggregator/lisbon-1/status`)).toBe("online");
    expect(observer.raw.has(`${company}/aggregator/status`)).toBe(false);
  });

  it("never parses its own aggregates: MQTT 5 No Local keeps them away, on 3.1.1 they are dropped by topic", async () => {
    const ownOutput = async (p: AggregatorProcess) => {
      const url = String(
        (await p.waitForLog((l) => l.msg === "HTTP listener: /healthz and /metrics")).url,
      );
      const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, number>;
      const metrics = await (await fetch(`${url}/metrics`)).text();
      return { health, metrics };
    };
    const v5 = await ownOutput(porto);
    const v311 = await ownOutput(lisbon);
    expect(v5.health.ownOutputReceived).toBe(0);
    expect(v311.health.ownOutputReceived).toBeGreaterThan(0);
    for (const { metrics } of [v5, v311]) {
      expect(metrics).not.toMatch(/coreflux_messages_rejected_total\{/);
    }
    // Lisbon receives the kettle's messages (it subscribes to nothing outside its subtree, so
    // only through Porto's placement would it): nothing counted as rejected either way.
    expect(v311.metrics).not.toContain('reason="unplaced"');
  });

  it("stops on SIGTERM with exit code 0 and an offline status", async () => {
    porto.kill("SIGTERM");
    expect((await porto.exited).code).toBe(0);
    await observer.waitFor(topic.porto, () => true);
    for (
      let i = 0;
      i < 100 && observer.raw.get(`${company}/aggregator/Porto/status`) !== "offline";
      i++
    )
      await sleep(20);
    expect(observer.raw.get(`${company}/aggregator/Porto/status`)).toBe("offline");
    // The roll-up says its company total now lags, and keeps Porto's last total in it.
    const lagging = await observer.waitFor(topic.company, (p) => p.PartitionsLagging === true);
    expect(lagging.TotalEnergy).toBe(3.875);
    expect(lagging.Partitions).toContainEqual({ Name: "Porto", Status: "offline" });
  });
});
