import type { ShellyPhaseReading, ShellyReading } from "../output/reading";
import { type Slots, slotIndex } from "../parse/slots";
import { emStatusFields } from "../schemas/em-status";
import { emDataStatusFields } from "../schemas/emdata-status";

const EM = slotIndex(emStatusFields);
const EMDATA = slotIndex(emDataStatusFields);

/** Slot indices of each phase's fields. */
const PHASES = (["a", "b", "c"] as const).map((phase) => ({
  phase,
  power: EM[`${phase}_act_power`],
  voltage: EM[`${phase}_voltage`],
  current: EM[`${phase}_current`],
  pf: EM[`${phase}_pf`],
  apparent: EM[`${phase}_aprt_power`],
  freq: EM[`${phase}_freq`],
  errors: EM[`${phase}_errors`],
  energy: EMDATA[`${phase}_total_act_energy`],
  returned: EMDATA[`${phase}_total_act_ret_energy`],
}));

/** A measurement slot: a number, or `undefined` when absent or `null` (not measured). */
function measured(slots: Slots, index: number): number | undefined {
  const value = slots[index] as number | null | undefined;
  return value === null ? undefined : value;
}

/**
 * The reading of a 3-phase `em:<id>`: the totals (`total_act_power` → `powerW`, signed;
 * `total_current` → `currentA`; `total_aprt_power` → `apparentPowerVA`) plus one entry in
 * `phases` per phase the message mentions. `null` measurements are left out. Meter = component.
 */
export function emReading(
  component: string,
  status: Slots,
  deviceTsMs: number | undefined,
): ShellyReading {
  const reading: ShellyReading = { component, meter: component };
  const power = measured(status, EM.total_act_power);
  if (power !== undefined) reading.powerW = power;
  const current = measured(status, EM.total_current);
  if (current !== undefined) reading.currentA = current;
  const apparent = measured(status, EM.total_aprt_power);
  if (apparent !== undefined) reading.apparentPowerVA = apparent;
  const errors = status[EM.errors] as string[] | undefined;
  if (errors !== undefined) reading.errors = errors;
  if (deviceTsMs !== undefined) reading.deviceTsMs = deviceTsMs;
  const phases: ShellyPhaseReading[] = [];
  for (const slot of PHASES) {
    const phase: ShellyPhaseReading = { phase: slot.phase };
    const values = [
      measured(status, slot.power),
      measured(status, slot.voltage),
      measured(status, slot.current),
      measured(status, slot.pf),
      measured(status, slot.apparent),
      measured(status, slot.freq),
    ] as const;
    const [phasePower, voltage, phaseCurrent, pf, phaseApparent, freq] = values;
    if (phasePower !== undefined) phase.powerW = phasePower;
    if (voltage !== undefined) phase.voltageV = voltage;
    if (phaseCurrent !== undefined) phase.currentA = phaseCurrent;
    if (pf !== undefined) phase.powerFactor = pf;
    if (phaseApparent !== undefined) phase.apparentPowerVA = phaseApparent;
    if (freq !== undefined) phase.frequencyHz = freq;
    const phaseErrors = status[slot.errors] as string[] | undefined;
    if (phaseErrors !== undefined) phase.errors = phaseErrors;
    if (phaseErrors !== undefined || values.some((value) => value !== undefined)) {
      phases.push(phase);
    }
  }
  if (phases.length > 0) reading.phases = phases;
  return reading;
}

/**
 * The reading of a 3-phase `emdata:<id>`: `total_act` → `energyWh`, `total_act_ret` →
 * `returnedEnergyWh` (both Wh, perpetual), per-phase counters in `phases`. Its meter is the
 * matching `em:<id>`, so counters join the power of the same physical meter.
 */
export function emDataReading(
  component: string,
  id: number,
  status: Slots,
  deviceTsMs: number | undefined,
): ShellyReading {
  const reading: ShellyReading = { component, meter: `em:${id}` };
  const energy = measured(status, EMDATA.total_act);
  if (energy !== undefined) reading.energyWh = energy;
  const returned = measured(status, EMDATA.total_act_ret);
  if (returned !== undefined) reading.returnedEnergyWh = returned;
  const errors = status[EMDATA.errors] as string[] | undefined;
  if (errors !== undefined) reading.errors = errors;
  if (deviceTsMs !== undefined) reading.deviceTsMs = deviceTsMs;
  const phases: ShellyPhaseReading[] = [];
  for (const slot of PHASES) {
    const phaseEnergy = measured(status, slot.energy);
    const phaseReturned = measured(status, slot.returned);
    if (phaseEnergy === undefined && phaseReturned === undefined) continue;
    const phase: ShellyPhaseReading = { phase: slot.phase };
    if (phaseEnergy !== undefined) phase.energyWh = phaseEnergy;
    if (phaseReturned !== undefined) phase.returnedEnergyWh = phaseReturned;
    phases.push(phase);
  }
  if (phases.length > 0) reading.phases = phases;
  return reading;
}
