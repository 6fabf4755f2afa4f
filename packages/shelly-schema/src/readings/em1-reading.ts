import type { ShellyReading } from "../output/reading";
import { type Slots, slotIndex } from "../parse/slots";
import { em1StatusFields } from "../schemas/em1-status";
import { em1DataStatusFields } from "../schemas/em1data-status";

const EM1 = slotIndex(em1StatusFields);
const EM1DATA = slotIndex(em1DataStatusFields);

/** A measurement slot: a number, or `undefined` when absent or `null` (not measured). */
function measured(slots: Slots, index: number): number | undefined {
  const value = slots[index] as number | null | undefined;
  return value === null ? undefined : value;
}

/**
 * The reading of a single-phase `em1:<id>`: `act_power` → `powerW` (signed), `voltage` → `voltageV`,
 * `current` → `currentA`, `aprt_power` → `apparentPowerVA`, `pf`, `freq` → `frequencyHz`.
 * `null` measurements are left out. Meter = component.
 */
export function em1Reading(
  component: string,
  status: Slots,
  deviceTsMs: number | undefined,
): ShellyReading {
  const reading: ShellyReading = { component, meter: component };
  const power = measured(status, EM1.act_power);
  if (power !== undefined) reading.powerW = power;
  const voltage = measured(status, EM1.voltage);
  if (voltage !== undefined) reading.voltageV = voltage;
  const current = measured(status, EM1.current);
  if (current !== undefined) reading.currentA = current;
  const pf = measured(status, EM1.pf);
  if (pf !== undefined) reading.powerFactor = pf;
  const freq = measured(status, EM1.freq);
  if (freq !== undefined) reading.frequencyHz = freq;
  const apparent = measured(status, EM1.aprt_power);
  if (apparent !== undefined) reading.apparentPowerVA = apparent;
  const errors = status[EM1.errors] as string[] | undefined;
  if (errors !== undefined) reading.errors = errors;
  if (deviceTsMs !== undefined) reading.deviceTsMs = deviceTsMs;
  return reading;
}

/**
 * The reading of `em1data:<id>`: `total_act_energy` → `energyWh`, `total_act_ret_energy` →
 * `returnedEnergyWh` (Wh, perpetual). Its meter is the matching `em1:<id>`.
 */
export function em1DataReading(
  component: string,
  id: number,
  status: Slots,
  deviceTsMs: number | undefined,
): ShellyReading {
  const reading: ShellyReading = { component, meter: `em1:${id}` };
  const energy = measured(status, EM1DATA.total_act_energy);
  if (energy !== undefined) reading.energyWh = energy;
  const returned = measured(status, EM1DATA.total_act_ret_energy);
  if (returned !== undefined) reading.returnedEnergyWh = returned;
  const errors = status[EM1DATA.errors] as string[] | undefined;
  if (errors !== undefined) reading.errors = errors;
  if (deviceTsMs !== undefined) reading.deviceTsMs = deviceTsMs;
  return reading;
}
