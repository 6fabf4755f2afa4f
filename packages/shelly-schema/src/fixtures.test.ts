import { describe, expect, it } from "vitest";
import { expectError, messageOf, messageOfKind } from "../test/expect-result";
import { bytes, type Fixture, fixture, loadFixtures } from "../test/fixtures";
import { parseShellyMessage, type ShellyMessage } from "./index";
import { parseUnguarded } from "./parse/parse-message";

/** The exact message every shared fixture must produce. */
const EXPECTED: Record<string, ShellyMessage> = {
  gen1_plugs_relay0_power: {
    kind: "gen1-value",
    prefix: "shellies/shellyplug-s-7AD4B1",
    generation: 1,
    readings: [{ component: "relay:0", meter: "relay:0", powerW: 118.42 }],
  },
  gen1_plugs_relay0_energy_wattminutes_since_boot: {
    kind: "gen1-value",
    prefix: "shellies/shellyplug-s-7AD4B1",
    generation: 1,
    // 184305 Wmin / 60 = 3071.75 Wh
    readings: [{ component: "relay:0", meter: "relay:0", energyWh: 3071.75 }],
  },
  gen1_announce_plugs: {
    kind: "announce",
    prefix: "shellies/shellyplug-s-7AD4B1",
    generation: 1,
    announce: {
      id: "shellyplug-s-7AD4B1",
      model: "SHPLG-S",
      mac: "C45BBE7AD4B1",
      ip: "192.168.1.41",
      newFirmware: false,
      firmwareVersion: "20230913-113421/v1.14.0-gcb84623",
    },
    readings: [],
  },
  gen1_plugs_online_false_lwt: {
    kind: "online",
    prefix: "shellies/shellyplug-s-7AD4B1",
    generation: 1,
    online: false,
    readings: [],
  },
  gen1_em_emeter0_power_negative_export: {
    kind: "gen1-value",
    prefix: "shellies/shellyem-7C87CE",
    generation: 1,
    readings: [{ component: "emeter:0", meter: "emeter:0", powerW: -1523.4 }],
  },
  gen1_em_emeter0_reactive_power: {
    kind: "gen1-value",
    prefix: "shellies/shellyem-7C87CE",
    generation: 1,
    readings: [{ component: "emeter:0", meter: "emeter:0", reactivePowerVAr: 118.52 }],
  },
  gen1_em_emeter0_total_wh_persisted: {
    kind: "gen1-value",
    prefix: "shellies/shellyem-7C87CE",
    generation: 1,
    // EM totals are already Wh: no division.
    readings: [{ component: "emeter:0", meter: "emeter:0", energyWh: 4827391.2 }],
  },
  gen1_em_emeter0_total_returned_wh_persisted: {
    kind: "gen1-value",
    prefix: "shellies/shellyem-7C87CE",
    generation: 1,
    readings: [{ component: "emeter:0", meter: "emeter:0", returnedEnergyWh: 2915004.7 }],
  },
  gen2_plusplugs_status_switch0_full: {
    kind: "status",
    prefix: "shellyplusplugs-c82e18a1b2c3",
    generation: 2,
    component: "switch:0",
    readings: [
      {
        component: "switch:0",
        meter: "switch:0",
        powerW: 118.4,
        energyWh: 52847.213,
        voltageV: 229.6,
        currentA: 0.538,
        frequencyHz: 50,
        temperatureC: 38.2,
        output: true,
        source: "init",
      },
    ],
  },
  gen2_plusplugs_notifystatus_partial_apower_only: {
    kind: "notification",
    prefix: "shellyplusplugs-c82e18a1b2c3",
    generation: 2,
    method: "NotifyStatus",
    src: "shellyplusplugs-c82e18a1b2c3",
    deviceTsMs: 1718100071420,
    readings: [
      {
        component: "switch:0",
        meter: "switch:0",
        powerW: 1843.7,
        currentA: 8.051,
        deviceTsMs: 1718100071420,
      },
    ],
  },
  gen2_plusplugs_notifystatus_partial_aenergy_minute_rollover: {
    kind: "notification",
    prefix: "shellyplusplugs-c82e18a1b2c3",
    generation: 2,
    method: "NotifyStatus",
    src: "shellyplusplugs-c82e18a1b2c3",
    deviceTsMs: 1718100120050,
    readings: [
      { component: "switch:0", meter: "switch:0", energyWh: 52872.67, deviceTsMs: 1718100120050 },
    ],
  },
  gen2_plusplugs_online_false_lwt: {
    kind: "online",
    prefix: "shellyplusplugs-c82e18a1b2c3",
    generation: 2,
    online: false,
    readings: [],
  },
  gen2_pro3em_status_em0_phase_b_exporting: {
    kind: "status",
    prefix: "shellypro3em-34987a1f2e3d",
    generation: 2,
    component: "em:0",
    readings: [
      {
        component: "em:0",
        meter: "em:0",
        powerW: -822.3,
        currentA: 8.821,
        apparentPowerVA: 2043.7,
        phases: [
          {
            phase: "a",
            powerW: 412.6,
            voltageV: 231.2,
            currentA: 1.912,
            powerFactor: 0.93,
            apparentPowerVA: 442.1,
            frequencyHz: 50,
          },
          {
            phase: "b",
            powerW: -1386.2,
            voltageV: 232,
            currentA: 6.035,
            powerFactor: -0.99,
            apparentPowerVA: 1400.1,
            frequencyHz: 50,
          },
          {
            phase: "c",
            powerW: 151.3,
            voltageV: 230.6,
            currentA: 0.874,
            powerFactor: 0.75,
            apparentPowerVA: 201.5,
            frequencyHz: 50,
          },
        ],
      },
    ],
  },
  gen2_pro3em_status_emdata0_totals_wh: {
    kind: "status",
    prefix: "shellypro3em-34987a1f2e3d",
    generation: 2,
    component: "emdata:0",
    readings: [
      {
        component: "emdata:0",
        meter: "em:0",
        energyWh: 3089773.4,
        returnedEnergyWh: 1875498.24,
        phases: [
          { phase: "a", energyWh: 2034616.71, returnedEnergyWh: 0 },
          { phase: "b", energyWh: 285686.89, returnedEnergyWh: 1874512.33 },
          { phase: "c", energyWh: 769469.8, returnedEnergyWh: 985.91 },
        ],
      },
    ],
  },
  gen2_pmmini_status_pm1_0: {
    kind: "status",
    prefix: "shellypmmini-ecda3b1a2b3c",
    generation: 2,
    component: "pm1:0",
    readings: [
      {
        component: "pm1:0",
        meter: "pm1:0",
        powerW: 86.4,
        energyWh: 318742.906,
        returnedEnergyWh: 0,
        voltageV: 231.4,
        currentA: 0.412,
        powerFactor: 0.91,
        frequencyHz: 50,
        apparentPowerVA: 95.3,
      },
    ],
  },
  gen2_pro4pm_status_switch2_full: {
    kind: "status",
    prefix: "shellypro4pm-30c6f7a4b5c6",
    generation: 2,
    component: "switch:2",
    readings: [
      {
        component: "switch:2",
        meter: "switch:2",
        powerW: 1520.3,
        energyWh: 845120.334,
        voltageV: 229.1,
        currentA: 6.703,
        powerFactor: 0.99,
        frequencyHz: 50,
        temperatureC: 47.3,
        output: true,
        source: "WS_in",
      },
    ],
  },
  gen2_pro4pm_notifystatus_switch3_overpower_error: {
    kind: "notification",
    prefix: "shellypro4pm-30c6f7a4b5c6",
    generation: 2,
    method: "NotifyStatus",
    src: "shellypro4pm-30c6f7a4b5c6",
    deviceTsMs: 1718100187210,
    readings: [
      {
        component: "switch:3",
        meter: "switch:3",
        powerW: 0,
        currentA: 0,
        output: false,
        errors: ["overpower"],
        deviceTsMs: 1718100187210,
      },
    ],
  },
  gen2_plus2pm_status_cover0_closing: {
    kind: "status",
    prefix: "shellyplus2pm-b8d61a9d8e7f",
    generation: 2,
    component: "cover:0",
    readings: [
      {
        component: "cover:0",
        meter: "cover:0",
        powerW: 118.6,
        energyWh: 412.885,
        voltageV: 230.9,
        currentA: 0.529,
        powerFactor: 0.97,
        frequencyHz: 50,
        temperatureC: 44.1,
        source: "WS_in",
      },
    ],
  },
  gen4_1pm_custom_prefix_status_switch0_newer_fw_fields: {
    kind: "status",
    prefix: "Coreflux/Porto/MeetingRoom/Light1",
    // A status topic carries no `src`, so the generation cannot be told: 2 (the documented default).
    generation: 2,
    component: "switch:0",
    readings: [
      {
        component: "switch:0",
        meter: "switch:0",
        powerW: 42.7,
        energyWh: 1203.554,
        returnedEnergyWh: 0,
        voltageV: 231,
        currentA: 0.191,
        frequencyHz: 50,
        temperatureC: 41.5,
        output: true,
        source: "MQTT",
      },
    ],
  },
  gen2_rpc_response_switch_set_off: {
    kind: "rpc-response",
    prefix: "energy-aggregator",
    generation: 2,
    src: "shellypro4pm-30c6f7a4b5c6",
    dst: "energy-aggregator",
    id: 42,
    result: { was_on: true },
    readings: [],
  },
};

const fixtures = loadFixtures();

describe("the shared fixtures", () => {
  it("are the 20 documented ones, each with an expectation here", () => {
    expect(fixtures).toHaveLength(20);
    expect(fixtures.map((f) => f.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(fixtures.map((f): [string, Fixture] => [f.name, f]))("%s", (name, f) => {
    const expected = EXPECTED[name] as ShellyMessage;

    it("parses from bytes to exactly the expected message", () => {
      expect(messageOf(parseShellyMessage(f.topic, bytes(f.payload)))).toStrictEqual(expected);
    });

    it("parses from a string to exactly the same message", () => {
      expect(messageOf(parseShellyMessage(f.topic, f.payload))).toStrictEqual(expected);
    });

    it("needs no safety net: the unguarded parser agrees on both paths", () => {
      const fast = parseUnguarded(f.topic, bytes(f.payload), 65_536, true);
      const general = parseUnguarded(f.topic, bytes(f.payload), 65_536, false);
      expect(fast).toStrictEqual({ ok: true, message: expected });
      expect(general).toStrictEqual(fast);
    });

    it("is rejected when the payload limit is one byte smaller than the payload", () => {
      const payload = bytes(f.payload);
      const result = parseShellyMessage(f.topic, payload, { maxPayloadBytes: payload.length - 1 });
      expectError(result, "PAYLOAD_TOO_LARGE");
      const exact = parseShellyMessage(f.topic, payload, { maxPayloadBytes: payload.length });
      expect(messageOf(exact)).toStrictEqual(expected);
    });
  });
});

describe("fixture facts", () => {
  it("Gen1 watt-minutes become watt-hours by dividing by 60", () => {
    const f = fixture("gen1_plugs_relay0_energy_wattminutes_since_boot");
    const message = messageOfKind(parseShellyMessage(f.topic, f.payload), "gen1-value");
    expect(message.readings[0]?.energyWh).toBe(184305 / 60);
    expect(message.readings[0]?.energyWh).toBe(3071.75);
  });

  it("the minute rollover total equals the previous total plus by_minute[0] in Wh", () => {
    const before = fixture("gen2_plusplugs_status_switch0_full");
    const after = fixture("gen2_plusplugs_notifystatus_partial_aenergy_minute_rollover");
    const previous = messageOf(parseShellyMessage(before.topic, before.payload)).readings[0];
    const next = messageOf(parseShellyMessage(after.topic, after.payload)).readings[0];
    // 52847.213 Wh + 25456.600 mWh / 1000 = 52872.6696 Wh; the device rounds to 3 decimals.
    expect((next?.energyWh ?? 0) - (previous?.energyWh ?? 0)).toBeCloseTo(25.4566, 3);
  });

  it("em:0 phase powers sum to the (negative, exporting) total", () => {
    const f = fixture("gen2_pro3em_status_em0_phase_b_exporting");
    const reading = messageOf(parseShellyMessage(f.topic, bytes(f.payload))).readings[0];
    const sum = (reading?.phases ?? []).reduce((total, phase) => total + (phase.powerW ?? 0), 0);
    expect(reading?.powerW).toBe(-822.3);
    expect(sum).toBeCloseTo(-822.3, 6);
  });

  it("emdata:0 phase counters sum to the totals, and share the meter of em:0", () => {
    const f = fixture("gen2_pro3em_status_emdata0_totals_wh");
    const reading = messageOf(parseShellyMessage(f.topic, bytes(f.payload))).readings[0];
    const phases = reading?.phases ?? [];
    const imported = phases.reduce((total, phase) => total + (phase.energyWh ?? 0), 0);
    const exported = phases.reduce((total, phase) => total + (phase.returnedEnergyWh ?? 0), 0);
    expect(imported).toBeCloseTo(3089773.4, 6);
    expect(exported).toBeCloseTo(1875498.24, 6);
    expect(reading?.meter).toBe("em:0");
  });

  it("an RPC response is recognised as such, not as a reading", () => {
    const f = fixture("gen2_rpc_response_switch_set_off");
    const message = messageOfKind(parseShellyMessage(f.topic, bytes(f.payload)), "rpc-response");
    expect(message.id).toBe(42);
    expect(message.readings).toEqual([]);
  });
});
