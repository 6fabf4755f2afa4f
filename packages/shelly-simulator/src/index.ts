// The one public entry of @coreflux/shelly-simulator. Everything exported is named here.

export type {
  IgnoreCommands,
  PersonOptions,
  ResolvedPersonOptions,
} from "./core/command-options";
export type { DeviceTruth, EnergyTotals, EnergyTruth } from "./core/energy-truth";
export { TRUTH_FORMAT } from "./core/energy-truth";
export {
  checkFaultRates,
  DEVICE_HOUR_FAULTS,
  FAULT_KINDS,
  type FaultKind,
  type FaultRates,
  MESSAGE_FAULTS,
  parseFaultRates,
} from "./core/faults";
export { createFleet, Fleet, type FleetDevice, type FleetRunStats } from "./core/fleet";
export { type CommandStats, MQTT_SOURCE } from "./core/fleet-commands";
export {
  DEFAULT_FLEET_OPTIONS,
  type FleetLayout,
  type FleetOptions,
  type FleetOptionsResult,
  MAX_FLEET_DEVICES,
  type ResolvedFleetOptions,
  resolveFleetOptions,
} from "./core/fleet-options";
export { checkModelMix, DEFAULT_MODEL_MIX, type ModelMix, parseModelMix } from "./core/model-mix";
export {
  MODEL_SPECS,
  type ModelKind,
  type ModelSpec,
  SHELLY_MODELS,
  type ShellyModel,
} from "./core/models";
export type { FleetStats } from "./core/outbox";
export type { ParseResult } from "./core/parse-result";
export { formatPlacementsToml, type PlacementRule } from "./core/placements";
export { RPC_ERRORS } from "./core/rpc-frame";
export {
  MAX_SCHEDULE_CALLS,
  MAX_SCHEDULE_JOBS,
  type ScheduleCall,
  type ScheduleJob,
} from "./core/schedule-store";
export type { SimMessage } from "./core/sim-message";
export { ShellySimulatorError, type ShellySimulatorErrorCode } from "./errors";
export {
  DEFAULT_URL,
  type RunProgress,
  type RunSimulatorOptions,
  type RunSimulatorResult,
} from "./io/run-options";
export { runSimulator } from "./io/run-simulator";
