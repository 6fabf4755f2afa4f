import { parseShellyMessage } from "@coreflux/shelly-schema";
import { describe, expect, it } from "vitest";
import { createFleet, type SimMessage } from "../src/index";
import { oneModel, text } from "./helpers/fleets";

/** Consecutive readings of one device: power at the start of each period, and the counter. */
function series(
  messages: SimMessage[],
  powerSuffix: string,
  counterSuffix: string,
): Array<{ powerW: number; counter: number; tsMs: number }> {
  const out: Array<{ powerW: number; counter: number; tsMs: number }> = [];
  let power = Number.NaN;
  for (const m of messages) {
    if (m.topic.endsWith(powerSuffix)) power = Number(text(m));
    if (m.topic.endsWith(counterSuffix))
      out.push({ powerW: power, counter: Number(text(m)), tsMs: m.tsMs });
  }
  return out;
}

describe("units on the wire", () => {
  it("Gen1 relay energy counts whole watt-minutes: 30 s at P watts adds P/2", () => {
    const fleet = oneModel("gen1-plug-s", 8, { startMs: Date.UTC(2026, 5, 1, 9) });
    const all = fleet.step(0).concat(fleet.step(4 * 3_600_000));
    let checked = 0;
    for (const device of fleet.devices) {
      const s = series(
        all.filter((m) => m.topic.startsWith(`${device.prefix}/`)),
        "/relay/0/power",
        "/relay/0/energy",
      );
      for (let i = 1; i < s.length; i++) {
        const a = s[i - 1]!;
        const b = s[i]!;
        expect(Number.isInteger(b.counter)).toBe(true);
        if (a.powerW !== b.powerW || b.tsMs - a.tsMs !== 30_000) continue; // the load changed meanwhile
        const expected = (a.powerW * 30) / 60;
        expect(Math.abs(b.counter - a.counter - expected)).toBeLessThanOrEqual(1);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it("shelly-schema reads Gen1 watt-minutes as Wh / 60", () => {
    const fleet = oneModel("gen1-plug-s");
    const energy = fleet.step(0).find((m) => m.topic.endsWith("/relay/0/energy"))!;
    const parsed = parseShellyMessage(energy.topic, energy.payload);
    expect(parsed.ok && parsed.message.readings[0]?.energyWh).toBe(Number(text(energy)) / 60);
  });

  it("Gen1 EM total is Wh with one decimal: 30 s at P watts adds P/120 Wh", () => {
    const fleet = oneModel("gen1-em", 4, { startMs: Date.UTC(2026, 5, 1, 9) });
    const all = fleet.step(0).concat(fleet.step(2 * 3_600_000));
    let checked = 0;
    for (const device of fleet.devices) {
      const mine = all.filter((m) => m.topic.startsWith(`${device.prefix}/emeter/0/`));
      for (const m of mine) if (m.topic.endsWith("/total")) expect(text(m)).toMatch(/^\d+\.\d$/);
      const s = series(mine, "/power", "/total");
      for (let i = 1; i < s.length; i++) {
        const a = s[i - 1]!;
        const b = s[i]!;
        if (a.powerW !== b.powerW || b.tsMs - a.tsMs !== 30_000) continue;
        expect(Math.abs(b.counter - a.counter - a.powerW / 120)).toBeLessThanOrEqual(0.1 + 1e-9);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("Gen2 aenergy.total is Wh with 3 decimals and by_minute[0] the last minute in mWh", () => {
    const fleet = oneModel("plus-plug-s", 6, { startMs: Date.UTC(2026, 5, 1, 9) });
    const all = fleet.step(0).concat(fleet.step(3 * 3_600_000));
    let checked = 0;
    for (const device of fleet.devices) {
      const rollovers = all
        .filter((m) => m.topic === `${device.prefix}/events/rpc` && text(m).includes('"aenergy"'))
        .map(
          (m) =>
            JSON.parse(text(m)).params["switch:0"].aenergy as {
              total: number;
              by_minute: number[];
              minute_ts: number;
            },
        );
      for (let i = 1; i < rollovers.length; i++) {
        const a = rollovers[i - 1]!;
        const b = rollovers[i]!;
        expect(b.minute_ts - a.minute_ts).toBe(60);
        expect(b.minute_ts % 60).toBe(0);
        expect(Math.abs((b.total - a.total) * 1000 - b.by_minute[0]!)).toBeLessThanOrEqual(1.001);
        expect(b.by_minute[1]).toBe(a.by_minute[0]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    const status = all.find((m) => m.topic.endsWith("/status/switch:0"))!;
    expect(text(status)).toMatch(/"aenergy":\{"total":\d+\.\d{3},/);
  });

  it("Pro 3EM: total_act is the sum of the phases, and an exporting phase has negative power and a growing returned counter", () => {
    const fleet = oneModel("pro-3em", 12, { startMs: Date.UTC(2026, 5, 1, 11) });
    const all = fleet.step(0).concat(fleet.step(2 * 3_600_000));
    const emdata = all
      .filter((m) => m.topic.endsWith("/status/emdata:0"))
      .map((m) => JSON.parse(text(m)));
    for (const d of emdata) {
      const phases = ["a", "b", "c"];
      const act = phases.reduce((s, x) => s + Math.round(d[`${x}_total_act_energy`] * 100), 0);
      expect(Math.round(d.total_act * 100)).toBe(act);
    }
    const exporting = all.filter(
      (m) => m.topic.endsWith("/status/em:0") && /"c_act_power":-/.test(text(m)),
    );
    expect(exporting.length).toBeGreaterThan(10);
    const prefix = exporting[0]!.topic.slice(0, -"/status/em:0".length);
    const returned = all
      .filter((m) => m.topic === `${prefix}/status/emdata:0`)
      .map((m) => JSON.parse(text(m)).total_act_ret as number);
    expect(returned[returned.length - 1]!).toBeGreaterThan(returned[0]!);
  });
});

describe("power limits that keep a wall-clock aggregator exact", () => {
  it("no channel can draw more than 9 kW, no volatile channel more than 3 kW", () => {
    const fleet = createFleet({ seed: 99, offices: 4, roomsPerOffice: 10, devicesPerRoom: 25 });
    const sims = (
      fleet as unknown as {
        sims: Array<{ spec: { volatileCounters: boolean }; channels: Array<{ maxW: number }> }>;
      }
    ).sims;
    let highest = 0;
    for (const d of sims) {
      for (const ch of d.channels) {
        expect(ch.maxW).toBeLessThanOrEqual(9000);
        if (d.spec.volatileCounters) expect(ch.maxW).toBeLessThanOrEqual(3000);
        highest = Math.max(highest, ch.maxW);
      }
    }
    expect(highest).toBeGreaterThan(5000);
  });
});
