import type { HistoryBatch, PeriodRow } from "@coreflux/history";

/**
 * Batches waiting for the database, oldest first. When more than `maxBatches` wait (the database
 * is away), the ones after the oldest are merged into one: rows of the same node and period
 * become one row, so the queue grows with the periods and nodes that changed, not with time.
 */
export class BatchQueue {
  private batches: HistoryBatch[] = [];
  private rowCount = 0;

  constructor(private readonly maxBatches = 32) {}

  /** Batches waiting. */
  get length(): number {
    return this.batches.length;
  }

  /** Rows waiting. */
  get rows(): number {
    return this.rowCount;
  }

  /** The oldest batch, or undefined. */
  head(): HistoryBatch | undefined {
    return this.batches[0];
  }

  /** Every waiting batch (for the state file). */
  all(): readonly HistoryBatch[] {
    return this.batches;
  }

  /** Adds a batch (seqs must increase); merges the tail when too many wait. */
  push(batch: HistoryBatch): void {
    this.batches.push(batch);
    this.rowCount += batch.rows.length;
    if (this.batches.length > this.maxBatches) this.compact();
  }

  /** Drops the oldest batch (it was written, or the database had it already). */
  shift(): void {
    const done = this.batches.shift();
    if (done !== undefined) this.rowCount -= done.rows.length;
  }

  /**
   * Merges every batch after the oldest (which may be being written) into one with the last
   * seq. Applying the merged batch has the same effect as applying its parts in order.
   */
  private compact(): void {
    const [head, ...tail] = this.batches;
    if (head === undefined || tail.length < 2) return;
    const merged = mergeBatches(tail);
    this.batches = [head, merged];
    this.rowCount = head.rows.length + merged.rows.length;
  }
}

/** One batch with the effect of `batches` applied in order (they must be in seq order). */
export function mergeBatches(batches: readonly HistoryBatch[]): HistoryBatch {
  const byKey = new Map<string, PeriodRow>();
  for (const batch of batches) {
    for (const row of batch.rows) {
      const k = `${row.periodStartMs}|${row.path}`;
      const before = byKey.get(k);
      byKey.set(k, before === undefined ? { ...row } : mergeRows(before, row));
    }
  }
  return { seq: batches[batches.length - 1]!.seq, rows: [...byKey.values()] };
}

/** `b` applied after `a` (same node and period). */
function mergeRows(a: PeriodRow, b: PeriodRow): PeriodRow {
  const latest = (b.observedAtMs ?? -1) >= (a.observedAtMs ?? -1) ? b : a;
  const peaks = [a.peakPowerW, b.peakPowerW].filter((p): p is number => p !== undefined);
  return {
    path: a.path,
    periodStartMs: a.periodStartMs,
    // An additive row adds to what was there; an absolute one replaces it.
    energyMwh: b.additive ? a.energyMwh + b.energyMwh : b.energyMwh,
    returnedEnergyMwh: b.additive ? a.returnedEnergyMwh + b.returnedEnergyMwh : b.returnedEnergyMwh,
    energyDeltaMwh: a.energyDeltaMwh + b.energyDeltaMwh,
    returnedEnergyDeltaMwh: a.returnedEnergyDeltaMwh + b.returnedEnergyDeltaMwh,
    additive: a.additive && b.additive,
    peakPowerW: peaks.length === 0 ? undefined : Math.max(...peaks),
    devices: latest.devices,
    observedAtMs: latest.observedAtMs,
  };
}
