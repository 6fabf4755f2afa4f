import type { HistoryBatch } from "@coreflux/history";
import {
  PackedBatch,
  type PathTable,
  packBatch,
  ROW_ADDITIVE,
  ROW_ENERGY,
  ROW_ENERGY_DELTA,
  ROW_OBSERVED_AT,
  ROW_ONLINE,
  ROW_PEAK,
  ROW_PERIOD,
  ROW_RETURNED,
  ROW_RETURNED_DELTA,
  ROW_STRIDE,
} from "./packed-state";

/**
 * One batch with the effect of `batches` applied in order (they must be in seq order), with
 * the last seq: the rows of one node and period become one row, in the order each first
 * appeared. An additive row adds its energy to what was there, an absolute one replaces it;
 * deltas add up; the peak is the highest; the device states are those observed last. Works on
 * the packed numbers (paths indexed in `table`), without an object per row: merging 32 batches
 * of 10,000 rows took 1.5-2 s as row objects with string keys.
 */
export function mergeBatches(batches: readonly HistoryBatch[], table: PathTable): PackedBatch {
  const last = batches[batches.length - 1];
  if (last === undefined) throw new Error("mergeBatches needs at least one batch");
  const parts = batches.map((b) => packedPart(b, table));
  let inputRows = 0;
  for (const part of parts) inputRows += part.path.length;

  // First pass: each input row's output row (one per node and period), found through an
  // open-addressing table keyed by (path index, period), without an object or string per row.
  const outputOf = new Int32Array(inputRows);
  const rowPath = new Int32Array(inputRows);
  const rowPeriod = new Int32Array(inputRows);
  const slots = new Int32Array(slotsFor(inputRows)).fill(-1);
  const mask = slots.length - 1;
  const periods = new Map<number, number>();
  let outputRows = 0;
  let k = 0;
  let lastPeriodMs = Number.NaN;
  let period = 0;
  for (const part of parts) {
    for (let i = 0; i < part.path.length; i++) {
      const periodMs = part.values[i * ROW_STRIDE + ROW_PERIOD]!;
      if (periodMs !== lastPeriodMs) {
        lastPeriodMs = periodMs;
        const known = periods.get(periodMs);
        period = known ?? periods.size;
        if (known === undefined) periods.set(periodMs, period);
      }
      const p = part.path[i]!;
      let slot = hash(p, period) & mask;
      let o = slots[slot]!;
      while (o >= 0 && (rowPath[o] !== p || rowPeriod[o] !== period)) {
        slot = (slot + 1) & mask;
        o = slots[slot]!;
      }
      if (o < 0) {
        o = outputRows++;
        slots[slot] = o;
        rowPath[o] = p;
        rowPeriod[o] = period;
      }
      outputOf[k++] = o;
    }
  }

  // Second pass: the first row of each becomes it, the later ones are applied to it.
  const path = rowPath.slice(0, outputRows);
  const values = new Float64Array(outputRows * ROW_STRIDE);
  const made = new Uint8Array(outputRows);
  k = 0;
  for (const part of parts) {
    for (let i = 0; i < part.path.length; i++) {
      const o = outputOf[k++]!;
      if (made[o] === 0) {
        made[o] = 1;
        copyNumbers(part.values, i * ROW_STRIDE, values, o * ROW_STRIDE, ROW_STRIDE);
      } else {
        applyRow(values, o * ROW_STRIDE, part.values, i * ROW_STRIDE);
      }
    }
  }
  return new PackedBatch(last.seq, path, values, table.paths);
}

/** Slots of the table for `rows` keys: a power of two, at most half full. */
function slotsFor(rows: number): number {
  let slots = 16;
  while (slots < rows * 2) slots *= 2;
  return slots;
}

/** Mixes a path index and a period's ordinal (the table masks the low bits). */
function hash(path: number, period: number): number {
  let h = Math.imul(path, 0x9e3779b1) ^ Math.imul(period + 1, 0x85ebca77);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

/** A batch's arrays with its paths indexed in `table` (a packed batch of that table as it is). */
function packedPart(
  batch: HistoryBatch,
  table: PathTable,
): { path: Int32Array; values: Float64Array } {
  if (batch instanceof PackedBatch && batch.pathTable === table.paths) {
    return { path: batch.pathIndex, values: batch.values };
  }
  return packBatch(batch, table);
}

/** Applies the row at `b` of `from` to the row at `a` of `to` (same node and period). */
function applyRow(to: Float64Array, a: number, from: Float64Array, b: number): void {
  const additive = from[b + ROW_ADDITIVE] === 1;
  to[a + ROW_ENERGY] = additive
    ? to[a + ROW_ENERGY]! + from[b + ROW_ENERGY]!
    : from[b + ROW_ENERGY]!;
  to[a + ROW_RETURNED] = additive
    ? to[a + ROW_RETURNED]! + from[b + ROW_RETURNED]!
    : from[b + ROW_RETURNED]!;
  to[a + ROW_ENERGY_DELTA] = to[a + ROW_ENERGY_DELTA]! + from[b + ROW_ENERGY_DELTA]!;
  to[a + ROW_RETURNED_DELTA] = to[a + ROW_RETURNED_DELTA]! + from[b + ROW_RETURNED_DELTA]!;
  to[a + ROW_ADDITIVE] = to[a + ROW_ADDITIVE] === 1 && additive ? 1 : 0;
  const peakA = to[a + ROW_PEAK]!;
  const peakB = from[b + ROW_PEAK]!;
  if (Number.isNaN(peakA) || peakB > peakA) to[a + ROW_PEAK] = peakB;
  // The states (online, stale, offline) and their time come from the row observed last; one
  // not observed counts as observed at -1, and on a tie the later row wins.
  const observedA = to[a + ROW_OBSERVED_AT]!;
  const observedB = from[b + ROW_OBSERVED_AT]!;
  if ((Number.isNaN(observedB) ? -1 : observedB) >= (Number.isNaN(observedA) ? -1 : observedA)) {
    copyNumbers(from, b + ROW_ONLINE, to, a + ROW_ONLINE, ROW_OBSERVED_AT - ROW_ONLINE + 1);
  }
}

function copyNumbers(
  from: Float64Array,
  fromAt: number,
  to: Float64Array,
  toAt: number,
  count: number,
): void {
  for (let j = 0; j < count; j++) to[toAt + j] = from[fromAt + j]!;
}
