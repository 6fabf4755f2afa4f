import type { Channel } from "./channel";
import { SPIKE_ENERGY_WH, SPIKE_POWER_W, Variant, type VariantCode } from "./message-fault";
import { fixed, unitsToFixed } from "./number-format";
import { hashNoise } from "./prng";
import { centiWh, gen2TotalMwh } from "./quantize";

/**
 * Wire-exact Gen2 payloads (shapes, key order and spacing of the REFERENCE fixtures: the Plus
 * Plug S and Pro 4PM print `", "` between top-level switch fields, pm1/em/emdata do not).
 */

/** What the builders need to know about the device. */
export interface Gen2Context {
  readonly index: number;
  /** Device id, the JSON `src`: `shellyplusplugs-c82e18a1b2c3`. */
  readonly id: string;
  /** MAC, upper-case hex. */
  readonly mac: string;
  /** `{"src":"<id>","dst":"<prefix>/events","method":"NotifyStatus","params":{"ts":` */
  readonly notifyHead: string;
  readonly baseVoltageV: number;
  readonly baseTempC: number;
  /** The Pro 4PM prints `pf` in switch status; the Plus Plug S does not. */
  readonly showPf: boolean;
  /** Start of the current minute, Unix s (`minute_ts`). */
  minuteTsS: number;
  /** Revision of the device's schedule jobs (`sys.schedule_rev`): 0 until a job is created. */
  readonly scheduleRev: number;
}

const SPIKE_MWH = SPIKE_ENERGY_WH * 1000;
const SPIKE_CENTI = SPIKE_ENERGY_WH * 100;
const PHASES = ["a", "b", "c"] as const;

/** Mains voltage at an instant, V (deterministic noise around the device's own level). */
export function voltageV(c: Gen2Context, tsMs: number, phase = 0): number {
  return (
    c.baseVoltageV +
    phase * 0.7 +
    (hashNoise(c.index * 4 + phase, Math.floor(tsMs / 1000)) - 0.5) * 1.6
  );
}

function powerOf(level: number, variant: VariantCode): number {
  return variant === Variant.zero ? 0 : variant === Variant.spike ? level + SPIKE_POWER_W : level;
}

function tsText(tsMs: number): string {
  return unitsToFixed(Math.round(tsMs / 10), 2);
}

/**
 * `{"total":…,"by_minute":[…],"minute_ts":…}` for a register (mWh). Printed per message: caching
 * the parts that change once a minute on the long-lived channel costs more in garbage collection
 * (the cached strings get promoted) than printing them.
 */
function energyBlock(
  c: Gen2Context,
  registerMwh: number,
  buckets: readonly number[],
  variant: VariantCode,
): string {
  if (variant === Variant.zero) {
    return `{"total":0.000,"by_minute":[0.000,0.000,0.000],"minute_ts":${c.minuteTsS}}`;
  }
  let units = gen2TotalMwh(registerMwh);
  if (variant === Variant.spike) units += SPIKE_MWH;
  const total = unitsToFixed(units, 3);
  const totalText = variant === Variant.wrongType ? `"${total}"` : total;
  return `{"total":${totalText},"by_minute":[${fixed(buckets[0]!, 3)},${fixed(buckets[1]!, 3)},${fixed(buckets[2]!, 3)}],"minute_ts":${c.minuteTsS}}`;
}

function temperatureBlock(c: Gen2Context, powerW: number, tsMs: number): string {
  const minute = Math.floor(tsMs / 60000);
  const tC =
    Math.round(
      (c.baseTempC + Math.min(20, Math.abs(powerW) / 120) + hashNoise(c.index, minute)) * 10,
    ) / 10;
  return `{"tC":${fixed(tC, 1)}, "tF":${fixed(tC * 1.8 + 32, 1)}}`;
}

/** `status/switch:<id>` (Plus Plug S, Pro 4PM). */
export function switchStatus(
  c: Gen2Context,
  ch: Channel,
  tsMs: number,
  variant: VariantCode,
): string {
  const level = ch.powerW;
  const p = powerOf(level, variant);
  const v = voltageV(c, tsMs);
  const pf = ch.phases[0]!.pf;
  const current = fixed(Math.abs(variant === Variant.zero ? 0 : level) / (v * pf), 3);
  const head = `{"id":${ch.index}, "source":"${ch.source}", "output":${ch.output}, "apower":${fixed(p, 1)}, "voltage":${fixed(v, 1)}, `;
  const middle = c.showPf
    ? `"current":${current}, "pf":${fixed(pf, 2)}, "freq":50.0, `
    : `"freq":50.0, "current":${current}, `;
  return `${head}${middle}"aenergy":${energyBlock(c, ch.activeMwh, ch.byMinute, variant)},"temperature":${temperatureBlock(c, level, tsMs)}}`;
}

/** `status/pm1:0` (Plus PM Mini). */
export function pm1Status(c: Gen2Context, ch: Channel, tsMs: number, variant: VariantCode): string {
  const level = ch.powerW;
  const zero = variant === Variant.zero;
  const v = voltageV(c, tsMs);
  const pf = ch.phases[0]!.pf;
  const abs = zero ? 0 : Math.abs(level);
  const retVariant = variant === Variant.wrongType ? Variant.normal : variant;
  return `{"id":${ch.index},"voltage":${fixed(v, 1)},"current":${fixed(abs / (v * pf), 3)},"apower":${fixed(powerOf(level, variant), 1)},"aprtpower":${fixed(abs / pf, 1)},"pf":${fixed(zero ? 0 : pf, 2)},"freq":50.0,"aenergy":${energyBlock(c, ch.activeMwh, ch.byMinute, variant)},"ret_aenergy":${energyBlock(c, ch.returnedMwh, ch.retByMinute, retVariant)}}`;
}

/** `status/em:0` (Pro 3EM): signed per-phase power, no counters. */
export function emStatus(c: Gen2Context, ch: Channel, tsMs: number, variant: VariantCode): string {
  const zero = variant === Variant.zero;
  let out = `{"id":${ch.index}`;
  let totalCurrent = 0;
  let totalAct = 0;
  let totalAprt = 0;
  for (let i = 0; i < 3; i++) {
    const phase = ch.phases[i]!;
    const x = PHASES[i];
    const level = zero ? 0 : phase.powerW;
    const act = i === 0 ? powerOf(phase.powerW, variant) : level;
    const v = voltageV(c, tsMs, i);
    const aprt = Math.abs(level) / phase.pf;
    const current = aprt / v;
    const pf = level === 0 ? 0 : level < 0 ? -phase.pf : phase.pf;
    totalCurrent += current;
    totalAct += act;
    totalAprt += aprt;
    out += `,"${x}_current":${fixed(current, 3)},"${x}_voltage":${fixed(v, 1)},"${x}_act_power":${fixed(act, 1)},"${x}_aprt_power":${fixed(aprt, 1)},"${x}_pf":${fixed(pf, 2)},"${x}_freq":50.0`;
  }
  const totalActText = fixed(totalAct, 3);
  return `${out},"n_current":null,"total_current":${fixed(totalCurrent, 3)},"total_act_power":${variant === Variant.wrongType ? `"${totalActText}"` : totalActText},"total_aprt_power":${fixed(totalAprt, 3)},"user_calibrated_phase":[]}`;
}

/** Sum of the published per-phase active totals of a Pro 3EM, centi-Wh (what `total_act` shows). */
export function emDataActiveCenti(ch: Channel): number {
  let sum = 0;
  for (const phase of ch.phases) sum += centiWh(phase.activeMwh);
  return sum;
}

/** Sum of the published per-phase returned totals of a Pro 3EM, centi-Wh (`total_act_ret`). */
export function emDataReturnedCenti(ch: Channel): number {
  let sum = 0;
  for (const phase of ch.phases) sum += centiWh(phase.returnedMwh);
  return sum;
}

/** `status/emdata:0` (Pro 3EM): per-phase and total counters, Wh with 2 decimals. */
export function emDataStatus(ch: Channel, variant: VariantCode): string {
  const zero = variant === Variant.zero;
  const spike = variant === Variant.spike ? SPIKE_CENTI : 0;
  let out = `{"id":${ch.index}`;
  let act = 0;
  let ret = 0;
  for (let i = 0; i < 3; i++) {
    const phase = ch.phases[i]!;
    const a = zero ? 0 : centiWh(phase.activeMwh) + (i === 0 ? spike : 0);
    const r = zero ? 0 : centiWh(phase.returnedMwh) + (i === 0 ? spike : 0);
    act += a;
    ret += r;
    out += `,"${PHASES[i]}_total_act_energy":${unitsToFixed(a, 2)},"${PHASES[i]}_total_act_ret_energy":${unitsToFixed(r, 2)}`;
  }
  const total = unitsToFixed(act, 2);
  return `${out},"total_act":${variant === Variant.wrongType ? `"${total}"` : total},"total_act_ret":${unitsToFixed(ret, 2)}}`;
}

/** `status/sys`: identity, clock and `uptime` (s); a small uptime tells a consumer the device rebooted. */
export function sysStatus(
  c: Gen2Context,
  tsMs: number,
  uptimeS: number,
  localTime: string,
): string {
  const ramFree = 110_000 + Math.floor(hashNoise(c.index, Math.floor(tsMs / 60000)) * 40_000);
  return `{"mac":"${c.mac}","restart_required":false,"time":"${localTime}","unixtime":${Math.floor(tsMs / 1000)},"uptime":${uptimeS},"ram_size":246680,"ram_free":${ramFree},"fs_size":458752,"fs_free":135168,"cfg_rev":12,"kvs_rev":0,"schedule_rev":${c.scheduleRev},"webhook_rev":0,"available_updates":{},"reset_reason":${uptimeS < 60 ? 1 : 3}}`;
}

function notify(c: Gen2Context, tsMs: number, component: string, body: string): string {
  return `${c.notifyHead}${tsText(tsMs)},"${component}":${body}}}`;
}

/** NotifyStatus with only `apower` and `current` (plus `id` and `output` when the relay switched). */
export function notifyPower(
  c: Gen2Context,
  ch: Channel,
  tsMs: number,
  variant: VariantCode,
  withOutput: boolean,
): string {
  const level = ch.powerW;
  const power = fixed(powerOf(level, variant), 1);
  const current = fixed(
    Math.abs(variant === Variant.zero ? 0 : level) / (voltageV(c, tsMs) * ch.phases[0]!.pf),
    3,
  );
  const powerText = variant === Variant.wrongType ? `"${power}"` : power;
  const head = withOutput ? `{"id":${ch.index},"output":${ch.output},` : "{";
  return notify(c, tsMs, ch.meterId, `${head}"apower":${powerText},"current":${current}}`);
}

/**
 * NotifyStatus of an output set by a command or a person: `id`, `output`, `source`, `apower` and
 * `current` (the status that follows carries the counter).
 */
export function notifyOutput(c: Gen2Context, ch: Channel, tsMs: number): string {
  const level = ch.powerW;
  const current = fixed(Math.abs(level) / (voltageV(c, tsMs) * ch.phases[0]!.pf), 3);
  return notify(
    c,
    tsMs,
    ch.meterId,
    `{"id":${ch.index},"output":${ch.output},"source":"${ch.source}","apower":${fixed(level, 1)},"current":${current}}`,
  );
}

/** NotifyStatus at the minute roll-over with only `aenergy`. */
export function notifyEnergy(
  c: Gen2Context,
  ch: Channel,
  tsMs: number,
  variant: VariantCode,
): string {
  return notify(
    c,
    tsMs,
    ch.meterId,
    `{"aenergy":${energyBlock(c, ch.activeMwh, ch.byMinute, variant)}}`,
  );
}

/** NotifyStatus of a Pro 3EM power change: per-phase and total active power. */
export function notifyEm(c: Gen2Context, ch: Channel, tsMs: number, variant: VariantCode): string {
  const zero = variant === Variant.zero;
  let body = `{"id":${ch.index}`;
  let total = 0;
  for (let i = 0; i < 3; i++) {
    const level = zero ? 0 : ch.phases[i]!.powerW;
    const act = i === 0 ? powerOf(ch.phases[i]!.powerW, variant) : level;
    total += act;
    body += `,"${PHASES[i]}_act_power":${fixed(act, 1)}`;
  }
  const totalText = fixed(total, 3);
  return notify(
    c,
    tsMs,
    ch.meterId,
    `${body},"total_act_power":${variant === Variant.wrongType ? `"${totalText}"` : totalText}}`,
  );
}

/** NotifyStatus of a Pro 3EM counter save (every minute): the whole `emdata:0`. */
export function notifyEmData(
  c: Gen2Context,
  ch: Channel,
  tsMs: number,
  variant: VariantCode,
): string {
  return notify(c, tsMs, `emdata:${ch.index}`, emDataStatus(ch, variant));
}

/** NotifyStatus of `sys` with the uptime, sent right after a boot. */
export function notifySys(c: Gen2Context, tsMs: number, uptimeS: number): string {
  return notify(c, tsMs, "sys", `{"restart_required":false,"uptime":${uptimeS}}`);
}
