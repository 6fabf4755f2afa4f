import { describe, expect, it } from "vitest";
import type { ShellyModel, SimMessage } from "../src/index";
import { countBy, oneModel, text, topicKind } from "./helpers/fleets";

/** Messages per topic kind in each of `minutes` windows of one simulated minute. */
function perMinute(model: ShellyModel, minutes: number): Array<Map<string, number>> {
  const fleet = oneModel(model);
  fleet.step(0);
  fleet.step(2_000); // past the first minute roll-over offset: windows now start just after :00+2s
  const windows: Array<Map<string, number>> = [];
  for (let i = 0; i < minutes; i++) {
    const messages = fleet.step(60_000);
    windows.push(countBy(messages, (m: SimMessage) => kindOf(m)));
  }
  return windows;
}

/** Topic kind, telling NotifyStatus frames apart by what they carry. */
function kindOf(m: SimMessage): string {
  const kind = topicKind(m.topic);
  if (kind !== "events/rpc") return kind;
  const t = text(m);
  if (t.includes('"aenergy"')) return "notify:aenergy";
  if (t.includes('"emdata:')) return "notify:emdata";
  if (t.includes('"apower"') || t.includes("act_power")) return "notify:power";
  return "notify:other";
}

describe("cadence: messages per simulated minute", () => {
  it("Plus Plug S: one status a minute plus one per power change, one aenergy NotifyStatus", () => {
    for (const w of perMinute("plus-plug-s", 120)) {
      expect(w.get("notify:aenergy")).toBe(1);
      expect(w.get("status/switch:N")).toBe(1 + (w.get("notify:power") ?? 0));
      expect([...w.keys()].sort()).toEqual(
        ["notify:aenergy", "notify:power", "status/switch:N"].filter((k) => w.has(k)),
      );
    }
  });

  it("Pro 4PM: the same for each of its four channels", () => {
    for (const w of perMinute("pro-4pm", 60)) {
      expect(w.get("notify:aenergy")).toBe(4);
      expect(w.get("status/switch:N")).toBe(4 + (w.get("notify:power") ?? 0));
    }
  });

  it("Plus PM Mini: pm1 status and aenergy each minute", () => {
    for (const w of perMinute("plus-pm-mini", 60)) {
      expect(w.get("notify:aenergy")).toBe(1);
      expect(w.get("status/pmN:N")).toBe(1 + (w.get("notify:power") ?? 0));
    }
  });

  it("Pro 3EM: emdata saved every minute (status + NotifyStatus), em:0 every minute and on changes", () => {
    for (const w of perMinute("pro-3em", 60)) {
      expect(w.get("status/emdata:N")).toBe(1);
      expect(w.get("notify:emdata")).toBe(1);
      expect(w.get("status/em:N")).toBe(1 + (w.get("notify:power") ?? 0));
    }
  });

  it("Gen1 Plug S: relay state, power and energy every 30 s", () => {
    for (const w of perMinute("gen1-plug-s", 60)) {
      expect(Object.fromEntries(w)).toEqual({
        "relay/N": 2,
        "relay/N/power": 2,
        "relay/N/energy": 2,
      });
    }
  });

  it("Gen1 EM: power, total and total_returned of both channels every 30 s", () => {
    for (const w of perMinute("gen1-em", 60)) {
      expect(Object.fromEntries(w)).toEqual({
        "emeter/N/power": 4,
        "emeter/N/total": 4,
        "emeter/N/total_returned": 4,
      });
    }
  });

  it("starts with online true and the full state", () => {
    const kinds = (model: ShellyModel) =>
      oneModel(model)
        .step(0)
        .map((m) => `${kindOf(m)}=${text(m).slice(0, 5)}`);
    expect(kinds("plus-plug-s")).toEqual([
      "online=true",
      'status/sys={"mac',
      'status/switch:N={"id"',
    ]);
    expect(kinds("pro-3em")).toEqual([
      "online=true",
      'status/sys={"mac',
      'status/em:N={"id"',
      'status/emdata:N={"id"',
    ]);
    expect(kinds("gen1-plug-s")[0]).toBe("online=true");
    expect(
      kinds("gen1-plug-s")
        .slice(1)
        .map((k) => k.split("=")[0]),
    ).toEqual(["relay/N", "relay/N/power", "relay/N/energy"]);
  });
});
