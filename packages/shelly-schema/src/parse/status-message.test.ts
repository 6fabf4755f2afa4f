import { describe, expect, it } from "vitest";
import { expectError, messageOfKind } from "../../test/expect-result";
import { parseAllWays } from "../../test/parse-both";

const PREFIX = "Coreflux/Porto/Office/Dev1";

function status(component: string, payload: string | object) {
  return parseAllWays(`${PREFIX}/status/${component}`, payload);
}

function readingOf(component: string, payload: string | object) {
  const message = messageOfKind(status(component, payload), "status");
  expect(message.prefix).toBe(PREFIX);
  expect(message.component).toBe(component);
  expect(message.generation).toBe(2);
  expect(message.readings).toHaveLength(1);
  return message.readings[0];
}

describe("switch, pm1, cover, light status", () => {
  it("switch: every metering field, in canonical names", () => {
    expect(
      readingOf("switch:1", {
        id: 1,
        source: "HTTP_in",
        output: false,
        apower: -12.5,
        voltage: 230.1,
        current: 0.06,
        pf: -0.8,
        freq: 49.98,
        aenergy: { total: 10.5, by_minute: [1, 2, 3], minute_ts: 1718100060 },
        ret_aenergy: { total: 2.25, by_minute: [0, 0, 0], minute_ts: 1718100060 },
        temperature: { tC: 30.5, tF: 86.9 },
        errors: ["overtemp", "overvoltage"],
      }),
    ).toStrictEqual({
      component: "switch:1",
      meter: "switch:1",
      powerW: -12.5,
      energyWh: 10.5,
      returnedEnergyWh: 2.25,
      voltageV: 230.1,
      currentA: 0.06,
      powerFactor: -0.8,
      frequencyHz: 49.98,
      temperatureC: 30.5,
      output: false,
      source: "HTTP_in",
      errors: ["overtemp", "overvoltage"],
    });
  });

  it("a non-metering relay yields its output (and what switched it) only", () => {
    expect(readingOf("switch:0", { id: 0, source: "init", output: true })).toStrictEqual({
      component: "switch:0",
      meter: "switch:0",
      output: true,
      source: "init",
    });
  });

  it("temperature null (sensor out of range) leaves temperatureC out", () => {
    const reading = readingOf("switch:0", { apower: 1, temperature: { tC: null, tF: null } });
    expect(reading).toStrictEqual({ component: "switch:0", meter: "switch:0", powerW: 1 });
  });

  it("pm1: aprtpower becomes apparentPowerVA", () => {
    expect(
      readingOf("pm1:0", { id: 0, apower: 50, aprtpower: 60.5, pf: 0.83, aenergy: { total: 0 } }),
    ).toStrictEqual({
      component: "pm1:0",
      meter: "pm1:0",
      powerW: 50,
      energyWh: 0,
      powerFactor: 0.83,
      apparentPowerVA: 60.5,
    });
  });

  it("cover: metering while moving; state and positions are accepted and not needed", () => {
    expect(
      readingOf("cover:1", {
        id: 1,
        state: "opening",
        apower: 85,
        aenergy: { total: 314.801, by_minute: [1.698, 0, 0], minute_ts: 1657970342 },
        current_pos: null,
        target_pos: 100,
        last_direction: null,
      }),
    ).toStrictEqual({ component: "cover:1", meter: "cover:1", powerW: 85, energyWh: 314.801 });
  });

  it.each(["light:0", "rgb:0", "rgbw:1", "cct:2"])("%s: dimmer metering", (component) => {
    expect(
      readingOf(component, {
        output: true,
        brightness: 40,
        apower: 11.2,
        voltage: 229,
        current: 0.05,
        aenergy: { total: 99.5 },
        temperature: { tC: 41, tF: 105.8 },
        flags: ["uncalibrated"],
      }),
    ).toStrictEqual({
      component,
      meter: component,
      powerW: 11.2,
      energyWh: 99.5,
      voltageV: 229,
      currentA: 0.05,
      temperatureC: 41,
      output: true,
    });
  });

  it("unknown extra fields, nested anything, are accepted and ignored", () => {
    expect(
      readingOf("switch:0", {
        apower: 3,
        tag: null,
        counts: { on_time: 86400, nested: [{ deep: [1, [2, [3]]] }, "x", true, null] },
        future_field: "ok",
      }),
    ).toStrictEqual({ component: "switch:0", meter: "switch:0", powerW: 3 });
  });
});

describe("em, emdata, em1, em1data status", () => {
  it("em: null measurements are left out; a phase without values is left out", () => {
    expect(
      readingOf("em:0", {
        id: 0,
        a_current: 1,
        a_voltage: 230,
        a_act_power: 200,
        a_aprt_power: null,
        a_pf: null,
        a_freq: 50,
        b_current: null,
        b_voltage: null,
        b_act_power: null,
        c_act_power: -50,
        c_errors: ["out_of_range:current"],
        n_current: null,
        total_current: null,
        total_act_power: 150,
        total_aprt_power: null,
        errors: ["phase_sequence"],
      }),
    ).toStrictEqual({
      component: "em:0",
      meter: "em:0",
      powerW: 150,
      errors: ["phase_sequence"],
      phases: [
        { phase: "a", powerW: 200, voltageV: 230, currentA: 1, frequencyHz: 50 },
        { phase: "c", powerW: -50, errors: ["out_of_range:current"] },
      ],
    });
  });

  it("em: a partial delta with only one phase value", () => {
    expect(readingOf("em:0", { b_act_power: -1 })).toStrictEqual({
      component: "em:0",
      meter: "em:0",
      phases: [{ phase: "b", powerW: -1 }],
    });
  });

  it("emdata: counters in Wh, meter em:<id>", () => {
    expect(
      readingOf("emdata:1", {
        id: 1,
        a_total_act_energy: 10,
        a_total_act_ret_energy: 0,
        b_total_act_energy: null,
        c_total_act_ret_energy: 5.5,
        total_act: 10,
        total_act_ret: 5.5,
      }),
    ).toStrictEqual({
      component: "emdata:1",
      meter: "em:1",
      energyWh: 10,
      returnedEnergyWh: 5.5,
      phases: [
        { phase: "a", energyWh: 10, returnedEnergyWh: 0 },
        { phase: "c", returnedEnergyWh: 5.5 },
      ],
    });
  });

  it("em1: act_power (not apower) is the power", () => {
    expect(
      readingOf("em1:1", {
        id: 1,
        current: 2.1,
        voltage: 231.5,
        act_power: -480.2,
        aprt_power: 486.1,
        pf: -0.99,
        freq: 50,
        calibration: "factory",
      }),
    ).toStrictEqual({
      component: "em1:1",
      meter: "em1:1",
      powerW: -480.2,
      voltageV: 231.5,
      currentA: 2.1,
      powerFactor: -0.99,
      frequencyHz: 50,
      apparentPowerVA: 486.1,
    });
  });

  it("em1data: counters in Wh, meter em1:<id> (the Pro EM example values)", () => {
    expect(
      readingOf("em1data:1", { id: 1, total_act_energy: 6644.9, total_act_ret_energy: 2595.26 }),
    ).toStrictEqual({
      component: "em1data:1",
      meter: "em1:1",
      energyWh: 6644.9,
      returnedEnergyWh: 2595.26,
    });
  });

  it("em1 with every measurement null yields an empty reading", () => {
    expect(
      readingOf("em1:0", { current: null, voltage: null, act_power: null, aprt_power: null }),
    ).toStrictEqual({ component: "em1:0", meter: "em1:0" });
  });
});

describe("context statuses", () => {
  it("temperature:<id> is context in °C", () => {
    const message = messageOfKind(status("temperature:0", { id: 0, tC: 36.2, tF: 97.1 }), "status");
    expect(message.readings).toEqual([]);
    expect(message.temperatures).toStrictEqual([{ sensor: "temperature:0", temperatureC: 36.2 }]);
  });

  it("temperature null is no context at all", () => {
    const message = messageOfKind(status("temperature:100", { tC: null, tF: null }), "status");
    expect(message.temperatures).toBeUndefined();
  });

  it("sys gives uptime (s) and unixtime (s); null unixtime (clock not synced) is left out", () => {
    const synced = messageOfKind(
      status("sys", { mac: "A8032AB12345", uptime: 3600, unixtime: 1718100000, ram_free: 1 }),
      "status",
    );
    expect(synced).toStrictEqual({
      kind: "status",
      prefix: PREFIX,
      generation: 2,
      component: "sys",
      readings: [],
      uptimeS: 3600,
      unixtimeS: 1718100000,
    });
    const unsynced = messageOfKind(status("sys", { uptime: 5, unixtime: null }), "status");
    expect(unsynced.uptimeS).toBe(5);
    expect(unsynced.unixtimeS).toBeUndefined();
  });
});

describe("bad status payloads", () => {
  it.each([
    ["a number as a string", '{"apower":"12"}', "SCHEMA_MISMATCH"],
    ["a boolean where a number belongs", '{"voltage":true}', "SCHEMA_MISMATCH"],
    ["null where Shelly never sends null", '{"apower":null}', "SCHEMA_MISMATCH"],
    ["errors not a string list", '{"errors":"overtemp"}', "SCHEMA_MISMATCH"],
    ["aenergy not an object", '{"aenergy":5}', "SCHEMA_MISMATCH"],
    ["by_minute with a string", '{"aenergy":{"total":1,"by_minute":["1"]}}', "SCHEMA_MISMATCH"],
    ["an array instead of an object", "[1,2,3]", "SCHEMA_MISMATCH"],
    ["a bare number", "42", "SCHEMA_MISMATCH"],
    ["null", "null", "SCHEMA_MISMATCH"],
    ["a negative energy counter", '{"aenergy":{"total":-0.001}}', "INVALID_VALUE"],
    ["a negative returned counter", '{"ret_aenergy":{"total":-5}}', "INVALID_VALUE"],
    ["an infinite power (1e400)", '{"apower":1e400}', "INVALID_VALUE"],
    ["an infinite counter", '{"aenergy":{"total":1e999}}', "INVALID_VALUE"],
    ["a fractional id", '{"id":0.5}', "INVALID_VALUE"],
    ["a negative id", '{"id":-1}', "INVALID_VALUE"],
    ["an id that contradicts the topic", '{"id":3,"apower":1}', "SCHEMA_MISMATCH"],
    ["trailing garbage", '{"apower":1} x', "INVALID_JSON"],
    ["a trailing comma", '{"apower":1,}', "INVALID_JSON"],
    ["NaN", '{"apower":NaN}', "INVALID_JSON"],
    ["an empty payload", "", "INVALID_JSON"],
  ])("switch:0 with %s (%s) is %s", (_label, payload, code) => {
    const message = expectError(status("switch:0", payload), code as "SCHEMA_MISMATCH");
    expect(message.length).toBeLessThanOrEqual(200);
  });

  it("names the offending field", () => {
    expect(expectError(status("switch:0", '{"apower":"12"}'), "SCHEMA_MISMATCH")).toContain(
      "switch:0.apower",
    );
    expect(expectError(status("emdata:0", '{"total_act":-1}'), "INVALID_VALUE")).toContain(
      "total_act",
    );
  });

  it("em counters and measurements accept null but not strings", () => {
    expectError(status("em:0", '{"a_act_power":"1"}'), "SCHEMA_MISMATCH");
    expectError(status("emdata:0", '{"total_act":"1"}'), "SCHEMA_MISMATCH");
    expectError(status("em1data:0", '{"total_act_energy":-2}'), "INVALID_VALUE");
  });

  it("sys uptime must be a non-negative number", () => {
    expectError(status("sys", '{"uptime":-1}'), "INVALID_VALUE");
    expectError(status("sys", '{"uptime":"1"}'), "SCHEMA_MISMATCH");
  });
});

describe("JSON edge cases read the same on every path", () => {
  it.each([
    ['{"apower": 1, "apower": 2}', 2],
    ['{"apower":"x","apower":7}', 7],
    ['  \t\r\n{ "apower" :\n5 }  \n', 5],
    ['{"apow\\u0065r":9}', 9],
    ['{"source":"caf\\u00e9","apower":4}', 4],
    ['{"source":"café","apower":4}', 4],
    ['{"apower":1.5e2}', 150],
    ['{"apower":-0.0}', -0],
    ['{"apower":0.1}', 0.1],
    ['{"apower":123456789012345678901234567890}', 1.2345678901234568e29],
    ['{"apower":1E-7}', 1e-7],
    ['{"apower":2,"__proto__":{"voltage":1}}', 2],
  ])("%s has apower %d", (payload, expected) => {
    const reading = readingOf("switch:0", payload);
    expect(Object.is(reading?.powerW, expected)).toBe(true);
    expect(reading?.voltageV).toBeUndefined();
  });

  it("a leading byte order mark is not stripped (as a string would not be)", () => {
    expectError(status("switch:0", '\uFEFF{"apower":1}'), "INVALID_JSON");
  });
});
