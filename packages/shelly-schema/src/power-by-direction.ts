import type { ShellyReading } from "./output/reading";

/** A meter's power split by direction, W (both >= 0). */
export interface ShellyPowerByDirection {
  /** Sum of the phases that import (positive active power). */
  importW: number;
  /** Sum of the phases that export (negative active power), as a positive number. */
  exportW: number;
}

/**
 * The power of a reading that sums phases (a Pro 3EM `em:<id>` with `a_act_power`…), split by
 * direction: one phase can export (solar on phase A) while the others import, and then
 * `total_act_power` (the net) understates how fast each counter moves: the returned-energy
 * counter grows with the exporting phases while the net is positive. `undefined` unless the
 * reading has the power of every phase it lists (a single-phase meter's direction is the sign
 * of its `powerW`).
 */
export function shellyPowerByDirection(reading: ShellyReading): ShellyPowerByDirection | undefined {
  const phases = reading.phases;
  if (phases === undefined || phases.length === 0) return undefined;
  let importW = 0;
  let exportW = 0;
  for (const phase of phases) {
    const powerW = phase.powerW;
    if (powerW === undefined) return undefined;
    if (powerW > 0) importW += powerW;
    else exportW -= powerW;
  }
  return { importW, exportW: exportW + 0 };
}
