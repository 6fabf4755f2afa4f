import { describe, expect, it } from "vitest";
import { checkFaultRates, parseFaultRates } from "./faults";
import { DEFAULT_FLEET_OPTIONS, resolveFleetOptions } from "./fleet-options";
import { parseModelMix } from "./model-mix";

describe("parseFaultRates", () => {
  it("reads name=rate pairs", () => {
    expect(parseFaultRates("reset=0.01, zero=0.01,spike=0.005,offline=0.002")).toEqual({
      ok: true,
      value: { reset: 0.01, zero: 0.01, spike: 0.005, offline: 0.002 },
    });
  });

  it.each([
    ["reset", '--faults: "reset" needs a value (name=number)'],
    ["reset=abc", '--faults: "reset=abc" is not name=number'],
    ["melt=0.1", 'faults: unknown fault "melt"'],
    ["zero=-1", "faults: rate of zero must be a finite number >= 0"],
    ["zero=1.5", "faults: zero is a probability per message, at most 1"],
    ["zero=0.6,spike=0.6", "add up to 1.2, more than 1"],
    ["", "--faults: empty"],
  ])("rejects %j", (text, message) => {
    const result = parseFaultRates(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it("allows per-hour rates above 1", () => {
    expect(checkFaultRates({ reset: 3, offline: 2 })).toEqual([]);
  });
});

describe("parseModelMix", () => {
  it("reads weights, or weight 1 for a bare name", () => {
    expect(parseModelMix("plus-plug-s=4,gen1-em")).toEqual({
      ok: true,
      value: { "plus-plug-s": 4, "gen1-em": 1 },
    });
  });

  it("rejects unknown models and an all-zero mix", () => {
    expect(parseModelMix("shelly-duo")).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown model "shelly-duo"'),
    });
    expect(parseModelMix("pro-3em=0")).toMatchObject({
      ok: false,
      error: "models: at least one weight must be > 0",
    });
  });
});

describe("resolveFleetOptions", () => {
  it("applies defaults", () => {
    expect(resolveFleetOptions({})).toEqual({ ok: true, options: DEFAULT_FLEET_OPTIONS });
  });

  it("names every problem", () => {
    const result = resolveFleetOptions({
      seed: -1,
      company: "a/b",
      offices: 0,
      layout: "flat" as never,
      timeZone: "Nowhere/Land",
      faults: { zero: 2 },
      bogus: 1,
    } as never);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      'unknown option "bogus"',
      "seed must be an integer from 0 to 4294967295, got -1",
      "company must be 1-64 characters without '/', '+', '#' or control characters (one topic level)",
      "offices must be an integer from 1 to 10000, got 0",
      'layout must be "hierarchy" or "ids", got "flat"',
      "faults: zero is a probability per message, at most 1",
      'timeZone: unknown IANA time zone "Nowhere/Land"',
    ]);
  });

  it("caps the fleet size", () => {
    const result = resolveFleetOptions({ offices: 1000, roomsPerOffice: 100, devicesPerRoom: 100 });
    expect(result).toEqual({ ok: false, errors: ["a fleet has at most 1000000 devices"] });
  });

  it("resolves the command options: a person with defaults, devices that ignore commands", () => {
    const result = resolveFleetOptions({ ignoreCommands: ["Porto/Kitchen/Fridge"], person: {} });
    expect(result.ok && result.options.person).toEqual({
      probability: 1,
      minAfterS: 60,
      maxAfterS: 600,
      source: "WS_in",
    });
    expect(
      resolveFleetOptions({ person: { afterS: 90, probability: 0.5, source: "switch" } }),
    ).toMatchObject({
      ok: true,
      options: { person: { probability: 0.5, minAfterS: 90, maxAfterS: 90, source: "switch" } },
    });
    expect(resolveFleetOptions({ ignoreCommands: 0.1 })).toMatchObject({
      ok: true,
      options: { ignoreCommands: 0.1, person: undefined },
    });
  });

  it("names every problem of the command options", () => {
    const result = resolveFleetOptions({
      ignoreCommands: 1.5,
      person: { probability: 2, afterS: [600, 60], source: "MQTT", when: 1 } as never,
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        "ignoreCommands must be a fraction from 0 to 1, got 1.5",
        'unknown option "person.when"',
        "person.probability must be from 0 to 1, got 2",
        "person.afterS must be seconds (0 … 86400) or [min, max] with min <= max, got [600,60]",
        'person.source must be 1-32 letters, digits or _.:- and not MQTT, got "MQTT"',
      ],
    });
    expect(resolveFleetOptions({ ignoreCommands: ["ok", ""], person: 3 as never })).toEqual({
      ok: false,
      errors: [
        "ignoreCommands must be a fraction from 0 to 1 or a list of device ids, prefixes or paths",
        "person must be an object { probability?, afterS?, source? }",
      ],
    });
  });
});
