import type { EnergyEngine, NodeId } from "@coreflux/hierarchy";

/** What one publish cycle hands to every output. */
export interface PublishCycle {
  /** The cycle's time, Unix ms. */
  nowMs: number;
  /** Nodes whose values changed since the previous cycle (`engine.takeChanges`, taken once). */
  changed: readonly NodeId[];
  engine: EnergyEngine;
  /**
   * Nodes no output may publish: a partition's levels above its subtree roots, which hold only
   * part of their children (never in `changed`; outputs that go through every node skip them).
   */
  hidden?: ReadonlySet<NodeId>;
}

/**
 * An output of the aggregator (the MQTT publisher, the history, ...): fed by the same publish
 * cycle, stopped in order. Adding one means writing one of these, not lengthening the service.
 */
export interface CycleOutput {
  /** A short name for logs. */
  readonly name: string;
  /** Called every publish cycle; must not block (start I/O, do not await it). */
  cycle(cycle: PublishCycle): void;
  /** Stops the output after the final cycle; resolves when what it could finish is done. */
  close(): Promise<void>;
}
