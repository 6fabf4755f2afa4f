import { describe, expect, it } from "vitest";
import { parseShellyMessage } from "./parser";
import { shellyPowerByDirection } from "./power-by-direction";

const encoder = new TextEncoder();

function emReading(em: Record<string, unknown>) {
  const parsed = parseShellyMessage(
    "site/shellypro3em-0cb815fc1234/events/rpc",
    encoder.encode(
      JSON.stringify({
        src: "shellypro3em-0cb815fc1234",
        method: "NotifyStatus",
        params: { ts: 1780000000.5, "em:0": { id: 0, ...em } },
      }),
    ),
  );
  if (!parsed.ok) throw new Error(parsed.error.message);
  const reading = parsed.message.readings.find((r) => r.component === "em:0");
  if (!reading) throw new Error("no em:0 reading");
  return reading;
}

describe("shellyPowerByDirection", () => {
  it("splits a Pro 3EM whose phase A exports while B and C import", () => {
    const reading = emReading({
      a_act_power: -2000.5,
      b_act_power: 1500,
      c_act_power: 1000.25,
      total_act_power: 499.75,
    });
    expect(reading.powerW).toBe(499.75);
    expect(shellyPowerByDirection(reading)).toEqual({ importW: 2500.25, exportW: 2000.5 });
  });

  it("is undefined without the power of every listed phase, and for single-phase readings", () => {
    expect(shellyPowerByDirection(emReading({ a_act_power: 10, b_voltage: 230 }))).toBeUndefined();
    expect(shellyPowerByDirection({ component: "switch:0", meter: "switch:0", powerW: -5 })).toBe(
      undefined,
    );
  });

  it("gives 0 W export (not -0) when every phase imports", () => {
    const split = shellyPowerByDirection(
      emReading({ a_act_power: 1, b_act_power: 2, c_act_power: 0, total_act_power: 3 }),
    );
    expect(Object.is(split?.exportW, 0)).toBe(true);
  });
});
