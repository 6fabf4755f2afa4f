import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyValueText, numberText } from "../test/arbitraries";
import { messageOf, wellFormed } from "../test/expect-result";
import { bytes } from "../test/fixtures";
import { parseShellyMessage, type ShellyParseResult } from "./index";

const SEGMENTS = [
  "shellies",
  "status",
  "events",
  "rpc",
  "online",
  "relay",
  "roller",
  "light",
  "emeter",
  "0",
  "1",
  "01",
  "power",
  "energy",
  "total",
  "total_returned",
  "returned_energy",
  "switch:0",
  "em:0",
  "emdata:0",
  "em1data:1",
  "temperature:0",
  "temperature",
  "sys",
  "wifi",
  "command",
  "error",
  "debug",
  "log",
  "announce",
  "Coreflux",
  "",
  "+",
  "#",
  "é",
];

const topic = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc
    .array(fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 5 })), {
      minLength: 1,
      maxLength: 7,
    })
    .map((segments) => segments.join("/")),
);

const payload: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.string(),
  fc.string({ unit: "binary" }),
  numberText,
  anyValueText,
  fc.constantFrom("true", "false", "on", "off", "overpower", "-1", ""),
  anyValueText.map((text) => bytes(text)),
  fc
    .json()
    .map(
      (params) => `{"src":"shellyplus1pm-a8032ab12345","method":"NotifyStatus","params":${params}}`,
    ),
);

function checkWellFormed(result: ShellyParseResult): void {
  wellFormed(result);
  if (!result.ok) expect(result.error.code).not.toBe("INTERNAL_ERROR");
}

describe("any input", () => {
  it("never throws, always returns a well-formed result, never hits the safety net", () => {
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        checkWellFormed(parseShellyMessage(t, p));
      }),
      { numRuns: 20_000 },
    );
  });

  it("strings and their UTF-8 bytes give the same result", () => {
    fc.assert(
      fc.property(topic, fc.oneof(fc.string(), anyValueText, numberText), (t, text) => {
        expect(parseShellyMessage(t, bytes(text))).toStrictEqual(parseShellyMessage(t, text));
      }),
      { numRuns: 5_000 },
    );
  });

  it("a prefix of any depth is kept exactly", () => {
    const level = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/);
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 6 }), (levels) => {
        const prefix = levels.join("/");
        if (prefix.startsWith("shellies/")) return;
        const online = messageOf(parseShellyMessage(`${prefix}/online`, "true"));
        expect(online.prefix).toBe(prefix);
        const status = messageOf(parseShellyMessage(`${prefix}/status/switch:0`, '{"apower":1}'));
        expect(status.prefix).toBe(prefix);
        expect(status.readings[0]?.powerW).toBe(1);
      }),
    );
  });
});

/** Finite doubles without -0 (JSON writes -0 as 0). */
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => value + 0);
const nonNegative = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0);

describe("generated payloads round-trip to the same numbers after unit conversion", () => {
  it("switch status: W, V, A, Hz and Wh are copied", () => {
    fc.assert(
      fc.property(
        finite,
        finite,
        finite,
        finite,
        nonNegative,
        nonNegative,
        finite,
        (power, voltage, current, freq, energy, returned, celsius) => {
          const payload = JSON.stringify({
            id: 0,
            apower: power,
            voltage,
            current,
            freq,
            aenergy: { total: energy, by_minute: [1, 2, 3], minute_ts: 1718100060 },
            ret_aenergy: { total: returned },
            temperature: { tC: celsius, tF: celsius * 1.8 + 32 },
          });
          const reading = messageOf(parseShellyMessage("a/b/status/switch:0", bytes(payload)))
            .readings[0];
          expect(reading).toStrictEqual({
            component: "switch:0",
            meter: "switch:0",
            powerW: power,
            energyWh: energy,
            returnedEnergyWh: returned,
            voltageV: voltage,
            currentA: current,
            frequencyHz: freq,
            temperatureC: celsius,
          });
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("Gen1 relay, roller and light counters: watt-minutes / 60", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("relay/0", "relay/1", "roller/0", "light/0"),
        nonNegative,
        (channel, wattMinutes) => {
          const text = JSON.stringify(wattMinutes);
          const reading = messageOf(
            parseShellyMessage(`shellies/shellyplug-s-7AD4B1/${channel}/energy`, bytes(text)),
          ).readings[0];
          expect(reading?.energyWh).toBe(wattMinutes / 60);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("Gen1 EM totals are Wh already; power keeps its sign", () => {
    fc.assert(
      fc.property(nonNegative, nonNegative, finite, (total, returned, power) => {
        const topic = "shellies/shellyem3-C45BBE798F0F/emeter/1";
        const t = messageOf(parseShellyMessage(`${topic}/total`, JSON.stringify(total)));
        const r = messageOf(
          parseShellyMessage(`${topic}/total_returned`, JSON.stringify(returned)),
        );
        const p = messageOf(parseShellyMessage(`${topic}/power`, JSON.stringify(power)));
        expect(t.readings[0]?.energyWh).toBe(total);
        expect(r.readings[0]?.returnedEnergyWh).toBe(returned);
        expect(p.readings[0]?.powerW).toBe(power);
      }),
      { numRuns: 2_000 },
    );
  });

  it("emdata and em1data counters in a NotifyStatus frame, stamped with ts in ms", () => {
    fc.assert(
      fc.property(
        nonNegative,
        nonNegative,
        nonNegative,
        nonNegative,
        fc.integer({ min: 0, max: 4_000_000_000_00 }).map((centi) => centi / 100),
        (act, ret, single, singleRet, ts) => {
          const frame = JSON.stringify({
            src: "shellypro3em-34987a1f2e3d",
            dst: "x/events",
            method: "NotifyStatus",
            params: {
              ts,
              "emdata:0": { id: 0, total_act: act, total_act_ret: ret },
              "em1data:2": { total_act_energy: single, total_act_ret_energy: singleRet },
            },
          });
          const message = messageOf(parseShellyMessage("x/events/rpc", bytes(frame)));
          const deviceTsMs = Math.round(ts * 1000);
          expect(message.readings).toStrictEqual([
            {
              component: "emdata:0",
              meter: "em:0",
              energyWh: act,
              returnedEnergyWh: ret,
              deviceTsMs,
            },
            {
              component: "em1data:2",
              meter: "em1:2",
              energyWh: single,
              returnedEnergyWh: singleRet,
              deviceTsMs,
            },
          ]);
          expect(Number.isSafeInteger(deviceTsMs)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("em phases: every phase value lands in its phase", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 9, maxLength: 9 }), (values) => {
        const [a, b, c, va, vb, vc, ia, ib, ic] = values as number[];
        const payload = JSON.stringify({
          a_act_power: a,
          b_act_power: b,
          c_act_power: c,
          a_voltage: va,
          b_voltage: vb,
          c_voltage: vc,
          a_current: ia,
          b_current: ib,
          c_current: ic,
        });
        const reading = messageOf(parseShellyMessage("p/status/em:0", bytes(payload))).readings[0];
        expect(reading?.phases).toStrictEqual([
          { phase: "a", powerW: a, voltageV: va, currentA: ia },
          { phase: "b", powerW: b, voltageV: vb, currentA: ib },
          { phase: "c", powerW: c, voltageV: vc, currentA: ic },
        ]);
      }),
      { numRuns: 1_000 },
    );
  });
});
