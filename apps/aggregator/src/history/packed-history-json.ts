import type { PeriodRow } from "@coreflux/history";
import { JSON_PIECES, type JsonPieces } from "../json-chunks";
import type { HistoryState } from "./history-output";
import {
  ledgerEntries,
  PackedBatch,
  type PackedHistoryState,
  unpackHistoryState,
} from "./packed-state";

/**
 * A packed history state as the state file holds it, written from its typed arrays: the same
 * text as `JSON.stringify(unpackHistoryState(packed))`, made a batch of entries or rows at a time
 * (each batch's objects die young) instead of from the whole unpacked state, whose 100,000s of
 * arrays and objects lived through the write and were a large part of the state writer's
 * garbage collection (measured at 100,000 devices: GC 26 % of that thread's time, the walk of
 * those objects 24 %). Needs the whole path table (`pathsFrom` 0), as unpacking does.
 */
export class PackedHistoryJson implements JsonPieces {
  readonly #packed: PackedHistoryState;

  constructor(packed: PackedHistoryState) {
    if (packed.pathsFrom !== 0) {
      throw new Error(
        `a packed history state needs its paths from 0, it has them from ${packed.pathsFrom}`,
      );
    }
    this.#packed = packed;
  }

  /** The unpacked state (what `JSON.stringify` writes; the pieces are the same text). */
  toJSON(): HistoryState {
    return unpackHistoryState(this.#packed);
  }

  /** The state's JSON text: ledger entries and batch rows `batchElements` a piece. */
  *[JSON_PIECES](batchElements: number): Generator<string> {
    const { paths, ledger, queue, spilledThroughSeq } = this.#packed;
    // The members in the order unpackHistoryState makes them; scalars through JSON.stringify.
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
      const batch = new PackedBatch(b.seq, b.path, b.values, paths);
      yield* elementRuns(batch.size, batchElements, (from, to) => rowsOf(batch, from, to));
      yield "]}";
    }
    const tail = JSON.stringify({ spilledThroughSeq });
    yield tail === "{}" ? "]}" : `],${tail.slice(1)}`;
  }
}

/** Rows `from .. to - 1` of `batch` as objects. */
function rowsOf(batch: PackedBatch, from: number, to: number): PeriodRow[] {
  const rows: PeriodRow[] = [];
  for (let i = from; i < to; i++) rows.push(batch.row(i));
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
