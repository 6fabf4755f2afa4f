/**
 * The oracle's only contact with the engine: the few calls it drives the engine with, so a test
 * can wrap them (see `oracle.test.ts`, an engine that reports twice the energy).
 */
import {
  type CreditPiece,
  EnergyEngine,
  type EngineOptions,
  type MeterHandle,
  type NodeId,
  type NodeView,
} from "../../src/index";

/** What the engine offers the oracle. */
export interface EnginePort {
  /** Finds or creates a meter; throws if the engine refuses it. */
  meter(path: readonly string[], meterId: string): MeterHandle;
  deviceOf(meter: MeterHandle): NodeId;
  /** Tells the engine the model's rating of a meter, W. */
  setRatedPower(meter: MeterHandle, ratingW: number): void;
  /** One reading; `NaN` for an absent value. Returns the engine's outcome (for traces). */
  ingest(
    meter: MeterHandle,
    tsMs: number,
    energyWh: number,
    powerW: number,
    returnedEnergyWh: number,
    deviceTsMs: number,
  ): unknown;
  noteUptime(device: NodeId, uptimeS: number, tsMs: number, deviceTsMs: number): void;
  setAvailability(device: NodeId, online: boolean, tsMs: number): void;
  /** The publish cycle (and the engine's clock). */
  takeChanges(nowMs: number): NodeId[];
  /** Credit pieces since the last call; undefined when the scenario did not ask for them. */
  takeCredits(): CreditPiece[] | undefined;
  meterEnergy(meter: MeterHandle): { energyMwh: number; returnedEnergyMwh: number };
  view(node: NodeId, nowMs: number): NodeView;
  roots(): NodeId[];
  children(node: NodeId): NodeId[];
  readonly nodeCount: number;
}

/** Options of the engine under test. */
export interface PortOptions {
  timeZone: string;
  /** Width of the engine's credit slots; undefined: not asked for. */
  creditSlotMinutes: number | undefined;
}

/** A fresh engine behind an {@link EnginePort}. */
export function createEnginePort(options: PortOptions): EnginePort {
  const engine = new EnergyEngine({
    timeZone: options.timeZone,
    ...(options.creditSlotMinutes === undefined
      ? {}
      : { creditSlotMinutes: options.creditSlotMinutes as EngineOptions["creditSlotMinutes"] }),
  });
  const withCredits = options.creditSlotMinutes !== undefined;
  return {
    meter(path, meterId) {
      const found = engine.meter(path, meterId);
      if (!found.ok)
        throw new Error(`engine refused meter ${path.join("/")} ${meterId}: ${found.reason}`);
      return found.meter;
    },
    deviceOf: (meter) => engine.deviceOf(meter),
    setRatedPower: (meter, ratingW) => engine.setRatedPower(meter, ratingW),
    ingest: (meter, tsMs, energyWh, powerW, returnedEnergyWh, deviceTsMs) =>
      engine.ingestValues(meter, tsMs, energyWh, powerW, returnedEnergyWh, deviceTsMs),
    noteUptime(device, uptimeS, tsMs, deviceTsMs) {
      engine.noteUptime(device, uptimeS, tsMs, deviceTsMs);
    },
    setAvailability(device, online, tsMs) {
      engine.setAvailability(device, online, tsMs);
    },
    takeChanges: (nowMs) => engine.takeChanges(nowMs),
    takeCredits: () => (withCredits ? engine.takeCredits() : undefined),
    meterEnergy(meter) {
      const v = engine.meterView(meter);
      return { energyMwh: v.energyMwh, returnedEnergyMwh: v.returnedEnergyMwh };
    },
    view: (node, nowMs) => engine.view(node, nowMs),
    roots: () => engine.roots(),
    children: (node) => engine.children(node),
    get nodeCount() {
      return engine.nodeCount;
    },
  };
}
