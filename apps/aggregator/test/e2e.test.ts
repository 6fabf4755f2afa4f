import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { getPriority } from "node:os";
import { join } from "node:path";
import { sleep } from "@coreflux/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AggregatorProcess,
  BROKER_URL,
  clearRetained,
  Observer,
  scratchDir,
  threadNices,
  uniqueCompany,
  writeConfig,
} from "./harness";

/** A Gen2 `status/switch:<id>` payload, spaced the way Shelly firmware writes it. */
function switchStatus(id: number, totalWh: number, apowerW: number): string {
  return `{"id":${id}, "source":"init", "output":true, "apower":${apowerW.toFixed(1)}, "voltage":229.6, "freq":50.0, "current":${(apowerW / 229.6).toFixed(3)}, "aenergy":{"total":${totalWh.toFixed(3)},"by_minute":[0.000,0.000,0.000],"minute_ts":1718100060}, "temperature":{"tC":41.2, "tF":106.2}}`;
}

/** A PM Mini `status/pm1:0` payload. */
function pm1Status(totalWh: number, apowerW: number): string {
  return `{"id":0,"voltage":231.4,"current":0.412,"apower":${apowerW.toFixed(1)},"aprtpower":95.3,"pf":0.91,"freq":50.0,"aenergy":{"total":${totalWh.toFixed(3)},"by_minute":[1440.100,1437.900,1442.600],"minute_ts":1718100060},"ret_aenergy":{"total":0.000,"by_minute":[0.000,0.000,0.000],"minute_ts":1718100060}}`;
}

/** An `events/rpc` NotifyStatus frame for switch:0 with the given fields. */
function notifyStatus(src: string, prefix: string, ts: number, fields: string): string {
  return `{"src":"${src}","dst":"${prefix}/events","method":"NotifyStatus","params":{"ts":${ts.toFixed(2)},"switch:0":{${fields}}}}`;
}

const company = uniqueCompany("Main");
const gen1Id = `shellyplug-s-${randomBytes(3).toString("hex").toUpperCase()}`;
const dir = scratchDir();
const statePath = join(dir, "state.json");
const clientId = `agg-${company}`;
const configPath = writeConfig(
  dir,
  `[company]
topic = "${company}/#"

[mqtt]
url = "${BROKER_URL}"
client_id = "${clientId}"

[publish]
interval_seconds = 0.2
full_refresh_every = 1000

[state]
path = "${statePath}"

[http]
port = 0

[log]
level = "info"
format = "json"

[[devices]]
match = "shellies/${gen1Id}"
path = "Lisbon/Lab/Kettle"
`,
);

const topic = {
  light1: `${company}/Porto/MeetingRoom/Light1/status/switch:0`,
  projector: `${company}/Porto/MeetingRoom/Projector/status/pm1:0`,
  fridge: `${company}/Porto/Kitchen/Fridge/events/rpc`,
  heater: `${company}/Lisbon/Lab/Heater/status/switch:0`,
  company: `${company}/CompanyEnergyConsumed`,
  porto: `${company}/Porto/OfficeEnergyConsumed`,
  lisbon: `${company}/Lisbon/OfficeEnergyConsumed`,
  meetingRoom: `${company}/Porto/MeetingRoom/RoomEnergyConsumed`,
  lab: `${company}/Lisbon/Lab/RoomEnergyConsumed`,
  light1Out: `${company}/Porto/MeetingRoom/Light1/status/EnergyConsumed`,
  kettleOut: `${company}/Lisbon/Lab/Kettle/status/EnergyConsumed`,
  pro4pmOut: `${company}/Lisbon/Lab/Pro4PM/status/EnergyConsumed`,
  status: `${company}/aggregator/status`,
};

let observer: Observer;
let aggregator: AggregatorProcess;

const totalIs = (wh: number) => (p: Record<string, unknown>) =>
  (p.TotalEnergy ?? p.TotalEnergyConsumed) === wh;

beforeAll(async () => {
  observer = await Observer.connect(company);
  aggregator = new AggregatorProcess(["--config", configPath]);
  await aggregator.ready();
});

afterAll(async () => {
  aggregator?.kill("SIGKILL");
  if (observer) {
    await clearRetained(observer);
    await observer.close();
  }
});

describe("coreflux-aggregator end to end (real Mosquitto, built CLI)", () => {
  it("aggregates a mixed fleet to the milliwatt-hour through resets, glitches, spikes, duplicates and bad input", async () => {
    const send = (t: string, p: string | Uint8Array) => observer.send(t, p);
    // Light1: a plug that reboots and resets its counter.
    await send(topic.light1, switchStatus(0, 1203.554, 42.7));
    await send(topic.light1, switchStatus(0, 1204.266, 42.9)); // +0.712
    await send(topic.light1, switchStatus(0, 1204.266, 42.9)); // duplicate
    await send(topic.light1, switchStatus(0, 0.012, 40.1)); // reset suspected
    await send(topic.light1, switchStatus(0, 0.03, 40.1)); // reset: +0.030
    await send(topic.light1, switchStatus(0, 0.53, 40.0)); // +0.5
    // Projector: a transient 0.
    await send(topic.projector, pm1Status(318742.906, 86.4));
    await send(topic.projector, pm1Status(0, 86.4));
    await send(topic.projector, pm1Status(318743.406, 86.4)); // +0.5
    // Fridge: NotifyStatus frames only.
    const fridgePrefix = `${company}/Porto/Kitchen/Fridge`;
    await send(
      topic.fridge,
      notifyStatus("shellyplusplugs-c82e18a1b2c3", fridgePrefix, 1718100071.42, '"apower":1527.4'),
    );
    await send(
      topic.fridge,
      notifyStatus(
        "shellyplusplugs-c82e18a1b2c3",
        fridgePrefix,
        1718100072.05,
        '"aenergy":{"total":52847.213,"by_minute":[0.000,0.000,0.000],"minute_ts":1718100060}',
      ),
    );
    await send(
      topic.fridge,
      notifyStatus(
        "shellyplusplugs-c82e18a1b2c3",
        fridgePrefix,
        1718100120.05,
        '"aenergy":{"total":52872.670,"by_minute":[25456.600,0.000,0.000],"minute_ts":1718100120}',
      ),
    ); // +25.457
    // Pro 4PM: four channels, +1, +2, +3, +4 Wh.
    for (let ch = 0; ch < 4; ch++) {
      const t = `${company}/Lisbon/Lab/Pro4PM/status/switch:${ch}`;
      await send(t, switchStatus(ch, 845120.334 + ch, 100 * ch));
      await send(t, switchStatus(ch, 845120.334 + 2 * ch + 1, 100 * ch + 10));
    }
    // Heater: an implausible spike that goes away.
    await send(topic.heater, switchStatus(0, 1000, 1500));
    await send(topic.heater, switchStatus(0, 1_000_000_000, 1500));
    await send(topic.heater, switchStatus(0, 1000.25, 1500)); // +0.25
    // Gen1 plug placed by [[devices]]: watt-minutes.
    await send(`shellies/${gen1Id}/relay/0/power`, "118.42");
    await send(`shellies/${gen1Id}/relay/0/energy`, "184305");
    await send(`shellies/${gen1Id}/relay/0/energy`, "184365"); // +60 Wmin = +1 Wh
    // Bad input, and a device the topic does not place.
    await send(topic.light1, "not json");
    await send(topic.light1, '{"id":0,"apower":"12"}');
    await send(topic.light1, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    await send(topic.light1, `{"id":0,"pad":"${"x".repeat(70_000)}"}`);
    await send(`${company}/Porto/TooShort/status/switch:0`, switchStatus(0, 10, 1));

    // 1.242 + 0.5 + 25.457 + 10 + 0.25 + 1 = 38.449 Wh
    const companyPayload = await observer.waitFor(topic.company, totalIs(38.449));
    expect(companyPayload).toMatchObject({
      Name: company,
      Topic: topic.company,
      TotalEnergy: 38.449,
    });
    expect(Number.isInteger(companyPayload.UnixTimestamp)).toBe(true);
    expect(
      (companyPayload.Offices as { Name: string; TotalEnergy: number }[])
        .map((o) => [o.Name, o.TotalEnergy])
        .sort(),
    ).toEqual([
      ["Lisbon", 11.25],
      ["Porto", 27.199],
    ]);
    expect(await observer.waitFor(topic.porto, totalIs(27.199))).toMatchObject({
      Name: "Porto",
      Topic: topic.porto,
    });
    expect(await observer.waitFor(topic.lisbon, totalIs(11.25))).toMatchObject({ Name: "Lisbon" });
    const room = await observer.waitFor(topic.meetingRoom, totalIs(1.742));
    expect(
      (room.Devices as { Name: string; TotalEnergyConsumed: number }[])
        .map((d) => [d.Name, d.TotalEnergyConsumed])
        .sort(),
    ).toEqual([
      ["Light1", 1.242],
      ["Projector", 0.5],
    ]);
    await observer.waitFor(topic.lab, totalIs(11.25));
    expect(await observer.waitFor(topic.light1Out, totalIs(1.242))).toMatchObject({
      Name: "Light1",
      Topic: topic.light1Out,
      LastEnergyVal: 0.53,
      PowerW: 40,
      State: "online",
    });
    expect(await observer.waitFor(topic.kettleOut, totalIs(1))).toMatchObject({
      Name: "Kettle",
      PowerW: 118.42,
      LastEnergyVal: 3072.75,
    });
    const pro4pm = await observer.waitFor(topic.pro4pmOut, totalIs(10));
    expect(
      (pro4pm.Channels as { Id: string; TotalEnergyConsumed: number }[]).map((c) => [
        c.Id,
        c.TotalEnergyConsumed,
      ]),
    ).toEqual([
      ["switch:0", 1],
      ["switch:1", 2],
      ["switch:2", 3],
      ["switch:3", 4],
    ]);

    // Every fault and rejection is counted under its reason.
    const httpLine = await aggregator.waitForLog(
      (l) => l.msg === "HTTP listener: /healthz and /metrics",
    );
    const metrics = await (await fetch(`${httpLine.url}/metrics`)).text();
    for (const [name, value] of [
      ['coreflux_messages_rejected_total{reason="INVALID_JSON"}', 1],
      ['coreflux_messages_rejected_total{reason="SCHEMA_MISMATCH"}', 1],
      ['coreflux_messages_rejected_total{reason="INVALID_UTF8"}', 1],
      ['coreflux_messages_rejected_total{reason="PAYLOAD_TOO_LARGE"}', 1],
      ['coreflux_messages_rejected_total{reason="unplaced"}', 1],
      ["coreflux_meter_resets_total", 1],
      ["coreflux_meter_glitches_total", 2],
      ["coreflux_meter_spikes_rejected_total", 1],
      ['coreflux_readings_total{outcome="duplicate"}', 1],
    ] as const) {
      expect(metrics).toContain(`${name} ${value}\n`);
    }
    expect(metrics).toMatch(/^coreflux_intake_yields_total \d+$/m);
    const health = await (await fetch(`${httpLine.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", brokerConnected: true, devices: 6, meters: 9 });
    // Bad input is logged once per reason, not once per message.
    expect(aggregator.lines.filter((l) => l.reason === "INVALID_JSON")).toHaveLength(1);
    expect(aggregator.output).toContain("device not placed in the tree");
  });

  it.runIf(process.platform === "linux")(
    "runs V8's helper threads and the state writer's below the thread that takes in readings",
    () => {
      const nices = threadNices(aggregator.pid);
      const main = nices.get(aggregator.pid)!;
      expect(main).toBe(getPriority(process.pid));
      // V8's four helper threads and libuv's pool (started with the process), the state writer's.
      const lowered = [...nices.values()].filter((nice) => nice === Math.min(19, main + 10));
      expect(lowered.length).toBeGreaterThanOrEqual(5);
    },
  );

  it("stops on SIGTERM with exit 0, a final state file (mode 0600) and a retained offline status", async () => {
    aggregator.kill("SIGTERM");
    expect(await aggregator.exited).toEqual({ code: 0, signal: null });
    expect(aggregator.output).toContain("final state written");
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    const state = JSON.parse(readFileSync(statePath, "utf8"));
    expect(state).toMatchObject({ format: "coreflux.aggregator.state", version: 1, company });
    await observer.waitFor(topic.company, () => observer.raw.get(topic.status) === "offline");
  });

  it("continues the totals exactly after a restart", async () => {
    aggregator = new AggregatorProcess(["--config", configPath]);
    await aggregator.ready();
    expect(aggregator.output).toContain("state restored");
    await observer.waitFor(topic.company, () => observer.raw.get(topic.status) === "online");
    await observer.send(topic.light1, switchStatus(0, 1.53, 40)); // +1.0
    await observer.waitFor(topic.company, totalIs(39.449));
    await observer.waitFor(topic.light1Out, totalIs(2.242));
  });

  it("loses nothing to kill -9: readings sent while it is down are counted after the restart", async () => {
    aggregator.kill("SIGKILL");
    await aggregator.exited;
    // The broker keeps the persistent session and queues these for the aggregator.
    await observer.send(topic.light1, switchStatus(0, 2.53, 40)); // +1.0
    await observer.send(topic.heater, switchStatus(0, 1000.75, 1500)); // +0.5
    await sleep(100);
    aggregator = new AggregatorProcess(["--config", configPath]);
    await aggregator.ready();
    await observer.waitFor(topic.company, totalIs(40.949));
    await observer.waitFor(topic.lab, totalIs(11.75));
  });
});

describe("coreflux-aggregator --check", () => {
  it("exits 0 for a valid file", async () => {
    const run = new AggregatorProcess(["--check", "--config", configPath]);
    expect((await run.exited).code).toBe(0);
    expect(run.output).toContain("configuration is valid");
  });

  it("exits 2 naming the file, the line and the key", async () => {
    const bad = writeConfig(
      scratchDir(),
      '[company]\ntopic = "Coreflux/#"\n\n[mqtt.embedded]\nport = "1883"\n[publish]\nintervall = 3\n',
    );
    const run = new AggregatorProcess(["--check", "--config", bad]);
    expect((await run.exited).code).toBe(2);
    expect(run.output).toContain(`${bad}:5: mqtt.embedded.port: expected number, got string`);
    expect(run.output).toContain(`${bad}:7: publish.intervall: unknown key`);
  });

  it("exits 2 when the file is missing, and for an unknown option", async () => {
    const missing = new AggregatorProcess(["--check", "--config", "/nonexistent/config.toml"]);
    expect((await missing.exited).code).toBe(2);
    expect(missing.output).toContain("file not found");
    const unknown = new AggregatorProcess(["--frobnicate"]);
    expect((await unknown.exited).code).toBe(2);
  });
});
