import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AggregatorProcess,
  BROKER_URL,
  clearRetained,
  Observer,
  scratchDir,
  uniqueCompany,
} from "./harness";

const company = uniqueCompany("Ha");
const prefix = `ha-${company}`;
const dir = scratchDir();
let observer: Observer;
let on: AggregatorProcess;
let off: AggregatorProcess;
let ha: mqtt.MqttClient;
const configs: { topic: string; payload: string; atMs: number }[] = [];

function start(name: string, discovery: boolean): AggregatorProcess {
  const path = join(dir, `${name}.toml`);
  writeFileSync(
    path,
    `[company]\ntopic = "${company}/#"\n[mqtt]\nurl = "${BROKER_URL}"\nclient_id = "${name}-${company}"\n[publish]\ninterval_seconds = 0.2\n[state]\npath = "${join(dir, `${name}.json`)}"\n[log]\nformat = "json"\n[homeassistant]\ndiscovery = ${discovery}\nprefix = "${discovery ? prefix : `${prefix}-off`}"\n`,
  );
  return new AggregatorProcess(["--config", path]);
}

beforeAll(async () => {
  observer = await Observer.connect(company);
  // Home Assistant's side: it reads the configs under its prefix.
  ha = await mqtt.connectAsync(BROKER_URL, { clientId: `ha-${company}` });
  ha.on("message", (topic, payload) => {
    if (payload.length > 0) configs.push({ topic, payload: payload.toString(), atMs: Date.now() });
  });
  await ha.subscribeAsync([`${prefix}/#`, `${prefix}-off/#`], { qos: 1 });
  on = start("on", true);
  off = start("off", false);
  await on.ready();
  await off.ready();
  const status = (w: number) =>
    `{"id":0,"source":"init","output":true,"apower":40,"aenergy":{"total":${w}}}`;
  await observer.send(`${company}/Porto/Meeting Room/Lamp/status/switch:0`, status(10));
  await observer.send(`${company}/Porto/Meeting Room/Lamp/status/switch:0`, status(10.5));
  await observer.waitFor(`${company}/CompanyEnergyConsumed`, (p) => p.TotalEnergy === 0.5);
}, 30_000);

afterAll(async () => {
  await on?.stop();
  await off?.stop();
  // Discovery configs are retained: leave the shared broker as we found it.
  for (const topic of new Set(configs.map((c) => c.topic)))
    await ha.publishAsync(topic, "", { qos: 1, retain: true });
  await ha.endAsync();
  await clearRetained(observer);
  await observer.close();
});

const waitFor = async (predicate: () => boolean, what: string) => {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(predicate(), what).toBe(true);
};

describe("Home Assistant discovery (built CLI, real Mosquitto)", () => {
  it("announces every node, retained, with its own output topic as state and the aggregator's status as availability", async () => {
    await waitFor(
      () => configs.filter((c) => c.topic.startsWith(`${prefix}/device/`)).length >= 4,
      "4 configs",
    );
    const byName = new Map(
      configs
        .filter((c) => c.topic.startsWith(`${prefix}/device/`))
        .map(
          (c) =>
            JSON.parse(c.payload) as {
              device: { name: string; via_device?: string; identifiers: string[] };
              state_topic: string;
              availability_topic: string;
              components: Record<string, { value_template: string }>;
            },
        )
        .map((p) => [p.device.name, p]),
    );
    expect([...byName.keys()].sort()).toEqual(
      [company, "Porto", "Porto / Meeting Room", "Porto / Meeting Room / Lamp"].sort(),
    );
    const lamp = byName.get("Porto / Meeting Room / Lamp")!;
    expect(lamp.state_topic).toBe(`${company}/Porto/Meeting Room/Lamp/status/EnergyConsumed`);
    expect(lamp.availability_topic).toBe(`${company}/aggregator/status`);
    expect(lamp.device.via_device).toBe(byName.get("Porto / Meeting Room")!.device.identifiers[0]);
    // The template's field is in the payload on the state topic (the company's total, which
    // the set-up waited for, can arrive before the lamp's own).
    await waitFor(() => observer.raw.has(lamp.state_topic), "the lamp's state topic");
    const published = JSON.parse(observer.raw.get(lamp.state_topic)!);
    expect(published.TotalEnergyConsumed).toBe(0.5);
    expect(lamp.components.energy!.value_template).toContain("value_json.TotalEnergyConsumed");
    // Retained: a client that subscribes later gets them.
    const late = await mqtt.connectAsync(BROKER_URL, { clientId: `late-${company}` });
    const retained: string[] = [];
    late.on("message", (topic, _p, packet) => {
      if (packet.retain) retained.push(topic);
    });
    await late.subscribeAsync(`${prefix}/device/#`, { qos: 1 });
    await waitFor(() => retained.length >= 4, "retained configs");
    await late.endAsync();
  });

  it("publishes every config again when Home Assistant announces itself", async () => {
    const before = configs.filter((c) => c.topic.startsWith(`${prefix}/device/`)).length;
    await ha.publishAsync(`${prefix}/status`, "online", { qos: 1 });
    await waitFor(
      () => configs.filter((c) => c.topic.startsWith(`${prefix}/device/`)).length >= before + 4,
      "republished",
    );
    expect(on.linesWith(/^Home Assistant is online/)).toHaveLength(1);
  });

  it("announces nothing with discovery off", async () => {
    await ha.publishAsync(`${prefix}-off/status`, "online", { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      configs.filter((c) => c.topic.startsWith(`${prefix}-off/`) && !c.topic.endsWith("/status")),
    ).toEqual([]);
  });
});
