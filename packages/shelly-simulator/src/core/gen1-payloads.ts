import type { Phase } from "./channel";
import { SPIKE_ENERGY_WH, SPIKE_POWER_W, Variant, type VariantCode } from "./message-fault";
import { fixed, unitsToFixed } from "./number-format";
import { deciWh, wattMinutes } from "./quantize";

/** Gen1 scalar payloads (REFERENCE §2.3): bare ASCII numbers. Wrong types and garbage are added by the outbox. */

/** `relay/<n>/power`, `emeter/<i>/power`: W with 2 decimals (`118.42`, `-1523.40`). */
export function gen1Power(powerW: number, variant: VariantCode): string {
  if (variant === Variant.zero) return "0.00";
  return fixed(variant === Variant.spike ? powerW + SPIKE_POWER_W : powerW, 2);
}

/** `relay/<n>/energy`: whole watt-minutes since boot. */
export function gen1Energy(phase: Phase, variant: VariantCode): string {
  if (variant === Variant.zero) return "0";
  const w = wattMinutes(phase.activeMwh);
  return String(variant === Variant.spike ? w + SPIKE_ENERGY_WH * 60 : w);
}

/** `emeter/<i>/total` or `total_returned` from a register (mWh): Wh with 1 decimal. */
export function gen1Total(registerMwh: number, variant: VariantCode): string {
  if (variant === Variant.zero) return "0.0";
  const d = deciWh(registerMwh);
  return unitsToFixed(variant === Variant.spike ? d + SPIKE_ENERGY_WH * 10 : d, 1);
}
