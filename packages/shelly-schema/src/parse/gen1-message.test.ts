import { describe, expect, it } from "vitest";
import { expectError, messageOfKind } from "../../test/expect-result";
import { parseAllWays } from "../../test/parse-both";

const PLUG = "shellies/shellyplug-s-7AD4B1";
const EM3 = "shellies/shellyem3-C45BBE798F0F";

function value(topic: string, payload: string) {
  return messageOfKind(parseAllWays(topic, payload), "gen1-value");
}

describe("Gen1 metering scalars", () => {
  it.each([
    [`${PLUG}/relay/0/energy`, "0", { energyWh: 0 }],
    [`${PLUG}/relay/0/energy`, "60", { energyWh: 1 }],
    [`${PLUG}/relay/0/energy`, "1", { energyWh: 1 / 60 }],
    [`${PLUG}/relay/0/power`, "0.00", { powerW: 0 }],
    [`${PLUG}/relay/0/power`, "-12.5", { powerW: -12.5 }],
    [`${PLUG}/relay/0/power`, "1e3", { powerW: 1000 }],
  ])("%s %j", (topic, payload, values) => {
    expect(value(topic, payload).readings).toStrictEqual([
      { component: "relay:0", meter: "relay:0", ...values },
    ]);
  });

  it("Shelly 2.5 second channel, roller and light families (all Wmin → Wh)", () => {
    const shelly25 = "shellies/shellyswitch25-C45BBE798F0F";
    expect(value(`${shelly25}/relay/1/energy`, "120").readings[0]).toStrictEqual({
      component: "relay:1",
      meter: "relay:1",
      energyWh: 2,
    });
    expect(value(`${shelly25}/roller/0/power`, "85.1").readings[0]).toStrictEqual({
      component: "roller:0",
      meter: "roller:0",
      powerW: 85.1,
    });
    expect(value(`${shelly25}/roller/0/energy`, "90").readings[0]?.energyWh).toBe(1.5);
    const dimmer = "shellies/shellydimmer2-E8DB84D1A2B3";
    expect(value(`${dimmer}/light/0/power`, "23.4").readings[0]).toStrictEqual({
      component: "light:0",
      meter: "light:0",
      powerW: 23.4,
    });
    expect(value(`${dimmer}/light/0/energy`, "3000").readings[0]?.energyWh).toBe(50);
  });

  it("the old Shelly 2 reports relay/power and relay/energy without a channel: relay:0", () => {
    const shelly2 = "shellies/shellyswitch-ABC123";
    const message = value(`${shelly2}/relay/power`, "55.5");
    expect(message.prefix).toBe(shelly2);
    expect(message.readings).toStrictEqual([
      { component: "relay:0", meter: "relay:0", powerW: 55.5 },
    ]);
    expect(value(`${shelly2}/relay/energy`, "600").readings[0]?.energyWh).toBe(10);
  });

  it("EM/3EM emeter fields, totals already in Wh", () => {
    const cases: Array<[string, string, object]> = [
      ["power", "-373.89", { powerW: -373.89 }],
      ["reactive_power", "-12.1", { reactivePowerVAr: -12.1 }],
      ["voltage", "231.45", { voltageV: 231.45 }],
      ["current", "1.62", { currentA: 1.62 }],
      ["pf", "-0.65", { powerFactor: -0.65 }],
      ["total", "4827391.2", { energyWh: 4827391.2 }],
      ["total_returned", "0", { returnedEnergyWh: 0 }],
    ];
    for (const [field, payload, values] of cases) {
      expect(value(`${EM3}/emeter/2/${field}`, payload)).toStrictEqual({
        kind: "gen1-value",
        prefix: EM3,
        generation: 1,
        readings: [{ component: "emeter:2", meter: "emeter:2", ...values }],
      });
    }
  });

  it("the volatile emeter energy counters are recognised and ignored", () => {
    for (const field of ["energy", "returned_energy"]) {
      expect(
        messageOfKind(parseAllWays(`${EM3}/emeter/0/${field}`, "40"), "ignored"),
      ).toStrictEqual({
        kind: "ignored",
        prefix: EM3,
        generation: 1,
        reason: "volatile-counter",
        component: "emeter:0",
        readings: [],
      });
    }
  });

  it("-1 on an energy counter is the 'unavailable' sentinel (P17), not a value", () => {
    for (const [topic, payload] of [
      [`${PLUG}/relay/0/energy`, "-1"],
      [`${EM3}/emeter/1/total`, "-1"],
      [`${EM3}/emeter/1/total_returned`, "-1.0"],
    ] as const) {
      const message = messageOfKind(parseAllWays(topic, payload), "ignored");
      expect(message.reason).toBe("missing-value");
      expect(message.readings).toEqual([]);
    }
    // On a power topic -1 is just -1 W.
    expect(value(`${PLUG}/relay/0/power`, "-1").readings[0]?.powerW).toBe(-1);
  });

  it.each(["-2", "-0.5", "-1.5"])("a negative energy counter %s is INVALID_VALUE", (payload) => {
    expectError(parseAllWays(`${PLUG}/relay/0/energy`, payload), "INVALID_VALUE");
    expectError(parseAllWays(`${EM3}/emeter/0/total`, payload), "INVALID_VALUE");
  });

  it.each([
    "12abc",
    "",
    " 1",
    "1 ",
    "0x10",
    "1e",
    "Infinity",
    "NaN",
    "+1",
    ".5",
    "01",
    "1.",
    "--1",
    "1,5",
    '"1"',
    "null",
    "true",
  ])("%j is not a number: INVALID_NUMBER", (payload) => {
    const message = expectError(parseAllWays(`${PLUG}/relay/0/power`, payload), "INVALID_NUMBER");
    expect(message).toContain("relay:0");
  });

  it("a number too large for a double is INVALID_VALUE", () => {
    expectError(parseAllWays(`${PLUG}/relay/0/power`, "1e999"), "INVALID_VALUE");
    expectError(parseAllWays(`${PLUG}/relay/0/energy`, "9".repeat(400)), "INVALID_VALUE");
  });
});

describe("Gen1 state, temperature, availability, announce", () => {
  it.each([
    ["on", { output: true }],
    ["off", { output: false }],
    ["overpower", { output: false, errors: ["overpower"] }],
  ])("relay/0 %s", (payload, values) => {
    expect(value(`${PLUG}/relay/0`, payload).readings).toStrictEqual([
      { component: "relay:0", meter: "relay:0", ...values },
    ]);
  });

  it("light/<n> on/off", () => {
    expect(value("shellies/shellydimmer2-X/light/0", "on").readings[0]?.output).toBe(true);
  });

  it.each(["ON", "1", "true", "", "on "])("relay state %j is INVALID_VALUE", (payload) => {
    expectError(parseAllWays(`${PLUG}/relay/0`, payload), "INVALID_VALUE");
  });

  it("device temperature in °C is context", () => {
    expect(value(`${PLUG}/temperature`, "41.37")).toStrictEqual({
      kind: "gen1-value",
      prefix: PLUG,
      generation: 1,
      readings: [],
      temperatures: [{ sensor: "device", temperatureC: 41.37 }],
    });
    expectError(parseAllWays(`${PLUG}/temperature`, "hot"), "INVALID_NUMBER");
  });

  it("online true/false; anything else is INVALID_VALUE", () => {
    expect(messageOfKind(parseAllWays(`${PLUG}/online`, "true"), "online").online).toBe(true);
    expect(messageOfKind(parseAllWays(`${PLUG}/online`, "false"), "online").online).toBe(false);
    for (const payload of ["TRUE", "1", "", "true\n", "null"]) {
      expectError(parseAllWays(`${PLUG}/online`, payload), "INVALID_VALUE");
    }
  });

  it("announce on the device topic, with mode; extra fields ignored", () => {
    const payload = {
      id: "shellyswitch25-C45BBE798F0F",
      model: "SHSW-25",
      mac: "C45BBE798F0F",
      ip: "10.0.0.7",
      new_fw: true,
      fw_ver: "20230913-112003/v1.14.0-gcb84623",
      mode: "roller",
      extra: { anything: [1] },
    };
    const topic = "shellies/shellyswitch25-C45BBE798F0F/announce";
    expect(messageOfKind(parseAllWays(topic, payload), "announce")).toStrictEqual({
      kind: "announce",
      prefix: "shellies/shellyswitch25-C45BBE798F0F",
      generation: 1,
      announce: {
        id: "shellyswitch25-C45BBE798F0F",
        model: "SHSW-25",
        mac: "C45BBE798F0F",
        ip: "10.0.0.7",
        newFirmware: true,
        firmwareVersion: "20230913-112003/v1.14.0-gcb84623",
        mode: "roller",
      },
      readings: [],
    });
  });

  it("a malformed announce", () => {
    expectError(parseAllWays("shellies/announce", "{"), "INVALID_JSON");
    expectError(parseAllWays("shellies/announce", { id: "x" }), "SCHEMA_MISMATCH");
    expectError(
      parseAllWays("shellies/announce", {
        id: "",
        model: "m",
        mac: "m",
        ip: "i",
        new_fw: false,
        fw_ver: "v",
      }),
      "INVALID_VALUE",
    );
  });

  it("other Gen1 topics are recognised and ignored, whatever their payload", () => {
    const message = messageOfKind(parseAllWays(`${PLUG}/info`, "{not json"), "ignored");
    expect(message).toStrictEqual({
      kind: "ignored",
      prefix: PLUG,
      generation: 1,
      reason: "gen1-non-metering",
      readings: [],
    });
  });
});
