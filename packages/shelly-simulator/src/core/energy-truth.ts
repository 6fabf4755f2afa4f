import type { FaultKind } from "./faults";
import type { ShellyModel } from "./models";

/** Energy of a node, integer mWh. */
export interface EnergyTotals {
  /** Active (imported) energy, integer mWh. */
  energyMwh: number;
  /** Returned (exported) energy, integer mWh (Pro 3EM `total_act_ret`, Gen1 EM `total_returned`). */
  returnedEnergyMwh: number;
}

/** The truth of one device, under its path `Company/Office/Room/Device`. */
export interface DeviceTruth extends EnergyTotals {
  model: ShellyModel;
  /** Shelly device id. */
  id: string;
  /** Topic prefix it publishes under. */
  prefix: string;
  /** By meter id as a consumer names it (`switch:2`, `em:0`, `relay:0`, `emeter:1`). */
  meters: Record<string, EnergyTotals>;
}

/** Format marker of {@link EnergyTruth}. */
export const TRUTH_FORMAT = "coreflux.shelly-simulator.truth";

/**
 * The exact energy a fleet published, per device, room, office and company, in integer mWh: the
 * sum over every metering channel of the increases of the counter values it published in valid
 * readings after its first valid reading (after a counter reset, the first valid value counts in
 * full). What an exact aggregator that received every message must report.
 */
export interface EnergyTruth extends EnergyTotals {
  format: typeof TRUTH_FORMAT;
  version: 1;
  seed: number;
  /** The company, the root of every path. */
  company: string;
  /** Simulated start, Unix ms. */
  startTsMs: number;
  /** Simulated time of this truth, Unix ms. */
  tsMs: number;
  /** True when every channel published its current counter since the last step (after `settle()`). */
  settled: boolean;
  /** Messages published so far. */
  messages: number;
  /** Faults injected so far, by kind. */
  faults: Record<FaultKind, number>;
  /** By `Company/Office`. */
  offices: Record<string, EnergyTotals>;
  /** By `Company/Office/Room`. */
  rooms: Record<string, EnergyTotals>;
  /** By `Company/Office/Room/Device`. */
  devices: Record<string, DeviceTruth>;
}
