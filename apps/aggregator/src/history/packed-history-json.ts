import { JSON_PIECES, type JsonPieces } from "../json-chunks";
import { type HistoryRowArray, type HistoryStateFile, historyToFile } from "./history-file";
import {
  assertWholePaths,
  ledgerEntries,
  orNull,
  type PackedHistoryState,
  ROW_ADDITIVE,
  ROW_ENERGY,
  ROW_ENERGY_DELTA,
  ROW_OBSERVED_AT,
  ROW_OFFLINE,
  ROW_ONLINE,
  ROW_PEAK,
  ROW_PERIOD,
  ROW_RETURNED,
  ROW_RETURNED_DELTA,
  ROW_STALE,
  ROW_STRIDE,
  unpackHistoryState,
} from "./packed-state";

/**
 * A packed history state as a version 2 state file holds it, written from its typed arrays: the
 * same text as `JSON.stringify(historyToFile(unpackHistoryState(packed)))`, made a batch of
 * entries or rows at a time (each batch's arrays die young) instead of from the whole unpacked
 * state, whose 100,000s of arrays and objects lived through the write and were a large part of
 * the state writer's garbage collection (measured at 100,000 devices: GC 26 % of that thread's
 * time, the walk of those objects 24 %). Needs the whole path table (`pathsFrom` 0), as
 * unpacking does.
 */
export class PackedHistoryJson implements JsonPieces {
  readonly #packed: PackedHistoryState;

  constructor(packed: PackedHistoryState) {
    assertWholePaths(packed);
    this.#packed = packed;
  }

  /** The state as the file holds it (what `JSON.stringify` writes; the pieces are the same text). */
  toJSON(): HistoryStateFile {
    return historyToFile(unpackHistoryState(this.#packed));
  }

  /** The state's JSON text: ledger entries and batch rows `batchElements` a piece. */
  *[JSON_PIECES](batchElements: number): Generator<string> {
    const { paths, ledger, queue, spilledThroughSeq } = this.#packed;
    // The members in the order historyToFile makes them; scalars through JSON.stringify.
    const head = JSON.stringify({
      slotMs: ledger.slotMs,
      floorMs: ledger.floorMs,
      nextSeq: ledger.nextSeq,
    });
    yield `{"ledger":${head.slice(0, -1)},"entries":[`;
    yield* elementRuns(ledger.path.length, batchElements, (from, to) =>
      ledgerEntries(ledger.path, ledger.values, paths, from, to),
    );
    yield `]},"queue":[`;
    for (let k = 0; k < queue.length; k++) {
      const b = queue[k]!;
      yield `${k > 0 ? "," : ""}{"seq":${JSON.stringify(b.seq)},"rows":[`;
      yield* elementRuns(b.path.length, batchElements, (from, to) =>
        rowArrays(b.path, b.values, paths, from, to),
      );
      yield "]}";
    }
    const tail = JSON.stringify({ spilledThroughSeq });
    yield tail === "{}" ? "]}" : `],${tail.slice(1)}`;
  }
}

/**
 * Rows `from .. to - 1` of a packed batch (path indexes in `paths`, {@link ROW_STRIDE} numbers
 * per row) as the file holds them: what `rowToArray` makes of `PackedBatch.row`.
 */
function rowArrays(
  path: Int32Array,
  v: Float64Array,
  paths: readonly string[],
  from: number,
  to: number,
): HistoryRowArray[] {
  const rows: HistoryRowArray[] = [];
  for (let i = from; i < to; i++) {
    const o = i * ROW_STRIDE;
    const online = v[o + ROW_ONLINE]!;
    const devices = !Number.isNaN(online);
    rows.push([
      paths[path[i]!]!,
      v[o + ROW_PERIOD]!,
      v[o + ROW_ENERGY]!,
      v[o + ROW_RETURNED]!,
      v[o + ROW_ENERGY_DELTA]!,
      v[o + ROW_RETURNED_DELTA]!,
      v[o + ROW_ADDITIVE] === 1 ? 1 : 0,
      orNull(v[o + ROW_PEAK]!),
      devices ? online : null,
      devices ? v[o + ROW_STALE]! : null,
      devices ? v[o + ROW_OFFLINE]! : null,
      orNull(v[o + ROW_OBSERVED_AT]!),
    ]);
  }
  return rows;
}

/**
 * The elements of an array of `count`, made by `make` `batchElements` at a time and stringified
 * together: the text between the array's brackets, a piece per batch.
 */
function* elementRuns(
  count: number,
  batchElements: number,
  make: (from: number, to: number) => unknown[],
): Generator<string> {
  const step = Math.max(1, batchElements);
  for (let from = 0; from < count; from += step) {
    const text = JSON.stringify(make(from, Math.min(count, from + step))).slice(1, -1);
    yield from > 0 ? `,${text}` : text;
  }
}
