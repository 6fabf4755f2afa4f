import { EnergyEngine } from "@coreflux/hierarchy";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { Intake } from "./intake";
import { Counts } from "./metrics";
import { type DevicePlacementRule, Placement } from "./placement";

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
