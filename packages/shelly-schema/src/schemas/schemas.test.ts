import { describe, expect, it } from "vitest";
import {
  shellyEm1StatusSchema,
  shellyEmDataStatusSchema,
  shellyEmStatusSchema,
  shellyEnergyCounterSchema,
  shellyGen1AnnounceSchema,
  shellyNotificationFrameSchema,
  shellyPm1StatusSchema,
  shellyRpcResponseSchema,
  shellySwitchStatusSchema,
  shellySysStatusSchema,
  shellyTemperatureStatusSchema,
} from "../index";

describe("the exported wire schemas", () => {
  it("keep unknown fields and accept every field missing (NotifyStatus deltas)", () => {
    expect(shellySwitchStatusSchema.parse({})).toEqual({});
    expect(shellySwitchStatusSchema.parse({ apower: 1, tag: null, counts: { a: 1 } })).toEqual({
      apower: 1,
      tag: null,
      counts: { a: 1 },
    });
    expect(shellyPm1StatusSchema.parse({ aprtpower: 5 }).aprtpower).toBe(5);
  });

  it("accept null exactly where Shelly documents 'number or null'", () => {
    expect(shellyEmStatusSchema.safeParse({ n_current: null, a_act_power: null }).success).toBe(
      true,
    );
    expect(shellyEm1StatusSchema.safeParse({ act_power: null }).success).toBe(true);
    expect(shellyEmDataStatusSchema.safeParse({ total_act: null }).success).toBe(true);
    expect(shellyTemperatureStatusSchema.safeParse({ tC: null, tF: null }).success).toBe(true);
    expect(shellySwitchStatusSchema.safeParse({ temperature: { tC: null } }).success).toBe(true);
    expect(shellySysStatusSchema.safeParse({ unixtime: null }).success).toBe(true);
    expect(shellySwitchStatusSchema.safeParse({ apower: null }).success).toBe(false);
    expect(shellyEnergyCounterSchema.safeParse({ total: null }).success).toBe(false);
  });

  it("reject numbers as strings, negative counters and non-finite numbers", () => {
    expect(shellySwitchStatusSchema.safeParse({ apower: "12" }).success).toBe(false);
    expect(shellyEnergyCounterSchema.safeParse({ total: -1 }).success).toBe(false);
    expect(shellyEmDataStatusSchema.safeParse({ total_act_ret: -0.5 }).success).toBe(false);
    expect(shellySwitchStatusSchema.safeParse({ apower: Number.NaN }).success).toBe(false);
    expect(shellySwitchStatusSchema.safeParse({ voltage: Number.POSITIVE_INFINITY }).success).toBe(
      false,
    );
  });

  it("frames, responses and announces", () => {
    expect(
      shellyNotificationFrameSchema.safeParse({ method: "NotifyStatus", params: { ts: 1.5 } })
        .success,
    ).toBe(true);
    expect(shellyNotificationFrameSchema.safeParse({ method: "NotifyStatus" }).success).toBe(false);
    expect(
      shellyRpcResponseSchema.safeParse({ id: 1, src: "a", dst: "b", result: { was_on: true } })
        .success,
    ).toBe(true);
    expect(shellyRpcResponseSchema.safeParse({ id: 1, src: "a", dst: "b" }).success).toBe(false);
    expect(
      shellyGen1AnnounceSchema.safeParse({
        id: "shelly1-B929CC",
        model: "SHSW-1",
        mac: "A4CF12B929CC",
        ip: "10.0.0.2",
        new_fw: false,
        fw_ver: "v1.14.0",
      }).success,
    ).toBe(true);
  });
});
