import { type DevicePlacementRule, Placement } from "@coreflux/config";
import { EnergyEngine } from "@coreflux/hierarchy";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { Intake } from "./intake";
import { Counts } from "./metrics";

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);
const TOPIC = "Coreflux/Porto/Kitchen/Fridge/status/switch:0";

function intake(options: { maxDevices?: number; rules?: DevicePlacementRule[] } = {}) {
  const engine = new EnergyEngine({ timeZone: "UTC" });
  const counts = new Counts();
  let now = T0;
  const placement = new Placement("Coreflux", options.rules ?? []);
  const handler = new Intake(engine, placement, counts, pino({ level: "silent" }), {
    maxDevices: options.maxDevices ?? 100,
    maxPayloadBytes: 65_536,
  });
  const send = (topic: string, payload: string) => {
    now += 60_000;
    handler.handleAt(topic, Buffer.from(payload), now);
  };
  /** received = accepted + rejected + ignored, every message counted exactly once. */
  const balance = () =>
    counts.accepted +
    [...counts.rejected.values(), ...counts.ignored.values()].reduce((a, b) => a + b, 0);
  return { engine, counts, send, balance, handler };
}

describe("Intake counts every message exactly once", () => {
  it("a counter beyond exact accounting (1e300 Wh) is rejected as invalid-reading, not also accepted", () => {
    const { counts, send, balance } = intake();
    send(TOPIC, '{"id":0,"aenergy":{"total":1000.000}}');
    send(TOPIC, '{"id":0,"aenergy":{"total":1e300}}');
    send(TOPIC, '{"id":0,"aenergy":{"total":9007199254740993}}');
    send(TOPIC, '{"id":0,"aenergy":{"total":1000.500}}');
    expect(counts.received).toBe(4);
    expect(counts.accepted).toBe(2);
    expect(Object.fromEntries(counts.rejected)).toEqual({ "invalid-reading": 2 });
    expect(counts.readings.get("invalid")).toBe(2);
    expect(balance()).toBe(counts.received);
  });

  it("a message whose only reading is invalid (power included) is counted once, as rejected", () => {
    const { counts, send, balance } = intake();
    send(TOPIC, '{"id":0,"apower":12.5,"aenergy":{"total":1e300}}');
    expect(counts.accepted).toBe(0);
    expect(Object.fromEntries(counts.rejected)).toEqual({ "invalid-reading": 1 });
    expect(balance()).toBe(counts.received);
  });
});

describe("Intake device limit", () => {
  const rules = [
    { match: "shellies/shellyplug-s-7AD4B1", path: "Porto/Kitchen/Kettle" },
    { match: "shellyplusplugs-c82e18a1b2c3", path: "Porto/Kitchen/Toaster" },
  ];

  it("keeps room for every [[devices]] rule: a flood of topics cannot lock out a configured device", () => {
    const { counts, send, handler, balance } = intake({ maxDevices: 5, rules });
    for (let i = 0; i < 50; i++) {
      send(`Coreflux/Flood/Room/Device${i}/status/switch:0`, '{"id":0,"aenergy":{"total":1.000}}');
    }
    // 5 devices at most, 2 of them reserved for the rules: 3 made-up devices got in.
    expect(handler.deviceCount).toBe(3);
    expect(counts.rejected.get("device-limit")).toBe(47);
    send("shellies/shellyplug-s-7AD4B1/relay/0/energy", "600");
    send("shellyplusplugs-c82e18a1b2c3/status/switch:0", '{"id":0,"aenergy":{"total":2.000}}');
    expect(handler.deviceCount).toBe(5);
    expect(counts.accepted).toBe(5);
    expect(counts.rejected.get("device-limit")).toBe(47);
    expect(balance()).toBe(counts.received);
  });
});

describe("Intake counter-event log", () => {
  it("lists at most 50 counter events a cycle and sums up the rest in one line", () => {
    const lines: { msg: string; notListed?: Record<string, number> }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const engine = new EnergyEngine({ timeZone: "UTC" });
    const counts = new Counts();
    let now = T0;
    const handler = new Intake(engine, new Placement("Coreflux", []), counts, log, {
      maxDevices: 1000,
      maxPayloadBytes: 65_536,
    });
    const send = (device: number, totalWh: number) => {
      now += 60_000;
      handler.handleAt(
        `Coreflux/Office/Room/Plug${device}/status/switch:0`,
        Buffer.from(`{"id":0,"aenergy":{"total":${totalWh}}}`),
        now,
      );
    };
    // 80 meters reset at once (a power cut): 1000 Wh, then back near zero, confirmed.
    for (let d = 0; d < 80; d++) send(d, 1000);
    for (let d = 0; d < 80; d++) send(d, 0.5);
    for (let d = 0; d < 80; d++) send(d, 1);
    handler.takeCounterEvents();
    expect(counts.readings.get("reset")).toBe(80);
    expect(lines.filter((l) => l.msg.startsWith("counter reset"))).toHaveLength(50);
    const summary = lines.filter((l) => l.msg.startsWith("more counter events"));
    expect(summary).toHaveLength(1);
    expect(summary[0]!.notListed).toEqual({ reset: 30 });

    // The next cycle lists again, and a quiet cycle writes no summary.
    send(0, 50);
    send(0, 0.2);
    send(0, 0.4);
    handler.takeCounterEvents();
    handler.takeCounterEvents();
    expect(lines.filter((l) => l.msg.startsWith("counter reset"))).toHaveLength(51);
    expect(lines.filter((l) => l.msg.startsWith("more counter events"))).toHaveLength(1);
  });
});

describe("Intake hands the engine the device's evidence", () => {
  /** An intake whose log lines are kept. */
  function logged() {
    const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const engine = new EnergyEngine({ timeZone: "UTC" });
    const counts = new Counts();
    const placement = new Placement("Coreflux", [
      { match: "shellies/shellyplug-s-7AD4B1", path: "Porto/Kitchen/Kettle" },
    ]);
    const handler = new Intake(engine, placement, counts, log, {
      maxDevices: 100,
      maxPayloadBytes: 65_536,
    });
    const meterOf = (path: string, id: string) => {
      const found = engine.meter(path.split("/"), id);
      if (!found.ok) throw new Error("no meter");
      return engine.meterView(found.meter);
    };
    return { engine, counts, handler, lines, meterOf };
  }
  const notify = (src: string, prefix: string, tsS: number, fields: string) =>
    `{"src":"${src}","dst":"${prefix}/events","method":"NotifyStatus","params":{"ts":${tsS},"switch:0":{"id":0,${fields}}}}`;

  it("rates a meter by the model its device id names (the topic of a Gen1 device, the src of a Gen2 one)", () => {
    const { handler, meterOf } = logged();
    handler.handleAt("shellies/shellyplug-s-7AD4B1/relay/0/energy", Buffer.from("600"), T0);
    expect(meterOf("Coreflux/Porto/Kitchen/Kettle", "relay:0")).toMatchObject({
      maxPowerW: 2880,
      maxPowerSource: "rating",
    });
    // A custom prefix says nothing of the model; the src of its NotifyStatus does.
    const prefix = "Coreflux/Porto/Kitchen/Fridge";
    handler.handleAt(
      `${prefix}/status/switch:0`,
      Buffer.from('{"id":0,"aenergy":{"total":1.000}}'),
      T0,
    );
    expect(meterOf(prefix, "switch:0").maxPowerSource).toBe("default");
    handler.handleAt(
      `${prefix}/events/rpc`,
      Buffer.from(notify("shellyplusplugs-c82e18a1b2c3", prefix, T0 / 1000, '"apower":12.5')),
      T0 + 1000,
    );
    expect(meterOf(prefix, "switch:0")).toMatchObject({
      maxPowerW: 4600,
      maxPowerSource: "rating",
    });
  });

  it("passes the frame's device time: a re-delivered older frame is ignored as backward", () => {
    const { handler, counts, meterOf } = logged();
    const prefix = "Coreflux/Porto/Lab/Heater";
    const frame = (tsS: number, totalWh: number) =>
      Buffer.from(
        notify(
          "shellyplus1pm-a8032ab12345",
          prefix,
          tsS,
          `"apower":1500,"aenergy":{"total":${totalWh}}`,
        ),
      );
    const t0S = T0 / 1000;
    handler.handleAt(`${prefix}/events/rpc`, frame(t0S, 100), T0);
    handler.handleAt(`${prefix}/events/rpc`, frame(t0S + 60, 125), T0 + 60_000);
    handler.handleAt(`${prefix}/events/rpc`, frame(t0S + 120, 150), T0 + 120_000);
    // The broker delivers the first frame again, two minutes late.
    handler.handleAt(`${prefix}/events/rpc`, frame(t0S, 100), T0 + 125_000);
    expect(counts.readings.get("backward")).toBe(1);
    expect(meterOf(prefix, "switch:0").energyMwh).toBe(50_000);
  });

  it("reports a meter that draws more than its limit, as its own power confirms, once", () => {
    const { handler, counts, lines, meterOf } = logged();
    const prefix = "Coreflux/Porto/Lab/Oven";
    // A Plus Plug S (4.6 kW) reporting 6 kW, and a counter that agrees, for five minutes.
    for (let i = 0; i <= 5; i++) {
      handler.handleAt(
        `${prefix}/events/rpc`,
        Buffer.from(
          notify(
            "shellyplusplugs-c82e18a1b2c3",
            prefix,
            T0 / 1000 + 60 * i,
            `"apower":6000,"aenergy":{"total":${1000 + 100 * i}}`,
          ),
        ),
        T0 + 60_000 * i,
      );
    }
    expect(counts.readings.get("over-limit")).toBe(5);
    expect(meterOf(prefix, "switch:0").energyMwh).toBe(500_000);
    const warned = lines.filter((l) => l.msg.startsWith("meter draws more than its limit"));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({
      device: prefix,
      meter: "switch:0",
      maxPowerW: 4600,
      maxPowerSource: "rating",
    });
  });

  it("gives a Pro 3EM's power by direction: export on one phase while the others import is counted", () => {
    const { handler, meterOf } = logged();
    const prefix = "Coreflux/Porto/Plant/Board";
    // Phase A exports 2 kW of solar, B and C import 2.5 kW: a net of +500 W.
    const frame = (i: number) =>
      Buffer.from(
        JSON.stringify({
          src: "shellypro3em-0cb815fc1234",
          dst: `${prefix}/events`,
          method: "NotifyStatus",
          params: {
            ts: T0 / 1000 + 60 * i,
            "em:0": {
              id: 0,
              a_act_power: -2000,
              b_act_power: 1500,
              c_act_power: 1000,
              total_act_power: 500,
            },
            "emdata:0": {
              id: 0,
              total_act: 5000 + (2500 / 60) * i,
              total_act_ret: 800 + (2000 / 60) * i,
            },
          },
        }),
      );
    for (let i = 0; i <= 3; i++)
      handler.handleAt(`${prefix}/events/rpc`, frame(i), T0 + 60_000 * i);
    const meter = meterOf(prefix, "em:0");
    // Every minute's 33.333 Wh of export, as it happens (by the net power, none of it could
    // flow back and each rise would wait for the next reading).
    expect(meter.returnedEnergyMwh).toBe(100_000);
    expect(meter.energyMwh).toBe(125_000);
    expect(meter.powerW).toBe(500);
  });
});
