import type { PeriodRow } from "@coreflux/history";
import type { HistoryState } from "./history-output";
import type { LedgerSnapshot } from "./period-ledger";

/**
 * A history row as a version 2 state file holds it, an array instead of an object with a member
 * per field (about 80 bytes a row instead of 260: at 100,000 devices the rows are most of the
 * state file): path, period start (Unix ms), energy mWh, returned mWh, energy delta mWh,
 * returned delta mWh, additive (1 or 0), peak power W, devices online, stale, offline,
 * observed at (Unix ms); null where a row has no peak power, no devices or no observation time.
 */
export type HistoryRowArray = [
  path: string,
  periodStartMs: number,
  energyMwh: number,
  returnedEnergyMwh: number,
  energyDeltaMwh: number,
  returnedEnergyDeltaMwh: number,
  additive: 0 | 1,
  peakPowerW: number | null,
  online: number | null,
  stale: number | null,
  offline: number | null,
  observedAtMs: number | null,
];

/** Fields of a {@link HistoryRowArray}. */
export const HISTORY_ROW_FIELDS = 12;

/** The history part of a version 2 state file: a {@link HistoryState} with rows as arrays. */
export interface HistoryStateFile {
  ledger: LedgerSnapshot;
  queue: { seq: number; rows: HistoryRowArray[] }[];
  spilledThroughSeq?: number;
}

/** `row` as a version 2 state file holds it. */
export function rowToArray(row: PeriodRow): HistoryRowArray {
  return [
    row.path,
    row.periodStartMs,
    row.energyMwh,
    row.returnedEnergyMwh,
    row.energyDeltaMwh,
    row.returnedEnergyDeltaMwh,
    row.additive ? 1 : 0,
    row.peakPowerW ?? null,
    row.devices?.online ?? null,
    row.devices === undefined ? null : row.devices.stale,
    row.devices === undefined ? null : row.devices.offline,
    row.observedAtMs ?? null,
  ];
}

/** `state` as a version 2 state file holds it (its rows as arrays). */
export function historyToFile(state: HistoryState): HistoryStateFile {
  return {
    ledger: state.ledger,
    queue: state.queue.map((b) => ({ seq: b.seq, rows: b.rows.map(rowToArray) })),
    ...(state.spilledThroughSeq === undefined
      ? {}
      : { spilledThroughSeq: state.spilledThroughSeq }),
  };
}

const isNumber = (x: unknown): x is number => typeof x === "number";
const isNumberOrNull = (x: unknown): x is number | null => x === null || typeof x === "number";

/** The row `a` stands for, or undefined when `a` is not a {@link HistoryRowArray}. */
export function rowFromArray(a: unknown): PeriodRow | undefined {
  if (!Array.isArray(a) || a.length !== HISTORY_ROW_FIELDS || typeof a[0] !== "string") {
    return undefined;
  }
  for (let k = 1; k <= 5; k++) if (!isNumber(a[k])) return undefined;
  if (a[6] !== 0 && a[6] !== 1) return undefined;
  for (let k = 7; k <= 11; k++) if (!isNumberOrNull(a[k])) return undefined;
  const online = a[8] as number | null;
  if (online !== null && (!isNumber(a[9]) || !isNumber(a[10]))) return undefined;
  return {
    path: a[0],
    periodStartMs: a[1],
    energyMwh: a[2],
    returnedEnergyMwh: a[3],
    energyDeltaMwh: a[4],
    returnedEnergyDeltaMwh: a[5],
    additive: a[6] === 1,
    peakPowerW: a[7] ?? undefined,
    devices: online === null ? undefined : { online, stale: a[9], offline: a[10] },
    observedAtMs: a[11] ?? undefined,
  };
}

/**
 * The {@link HistoryState} a version 2 file's history part stands for (rows as objects again),
 * or what is wrong with it. The ledger and the spill mark are taken as they are (checked where
 * they are restored, as in version 1).
 */
export function historyFromFile(file: {
  ledger: LedgerSnapshot;
  queue: unknown[];
  spilledThroughSeq?: number;
}): HistoryState | string {
  const queue: HistoryState["queue"] = [];
  for (const [k, batch] of file.queue.entries()) {
    const b = batch as { seq?: unknown; rows?: unknown } | null;
    if (typeof b !== "object" || b === null || !isNumber(b.seq) || !Array.isArray(b.rows)) {
      return `history batch ${k} is not { seq, rows }`;
    }
    const rows: PeriodRow[] = [];
    for (const [i, a] of b.rows.entries()) {
      const row = rowFromArray(a);
      if (row === undefined) {
        return `history batch ${b.seq} row ${i} is not [path, 5 numbers, 0|1, 5 numbers or null]`;
      }
      rows.push(row);
    }
    queue.push({ seq: b.seq, rows });
  }
  return {
    ledger: file.ledger,
    queue,
    ...(file.spilledThroughSeq === undefined ? {} : { spilledThroughSeq: file.spilledThroughSeq }),
  };
}
