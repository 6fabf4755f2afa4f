/**
 * Numbers a person reads: power in W/kW/MW and energy in Wh/kWh/MWh with three significant
 * digits, and the exact value (as the API sent it) for the `title` shown on hover. Pure.
 */

/** What an absent or non-finite value shows. */
export const MISSING = "—";

const POWER_UNITS = ["W", "kW", "MW"] as const;
const ENERGY_UNITS = ["Wh", "kWh", "MWh"] as const;

const formatters = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string | undefined, whole: boolean): Intl.NumberFormat {
  const key = `${locale ?? ""}|${whole}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, {
      ...(whole ? { maximumFractionDigits: 0 } : { maximumSignificantDigits: 3 }),
      signDisplay: "negative",
    });
    formatters.set(key, f);
  }
  return f;
}

/** `value` rounded to three significant digits (what the reader will see). */
const round3 = (value: number): number => Number(value.toPrecision(3));

function scaled(value: number, units: readonly string[], locale: string | undefined): string {
  if (!Number.isFinite(value)) return MISSING;
  let v = value;
  let i = 0;
  // Step up while the rounded value would read 1000 or more (999.96 W reads "1 kW", not "1,000 W").
  while (i < units.length - 1 && Math.abs(round3(v)) >= 1000) {
    v /= 1000;
    i++;
  }
  // Beyond the largest unit: whole numbers with grouping (12,346 MWh), never 1.23e+4.
  const whole = Math.abs(round3(v)) >= 1000;
  return `${numberFormat(locale, whole).format(v)} ${units[i]}`;
}

/** Power (W in) as W, kW or MW with three significant digits: `812 W`, `1.23 kW`. */
export function formatPower(powerW: number | null | undefined, locale?: string): string {
  return powerW == null ? MISSING : scaled(powerW, POWER_UNITS, locale);
}

/** Energy (Wh in) as Wh, kWh or MWh with three significant digits: `12.5 Wh`, `1.23 kWh`. */
export function formatEnergy(energyWh: number | null | undefined, locale?: string): string {
  return energyWh == null ? MISSING : scaled(energyWh, ENERGY_UNITS, locale);
}

/** The exact value the API sent, in its own unit, for hover titles: `1234.567 Wh`. */
export function exactValue(value: number | null | undefined, unit: "W" | "Wh"): string {
  if (value == null || !Number.isFinite(value)) return MISSING;
  return `${Object.is(value, -0) ? 0 : value} ${unit}`;
}

/** State counts as `online / stale / offline` figures. */
export function formatStates(s: { online: number; stale: number; offline: number }): string {
  return `${s.online} / ${s.stale} / ${s.offline}`;
}

/** State counts in words, for the title and screen readers: `10 online, 1 stale, 0 offline`. */
export function describeStates(s: { online: number; stale: number; offline: number }): string {
  return `${s.online} online, ${s.stale} stale, ${s.offline} offline`;
}
