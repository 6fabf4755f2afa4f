import type { ShellyReading } from "../output/reading";
import { type Slots, slotIndex } from "../parse/slots";
import { energyCounterFields } from "../schemas/energy-counter";
import { meteredFields } from "../schemas/metered-fields";
import { temperatureBlockFields } from "../schemas/temperature-block";

const M = slotIndex(meteredFields);
const ENERGY = slotIndex(energyCounterFields);
const TEMPERATURE = slotIndex(temperatureBlockFields);

/**
 * The reading of an output-like component (switch, pm1, cover, light, rgb, rgbw, cct), from the
 * slots of its validated status (its table starts with `meteredFields`). Shelly already reports
 * W, V, A, Hz and Wh, so values are copied: `apower` → `powerW`, `aenergy.total` → `energyWh`,
 * `ret_aenergy.total` → `returnedEnergyWh`, `temperature.tC` (°C, `null` → absent) →
 * `temperatureC`. `by_minute` (mWh per minute) is deliberately not used: totals are exact,
 * per-minute buckets are not (REFERENCE §3.6).
 */
export function meteredReading(
  component: string,
  status: Slots,
  deviceTsMs: number | undefined,
): ShellyReading {
  const reading: ShellyReading = { component, meter: component };
  const power = status[M.apower] as number | undefined;
  if (power !== undefined) reading.powerW = power;
  const energy = status[M.aenergy] as Slots | undefined;
  const energyWh = energy?.[ENERGY.total] as number | undefined;
  if (energyWh !== undefined) reading.energyWh = energyWh;
  const returned = status[M.ret_aenergy] as Slots | undefined;
  const returnedWh = returned?.[ENERGY.total] as number | undefined;
  if (returnedWh !== undefined) reading.returnedEnergyWh = returnedWh;
  const voltage = status[M.voltage] as number | undefined;
  if (voltage !== undefined) reading.voltageV = voltage;
  const current = status[M.current] as number | undefined;
  if (current !== undefined) reading.currentA = current;
  const pf = status[M.pf] as number | undefined;
  if (pf !== undefined) reading.powerFactor = pf;
  const freq = status[M.freq] as number | undefined;
  if (freq !== undefined) reading.frequencyHz = freq;
  const apparent = status[M.aprtpower] as number | undefined;
  if (apparent !== undefined) reading.apparentPowerVA = apparent;
  const temperature = status[M.temperature] as Slots | undefined;
  const celsius = temperature?.[TEMPERATURE.tC] as number | null | undefined;
  if (celsius !== undefined && celsius !== null) reading.temperatureC = celsius;
  const output = status[M.output] as boolean | undefined;
  if (output !== undefined) reading.output = output;
  const source = status[M.source] as string | undefined;
  if (source !== undefined) reading.source = source;
  const errors = status[M.errors] as string[] | undefined;
  if (errors !== undefined) reading.errors = errors;
  if (deviceTsMs !== undefined) reading.deviceTsMs = deviceTsMs;
  return reading;
}
