/**
 * @coreflux/hierarchy: the pure, exact energy-accounting and aggregation engine.
 *
 * Meter readings (a cumulative counter in Wh, power in W, a time) in; exact totals (integer
 * mWh) per node of a tree out. No I/O, no timers, no dependencies: time is always passed in.
 */
export {
  type CapturedColumn,
  type CapturedColumns,
  CaptureEncoder,
  type CaptureInProgress,
  type CaptureRoom,
  captureBuffers,
  captureRoom,
  type EngineCapture,
  emptyCapture,
  encodeCapture,
  reserveCapture,
} from "./capture";
export { createEnergyEngine, EnergyEngine } from "./engine";
export { HierarchyError, type HierarchyErrorCode } from "./errors";
export { formatMwhAsWh, mwhToWh } from "./format";
export { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from "./options";
export {
  type EngineSnapshot,
  type PendingSnapshot,
  type RestoreResult,
  type ReturnedCounterSnapshot,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type SnapshotErrorCode,
  type SparseColumn,
} from "./snapshot";
export type {
  CreditPiece,
  IngestOutcome,
  MeterHandle,
  MeterLookup,
  MeterReading,
  MeterRefusal,
  MeterView,
  NodeId,
  NodeView,
  StateCounts,
} from "./types";
export { type CalendarPeriods, ZonedCalendar } from "./zoned-calendar";
