import { readFileSync } from "node:fs";
import { parseShellyMessage } from "@coreflux/shelly-schema";
import { describe, expect, it } from "vitest";
import { SHELLY_MODELS, type ShellyModel, type SimMessage } from "../src/index";
import { oneModel, text } from "./helpers/fleets";

interface Fixture {
  name: string;
  topic: string;
  payload: string;
}
/** The shared, wire-exact fixtures (read at test time, as shelly-schema's tests do). */
const FIXTURES_PATH = "/work/shared/shelly/fixtures.json";
const FIXTURES: Fixture[] = JSON.parse(readFileSync(FIXTURES_PATH, "utf8"));
const fixture = (name: string): string => FIXTURES.find((f) => f.name === name)!.payload;

/**
 * The shape of a JSON text: keys, nesting, separators and spacing kept, every scalar value replaced
 * by `#` (so `{"id":0, "apower":118.4}` → `{"id":#, "apower":#}`).
 */
function skeleton(json: string): string {
  let out = "";
  let i = 0;
  let expectKey = false;
  const stack: string[] = [];
  while (i < json.length) {
    const c = json[i]!;
    if (c === '"') {
      const end = json.indexOf('"', i + 1);
      const s = json.slice(i, end + 1);
      const isKey = stack[stack.length - 1] === "{" && expectKey;
      out += isKey ? s : "#";
      i = end + 1;
      continue;
    }
    if (c === "{" || c === "[") {
      stack.push(c);
      expectKey = c === "{";
      out += c;
    } else if (c === "}" || c === "]") {
      stack.pop();
      out += c;
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] === "{";
      out += c;
    } else if (c === ":") {
      expectKey = false;
      out += c;
    } else if (c === " ") out += c;
    else {
      // a number, true, false or null
      while (i < json.length && !",}] ".includes(json[i]!)) i++;
      out += "#";
      continue;
    }
    i++;
  }
  return out;
}

function firstPayload(model: ShellyModel, match: (m: SimMessage) => boolean, hours = 3): string {
  const fleet = oneModel(model, 6, { startMs: Date.UTC(2026, 5, 1, 8) });
  const messages = fleet.step(0).concat(fleet.step(hours * 3_600_000));
  const found = messages.find(match);
  if (found === undefined) throw new Error(`no such message from ${model}`);
  return text(found);
}

const ends = (suffix: string) => (m: SimMessage) => m.topic.endsWith(suffix);
const notify = (needle: string) => (m: SimMessage) =>
  m.topic.endsWith("/events/rpc") && text(m).includes(needle);
const params = (payload: string) =>
  payload.slice(0, payload.indexOf('"ts":') + 5) +
  "#" +
  payload.slice(payload.indexOf(",", payload.indexOf('"ts":')));

describe("wire shapes follow the REFERENCE fixtures (keys, order, spacing)", () => {
  it.each([
    ["plus-plug-s", ends("/status/switch:0"), "gen2_plusplugs_status_switch0_full"],
    ["pro-4pm", ends("/status/switch:2"), "gen2_pro4pm_status_switch2_full"],
    ["plus-pm-mini", ends("/status/pm1:0"), "gen2_pmmini_status_pm1_0"],
    ["pro-3em", ends("/status/em:0"), "gen2_pro3em_status_em0_phase_b_exporting"],
    ["pro-3em", ends("/status/emdata:0"), "gen2_pro3em_status_emdata0_totals_wh"],
  ] as const)("%s status like %s", (model, match, name) => {
    expect(skeleton(firstPayload(model, match))).toBe(skeleton(fixture(name)));
  });

  it("NotifyStatus deltas: apower only, aenergy only at the roll-over", () => {
    const power = firstPayload("plus-plug-s", notify('"apower"'));
    const energy = firstPayload("plus-plug-s", notify('"aenergy"'));
    const src = JSON.parse(power).src as string;
    const withSrc = (p: string) => p.replaceAll(src, "shellyplusplugs-c82e18a1b2c3");
    // Fixture prefixes are the device id; ours is the hierarchy path: compare with the prefix swapped.
    const dst = JSON.parse(power).dst as string;
    const norm = (p: string) =>
      skeleton(withSrc(p).replace(dst, "shellyplusplugs-c82e18a1b2c3/events"));
    const apowerOnly = FIXTURES.find(
      (f) => f.name === "gen2_plusplugs_notifystatus_partial_apower_only",
    )!;
    const aenergyOnly = FIXTURES.find(
      (f) => f.name === "gen2_plusplugs_notifystatus_partial_aenergy_minute_rollover",
    )!;
    expect(norm(power)).toBe(skeleton(apowerOnly.payload));
    expect(norm(energy)).toBe(skeleton(aenergyOnly.payload));
    expect(JSON.parse(energy).params.ts).toBeGreaterThan(1.7e9);
    expect(params(energy)).toMatch(
      /^\{"src":"shellyplusplugs-[0-9a-f]{12}","dst":"[^"]+\/events","method":"NotifyStatus","params":\{"ts":#,"switch:0":/,
    );
  });

  it("ts has two decimals; ids and topics have Shelly's format", () => {
    const fleet = oneModel("plus-plug-s", 3, { layout: "ids" });
    const messages = fleet.step(0).concat(fleet.step(600_000));
    const frames = messages.filter((m) => m.topic.endsWith("/events/rpc"));
    expect(frames.length).toBeGreaterThan(10);
    for (const m of frames) expect(text(m)).toMatch(/"ts":\d{10}\.\d{2},/);
    for (const d of fleet.devices) {
      expect(d.prefix).toMatch(/^shellyplusplugs-[0-9a-f]{12}$/);
      expect(d.prefix).toBe(d.id);
    }
    const gen1 = oneModel("gen1-plug-s", 3);
    for (const d of gen1.devices) expect(d.prefix).toMatch(/^shellies\/shellyplug-s-[0-9A-F]{6}$/);
    const em = oneModel("gen1-em", 3);
    for (const d of em.devices) expect(d.prefix).toMatch(/^shellies\/shellyem-[0-9A-F]{6}$/);
  });

  it("Gen1 scalars: power with 2 decimals, energy whole watt-minutes, EM totals with 1 decimal", () => {
    for (const [model, suffix, pattern] of [
      ["gen1-plug-s", "/relay/0/power", /^-?\d+\.\d{2}$/],
      ["gen1-plug-s", "/relay/0/energy", /^\d+$/],
      ["gen1-plug-s", "/relay/0", /^(on|off)$/],
      ["gen1-em", "/emeter/1/power", /^-?\d+\.\d{2}$/],
      ["gen1-em", "/emeter/0/total", /^\d+\.\d$/],
      ["gen1-em", "/emeter/1/total_returned", /^\d+\.\d$/],
    ] as const) {
      const fleet = oneModel(model, 2);
      const messages = fleet.step(0).concat(fleet.step(120_000)).filter(ends(suffix));
      expect(messages.length).toBeGreaterThan(0);
      for (const m of messages) expect(text(m)).toMatch(pattern);
    }
  });

  it("every message of every model parses with shelly-schema, with the readings its topic promises", () => {
    for (const model of SHELLY_MODELS) {
      const fleet = oneModel(model, 4, { startMs: Date.UTC(2026, 5, 1, 10) });
      const messages = fleet
        .step(0)
        .concat(fleet.step(3_600_000), fleet.settle(), fleet.shutdown());
      for (const m of messages) {
        const parsed = parseShellyMessage(m.topic, m.payload);
        if (!parsed.ok) throw new Error(`${m.topic} ${text(m)}: ${parsed.error.message}`);
        const readings = parsed.message.readings;
        if (
          /\/(status\/(switch|pm1|emdata):\d|relay\/\d\/energy|emeter\/\d\/total)$/.test(m.topic)
        ) {
          expect(
            readings.some((r) => r.energyWh !== undefined || r.returnedEnergyWh !== undefined),
          ).toBe(true);
        }
        if (m.topic.endsWith("/status/emdata:0"))
          expect(readings[0]).toMatchObject({ meter: "em:0" });
      }
    }
  });
});
