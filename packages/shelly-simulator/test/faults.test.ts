import { parseShellyMessage } from "@coreflux/shelly-schema";
import { describe, expect, it } from "vitest";
import { createFleet, type FaultKind, type FaultRates, type SimMessage } from "../src/index";
import { collect } from "./helpers/engine-replay";

function run(faults: FaultRates, hours: number, devices = 120) {
  const fleet = createFleet({
    seed: 77,
    offices: 2,
    roomsPerOffice: 3,
    devicesPerRoom: devices / 6,
    faults,
  });
  const messages = collect(fleet, hours);
  return { fleet, messages, stats: fleet.stats() };
}

function tagged(messages: SimMessage[], kind: FaultKind): number {
  return messages.filter((m) => m.fault === kind).length;
}

describe("fault injection", () => {
  it.each([
    ["zero", 0.02],
    ["spike", 0.02],
    ["duplicate", 0.03],
    ["reorder", 0.03],
    ["malformed", 0.02],
  ] as const)("%s hits metering messages with probability %d (±15 %%)", (kind, rate) => {
    const { messages, stats } = run({ [kind]: rate }, 2);
    expect(tagged(messages, kind)).toBe(stats.faults[kind]);
    expect(stats.meteringMessages).toBeGreaterThan(50_000);
    const observed = stats.faults[kind] / stats.meteringMessages;
    expect(observed).toBeGreaterThan(rate * 0.85);
    expect(observed).toBeLessThan(rate * 1.15);
    for (const other of [
      "zero",
      "spike",
      "duplicate",
      "reorder",
      "malformed",
      "reset",
      "offline",
    ] as const) {
      if (other !== kind) expect(stats.faults[other]).toBe(0);
    }
  });

  it.each([
    ["reset", 0.4],
    ["offline", 0.4],
  ] as const)(
    "%s happens %d times per device-hour (±20 %%), each announced by online false",
    (kind, rate) => {
      const { messages, stats } = run({ [kind]: rate }, 3);
      const drawn = stats.faults[kind] + stats.suppressed[kind];
      const expected = rate * stats.deviceHours;
      expect(drawn).toBeGreaterThan(expected * 0.8);
      expect(drawn).toBeLessThan(expected * 1.2);
      expect(stats.faults[kind]).toBeGreaterThan(drawn * 0.75);
      const announced = messages.filter((m) => m.fault === kind);
      expect(announced.length).toBe(stats.faults[kind]);
      for (const m of announced)
        expect([m.topic.endsWith("/online"), m.payload]).toEqual([true, "false"]);
    },
  );

  it("a reboot publishes the counters, goes offline for seconds, comes back with a small uptime and counters from 0", () => {
    const { messages } = run({ reset: 1 }, 1, 60);
    const i = messages.findIndex((m) => m.fault === "reset" && m.topic.startsWith("Coreflux/"));
    expect(i).toBeGreaterThan(0);
    const prefix = messages[i]!.topic.slice(0, -"/online".length);
    const mine = messages.slice(i - 8).filter((m) => m.topic.startsWith(`${prefix}/`));
    const at = mine.indexOf(messages[i]!);
    const before = mine[at - 1]!;
    const after = mine.slice(at + 1, at + 4);
    expect(before.topic).toMatch(/\/status\/(switch|pm1|em|emdata):\d$/);
    expect(before.tsMs).toBe(messages[i]!.tsMs);
    expect(after.map((m) => m.topic.slice(prefix.length))).toEqual([
      "/online",
      "/status/sys",
      "/events/rpc",
    ]);
    const back = after[0]!;
    expect(back.payload).toBe("true");
    expect(back.tsMs - messages[i]!.tsMs).toBeGreaterThanOrEqual(2000);
    expect(back.tsMs - messages[i]!.tsMs).toBeLessThanOrEqual(4000);
    const sys = parseShellyMessage(after[1]!.topic, after[1]!.payload);
    expect(sys.ok && sys.message.kind === "status" && sys.message.uptimeS).toBeLessThanOrEqual(4);
  });

  it("never leaves a fault as a channel's last reading, and malformed payloads never parse", () => {
    const { messages } = run(
      {
        reset: 0.5,
        offline: 0.5,
        zero: 0.03,
        spike: 0.03,
        duplicate: 0.03,
        reorder: 0.03,
        malformed: 0.03,
      },
      2,
      60,
    );
    const last = new Map<string, SimMessage>();
    let malformed = 0;
    for (const m of messages) {
      const parsed = parseShellyMessage(m.topic, m.payload);
      if (m.fault === "malformed") {
        malformed++;
        expect(parsed.ok).toBe(false);
        continue;
      }
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      for (const r of parsed.message.readings) {
        if (r.energyWh !== undefined) last.set(`${parsed.message.prefix} ${r.meter} active`, m);
        if (r.returnedEnergyWh !== undefined)
          last.set(`${parsed.message.prefix} ${r.meter} returned`, m);
      }
    }
    expect(malformed).toBeGreaterThan(100);
    expect(last.size).toBeGreaterThan(60);
    const faultyLast = [...last]
      .filter(([, m]) => m.fault !== undefined)
      .map(([k, m]) => `${k}: ${m.fault}`);
    expect(faultyLast).toEqual([]);
  });
});
