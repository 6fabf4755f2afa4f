import { describe, expect, it } from "vitest";
import { expectError, messageOfKind } from "../../test/expect-result";
import { parseAllWays } from "../../test/parse-both";

const TOPIC = "Coreflux/Porto/Lab/Plug1/events/rpc";
const SRC = "shellyplugsg3-a0b1c2d3e4f5";

function frame(method: string, params: object, extra: object = {}) {
  return { src: SRC, dst: "Coreflux/Porto/Lab/Plug1/events", method, params, ...extra };
}

function notification(payload: string | object) {
  return messageOfKind(parseAllWays(TOPIC, payload), "notification");
}

describe("NotifyStatus", () => {
  it("a partial delta without id yields a reading with only what changed", () => {
    const message = notification(
      frame("NotifyStatus", { ts: 1718100071.42, "switch:0": { apower: 11.5, current: 0.071 } }),
    );
    expect(message).toStrictEqual({
      kind: "notification",
      prefix: "Coreflux/Porto/Lab/Plug1",
      generation: 3,
      method: "NotifyStatus",
      src: SRC,
      deviceTsMs: 1718100071420,
      readings: [
        {
          component: "switch:0",
          meter: "switch:0",
          powerW: 11.5,
          currentA: 0.071,
          deviceTsMs: 1718100071420,
        },
      ],
    });
  });

  it("a counts-only delta still yields a (value-less) reading for its component", () => {
    const message = notification(
      frame("NotifyStatus", {
        ts: 1,
        "switch:0": { counts: { on_time: 5, switch_on: 1 } },
      }),
    );
    expect(message.readings).toStrictEqual([
      { component: "switch:0", meter: "switch:0", deviceTsMs: 1000 },
    ]);
  });

  it("every metering component of a frame yields a reading, in frame order", () => {
    const message = notification(
      frame("NotifyStatus", {
        ts: 1718100000,
        "em1:1": { act_power: -480.2 },
        "em1data:1": { total_act_energy: 6644.9, total_act_ret_energy: 2595.26 },
        "input:0": { state: true },
        wifi: { rssi: -60 },
        "switch:0": { output: true },
      }),
    );
    expect(message.readings.map((r) => [r.component, r.meter])).toEqual([
      ["em1:1", "em1:1"],
      ["em1data:1", "em1:1"],
      ["switch:0", "switch:0"],
    ]);
    expect(message.readings[1]).toStrictEqual({
      component: "em1data:1",
      meter: "em1:1",
      energyWh: 6644.9,
      returnedEnergyWh: 2595.26,
      deviceTsMs: 1718100000000,
    });
  });

  it("a frame without ts has no device time; without src, generation 2", () => {
    const message = notification({ method: "NotifyStatus", params: { "pm1:0": { apower: 1 } } });
    expect(message).toStrictEqual({
      kind: "notification",
      prefix: "Coreflux/Porto/Lab/Plug1",
      generation: 2,
      method: "NotifyStatus",
      readings: [{ component: "pm1:0", meter: "pm1:0", powerW: 1 }],
    });
  });

  it("a sys key yields uptime context; errors in a delta are kept", () => {
    const message = notification(
      frame("NotifyStatus", {
        ts: 10.5,
        sys: { uptime: 12, unixtime: 1718100000, ram_free: 100 },
        "switch:3": { id: 3, output: false, errors: ["overpower"] },
      }),
    );
    expect(message.uptimeS).toBe(12);
    expect(message.unixtimeS).toBe(1718100000);
    expect(message.readings[0]?.errors).toEqual(["overpower"]);
    expect(message.deviceTsMs).toBe(10500);
  });
});

describe("NotifyFullStatus", () => {
  it("several components, sys and a temperature sensor", () => {
    const message = notification(
      frame(
        "NotifyFullStatus",
        {
          ts: 1718100060.01,
          ble: {},
          cloud: { connected: true },
          "em:0": {
            id: 0,
            a_act_power: 100,
            b_act_power: 200,
            c_act_power: -50,
            total_act_power: 250,
            n_current: null,
          },
          "emdata:0": { id: 0, total_act: 1000.5, total_act_ret: 20.25 },
          "temperature:0": { id: 0, tC: 41.2, tF: 106.2 },
          sys: { mac: "34987A1F2E3D", uptime: 86400, unixtime: 1718100060 },
          wifi: { sta_ip: "192.168.1.9", rssi: -51 },
        },
        { src: "shellypro3em-34987a1f2e3d" },
      ),
    );
    expect(message.generation).toBe(2);
    expect(message.method).toBe("NotifyFullStatus");
    expect(message.uptimeS).toBe(86400);
    expect(message.temperatures).toStrictEqual([{ sensor: "temperature:0", temperatureC: 41.2 }]);
    expect(message.readings).toStrictEqual([
      {
        component: "em:0",
        meter: "em:0",
        powerW: 250,
        deviceTsMs: 1718100060010,
        phases: [
          { phase: "a", powerW: 100 },
          { phase: "b", powerW: 200 },
          { phase: "c", powerW: -50 },
        ],
      },
      {
        component: "emdata:0",
        meter: "em:0",
        energyWh: 1000.5,
        returnedEnergyWh: 20.25,
        deviceTsMs: 1718100060010,
      },
    ]);
  });
});

describe("NotifyEvent", () => {
  it("events are listed with their device time; no readings", () => {
    const message = notification(
      frame("NotifyEvent", {
        ts: 1718100100.5,
        events: [
          { component: "sys", event: "config_changed", restart_required: false, ts: 1718100100.5 },
          { component: "emdata:0", id: 0, event: "data", ts: 1718100100, data: { values: [[1]] } },
          { event: "scheduled_restart" },
        ],
      }),
    );
    expect(message.readings).toEqual([]);
    expect(message.deviceTsMs).toBe(1718100100500);
    expect(message.events).toStrictEqual([
      { component: "sys", event: "config_changed", deviceTsMs: 1718100100500 },
      { component: "emdata:0", event: "data", deviceTsMs: 1718100100000 },
      { event: "scheduled_restart" },
    ]);
  });

  it("an event without a name is a schema mismatch", () => {
    expectError(
      parseAllWays(TOPIC, frame("NotifyEvent", { ts: 1, events: [{ component: "sys" }] })),
      "SCHEMA_MISMATCH",
    );
    expectError(parseAllWays(TOPIC, frame("NotifyEvent", { ts: 1 })), "SCHEMA_MISMATCH");
  });
});

describe("unusual frames", () => {
  it("an unknown method is recognised and ignored", () => {
    const message = messageOfKind(
      parseAllWays(TOPIC, frame("NotifySomethingNew", { ts: 1, "switch:0": { apower: "x" } })),
      "ignored",
    );
    expect(message).toStrictEqual({
      kind: "ignored",
      prefix: "Coreflux/Porto/Lab/Plug1",
      generation: 3,
      reason: "unknown-notification-method",
      readings: [],
    });
  });

  it.each([
    ["no method", { src: SRC, params: { ts: 1 } }, "SCHEMA_MISMATCH"],
    ["no params", { src: SRC, method: "NotifyStatus" }, "SCHEMA_MISMATCH"],
    ["params not an object", frame("NotifyStatus", [1]), "SCHEMA_MISMATCH"],
    ["src not a string", { ...frame("NotifyStatus", {}), src: 5 }, "SCHEMA_MISMATCH"],
    ["ts as a string", frame("NotifyStatus", { ts: "1" }), "SCHEMA_MISMATCH"],
    ["a negative ts", frame("NotifyStatus", { ts: -1 }), "INVALID_VALUE"],
    ["a ts beyond any clock", frame("NotifyStatus", { ts: 1e16 }), "INVALID_VALUE"],
    ["a bad component", frame("NotifyStatus", { "switch:0": { apower: "1" } }), "SCHEMA_MISMATCH"],
    ["a component not an object", frame("NotifyStatus", { "em:0": 5 }), "SCHEMA_MISMATCH"],
    [
      "a negative counter",
      frame("NotifyStatus", { "emdata:0": { total_act: -3 } }),
      "INVALID_VALUE",
    ],
    ["a contradicting id", frame("NotifyStatus", { "switch:1": { id: 0 } }), "SCHEMA_MISMATCH"],
    ["bad sys", frame("NotifyStatus", { sys: { uptime: "1" } }), "SCHEMA_MISMATCH"],
  ])("%s", (_label, payload, code) => {
    const message = expectError(parseAllWays(TOPIC, payload), code as "SCHEMA_MISMATCH");
    expect(message.length).toBeLessThanOrEqual(200);
  });

  it("non-component and malformed keys are skipped, whatever their value", () => {
    const message = notification(
      frame("NotifyStatus", {
        "switch:00": "not checked",
        "switch:x": [1],
        switch: { apower: "x" },
        "Switch:0": 1,
        "input:0": null,
        "script:1": { deep: JSON.parse(`${"[".repeat(40)}1${"]".repeat(40)}`) },
      }),
    );
    expect(message.readings).toEqual([]);
  });

  it("duplicated keys follow JSON.parse (the last one wins) on every path", () => {
    const text =
      '{"method":"NotifyStatus","src":"a","src":"shellyemg3-aabbccddeeff",' +
      '"params":{"ts":1,"switch:0":{"apower":1},"switch:0":{"apower":2},"ts":2}}';
    const message = notification(text);
    expect(message.src).toBe("shellyemg3-aabbccddeeff");
    expect(message.generation).toBe(3);
    expect(message.deviceTsMs).toBe(2000);
    expect(message.readings).toStrictEqual([
      { component: "switch:0", meter: "switch:0", powerW: 2, deviceTsMs: 2000 },
    ]);
  });
});
