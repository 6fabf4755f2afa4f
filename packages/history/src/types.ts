/** The level of a node in the company's tree. */
export type NodeLevel = "company" | "office" | "room" | "device";

/** A node of the tree, as stored in the `nodes` table. */
export interface HistoryNode {
  /** The path below the company, `/`-separated: `""` for the company, `"Porto/Kitchen"` for a room. */
  path: string;
  level: NodeLevel;
  /** The last segment of the path (the company's name for the company). */
  name: string;
}

/** What a node's devices were at a moment: the counts the aggregator publishes. */
export interface DeviceStates {
  online: number;
  stale: number;
  offline: number;
}

/**
 * One node's values for one period (a UTC-aligned slot of `periodMinutes`). Energies are the
 * period's whole value so far ({@link additive} false, the normal case: written as is, so writing
 * it twice changes nothing) or an amount to add to what the database holds ({@link additive}
 * true: a period the writer no longer tracks, such as one hours back that a device's late
 * reading credits). Either way, batches are applied exactly once (see {@link HistoryBatch.seq}).
 */
export interface PeriodRow {
  path: string;
  /** Start of the period, Unix ms (a multiple of the period width). */
  periodStartMs: number;
  /** Energy consumed in the period, integer mWh (the period's total, or the amount to add). */
  energyMwh: number;
  /** Energy returned to the grid in the period, integer mWh (total or amount, like energyMwh). */
  returnedEnergyMwh: number;
  /** What this row adds to the period's energy since the previous batch, integer mWh. */
  energyDeltaMwh: number;
  /** What this row adds to the period's returned energy since the previous batch, integer mWh. */
  returnedEnergyDeltaMwh: number;
  additive: boolean;
  /** Highest power published for the node in the period so far, W (undefined: none seen). */
  peakPowerW: number | undefined;
  /** The node's device states at {@link observedAtMs} (the period's end, once it is over). */
  devices: DeviceStates | undefined;
  /** When {@link devices} was observed, Unix ms. */
  observedAtMs: number | undefined;
}

/**
 * What one publish cycle changed. A row's node is known by its path (its level by the path's
 * depth: `""` company, `"Porto"` office, `"Porto/Kitchen"` room, deeper: device). `seq` numbers
 * batches 1, 2, 3, ...
 * across restarts; the store records the last one applied in the same transaction as its rows
 * and skips any batch at or below it, so a batch offered twice (after a crash, a retry) counts once.
 */
export interface HistoryBatch {
  seq: number;
  rows: PeriodRow[];
}

/**
 * A batch that can also make its rows one at a time (`row(i)` for `i` below `size`, the same
 * rows as `rows`, in the same order), such as one whose rows are kept as packed numbers:
 * {@link HistoryStore.write} then makes them a piece at a time, so that they are garbage as soon
 * as their piece is sent, instead of all alive for the whole write.
 */
export interface RowSource {
  /** Rows in the batch. */
  readonly size: number;
  /** Row `i`, made now. */
  row(i: number): PeriodRow;
  /**
   * Row `i`'s path, without making the row (optional): the write looks up every row's node
   * before its transaction, and with this it makes each row once less (it still makes a row for
   * each kind of statement it sends: absolute rows, then additive ones).
   */
  path?(i: number): string;
}

/** True when `batch` can make its rows one at a time (see {@link RowSource}). */
export function isRowSource(batch: HistoryBatch): batch is HistoryBatch & RowSource {
  const b = batch as Partial<RowSource>;
  return typeof b.row === "function" && typeof b.size === "number";
}

/** How a report groups rows. */
export type ReportGrouping = "period" | "hour" | "day" | "month";

/** A report's question. */
export interface ReportQuery {
  /** Inclusive start, Unix ms (use {@link ZoneCalendar.instantOf} for a local date). */
  fromMs: number;
  /** Exclusive end, Unix ms. */
  toMs: number;
  by: ReportGrouping;
  /** Only nodes of this level (default: every level). */
  level?: NodeLevel;
  /**
   * Only nodes whose path matches: segments separated by `/`, `*` matches one segment, `**` any
   * number (`"Porto/**"`: Porto and everything below; `"*"`: the offices). Default: every node.
   */
  path?: string;
}

/** One node's energy in one period of a report. */
export interface ReportRow {
  path: string;
  level: NodeLevel;
  /** Start of the period, Unix ms (a local hour, day or month start for those groupings). */
  periodStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
  /** Highest power published in the period, W (null: none recorded). */
  peakPowerW: number | null;
}
