import type { HistoryBatch, PeriodRow, RowSource } from "@coreflux/history";
import type { HistoryState } from "./history-output";
import type { LedgerSnapshot } from "./period-ledger";

/** Numbers per ledger entry: slot start, energy, returned, peak, online, stale, offline, observed at. */
export const LEDGER_STRIDE = 8;

/**
 * Numbers per batch row: period start, energy, returned, energy delta, returned delta, additive
 * (1 or 0), peak, online, stale, offline, observed at.
 */
export const ROW_STRIDE = 11;

/** Where each of a row's numbers sits among its {@link ROW_STRIDE} (the one place that says). */
export const ROW_PERIOD = 0;
export const ROW_ENERGY = 1;
export const ROW_RETURNED = 2;
export const ROW_ENERGY_DELTA = 3;
export const ROW_RETURNED_DELTA = 4;
export const ROW_ADDITIVE = 5;
export const ROW_PEAK = 6;
export const ROW_ONLINE = 7;
export const ROW_STALE = 8;
export const ROW_OFFLINE = 9;
export const ROW_OBSERVED_AT = 10;

/**
 * A {@link HistoryState} as it travels to the state writer's thread: its numbers in typed
 * arrays (`NaN` where the state has null or nothing) and each path once, referred to by index.
 * Handing over 100,000 nodes' ledger and batch this way costs the sending thread a few
 * milliseconds; as objects and arrays it cost 200-600 ms (measured). {@link unpackHistoryState}
 * gives back exactly the state it was packed from; the state file holds that, unchanged.
 */
export interface PackedHistoryState {
  packed: true;
  /**
   * The paths the ledger and the batches name, each once, from index {@link pathsFrom} on: the
   * writer's thread keeps the ones it was sent before (paths never change index), so a write
   * sends only the paths new since the previous one.
   */
  paths: string[];
  /** The index of `paths[0]`; 0 when `paths` is the whole table. */
  pathsFrom: number;
  ledger: {
    slotMs: number;
    floorMs: number;
    nextSeq: number;
    /** Index in {@link PackedHistoryState.paths} of each entry. */
    path: Int32Array;
    /** {@link LEDGER_STRIDE} numbers per entry. */
    values: Float64Array;
  };
  queue: { seq: number; path: Int32Array; values: Float64Array }[];
  spilledThroughSeq: number;
  /**
   * Buffers the packing had at hand and did not need: they travel with the rest and come back
   * with it, for the next one (see `reserveBuffers`). No part of the state.
   */
  spareBuffers?: ArrayBuffer[];
}

/**
 * Memory for packed arrays: buffers a previous state write handed back (already resident, so
 * filling them costs no page faults on the calling thread), new ones only when none is large
 * enough (with room to grow).
 */
export class BufferPool {
  private readonly spare: ArrayBuffer[];

  constructor(spare: readonly ArrayBuffer[] = []) {
    this.spare = [...spare].sort((a, b) => a.byteLength - b.byteLength);
  }

  /** A Float64Array of `length` on a spare buffer or a new one. */
  float64(length: number): Float64Array {
    return new Float64Array(this.buffer(length * 8), 0, length);
  }

  /** An Int32Array of `length` on a spare buffer or a new one. */
  int32(length: number): Int32Array {
    return new Int32Array(this.buffer(length * 4), 0, length);
  }

  /** The spare buffers not taken. */
  remaining(): ArrayBuffer[] {
    return [...this.spare];
  }

  private buffer(bytes: number): ArrayBuffer {
    const i = this.spare.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return this.spare.splice(i, 1)[0]!;
    return new ArrayBuffer(Math.ceil((bytes * 1.25) / 8) * 8);
  }
}

/**
 * The buffers among `spare` a {@link BufferPool} over them would hand out for requests of
 * `needsBytes` (in that order: each takes the smallest buffer left that holds it), by index in
 * `needsBytes`; undefined where none is left that holds the request (the pool would take new
 * memory there).
 */
function servedBy(
  spare: readonly ArrayBuffer[],
  needsBytes: readonly number[],
): (ArrayBuffer | undefined)[] {
  const left = [...spare].sort((a, b) => a.byteLength - b.byteLength);
  return needsBytes.map((bytes) => {
    const i = left.findIndex((b) => b.byteLength >= bytes);
    return i < 0 ? undefined : left.splice(i, 1)[0];
  });
}

/**
 * True when a {@link BufferPool} over `spare` serves requests of `needsBytes` bytes, in that
 * order, without new memory.
 */
export function poolServes(spare: readonly ArrayBuffer[], needsBytes: readonly number[]): boolean {
  return servedBy(spare, needsBytes).every((b) => b !== undefined);
}

/**
 * Buffers from which a {@link BufferPool} serves requests of `needsBytes` bytes (in any order)
 * without new memory: the `spare` ones, plus a new one for each request no spare buffer is left
 * for, `headroom` times its size and written once, so that its pages are resident. Made where
 * page faults stall nothing (the state writer's thread): filling a fresh buffer on the thread
 * that takes in readings costs milliseconds per megabyte on a virtual machine, and at 100,000
 * nodes a history state that had outgrown its buffers took 100-190 ms to pack (measured) instead
 * of a few. A smallest-fit pool serves every request whenever some assignment of buffers to
 * requests does, whatever their order, so one new buffer per unserved request is enough.
 */
export function reserveBuffers(
  spare: readonly ArrayBuffer[],
  needsBytes: readonly number[],
  headroom = 1.25,
): ArrayBuffer[] {
  const served = servedBy(spare, needsBytes);
  const out = [...spare];
  served.forEach((buffer, i) => {
    if (buffer !== undefined) return;
    const fresh = new ArrayBuffer(Math.ceil((needsBytes[i]! * headroom) / 8) * 8);
    new Uint8Array(fresh).fill(0);
    out.push(fresh);
  });
  return out;
}

/** Gives each path an index, the first time it is seen; an index never changes. */
export class PathTable {
  readonly paths: string[] = [];
  private readonly index = new Map<string, number>();

  /** Paths known. */
  get size(): number {
    return this.paths.length;
  }

  /** The index of `path`. */
  of(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.paths.length;
      this.paths.push(path);
      this.index.set(path, i);
    }
    return i;
  }
}

/** True for a {@link PackedHistoryState} (false for a {@link HistoryState}). */
export function isPackedHistoryState(
  state: HistoryState | PackedHistoryState,
): state is PackedHistoryState {
  return (state as Partial<PackedHistoryState>).packed === true;
}

/**
 * A batch as a ledger cuts it: its rows' numbers in a typed array ({@link ROW_STRIDE} per row)
 * and their paths by index, so that cutting 100,000 rows in a state capture costs a copy, not
 * 100,000 objects. A database write makes its row objects one at a time ({@link row}: a
 * `RowSource` of `@coreflux/history`), a piece per statement, so that they die young instead of
 * all living through the write; {@link rows} makes them all at once (kept) for the rest.
 */
export class PackedBatch implements HistoryBatch, RowSource {
  #rows: PeriodRow[] | undefined;
  readonly #paths: readonly string[];

  /**
   * @param paths the path table the indexes refer to (only ever appended to)
   */
  constructor(
    readonly seq: number,
    /** Each row's path, by index in `paths`. */
    readonly pathIndex: Int32Array,
    /** {@link ROW_STRIDE} numbers per row. */
    readonly values: Float64Array,
    paths: readonly string[],
  ) {
    this.#paths = paths;
  }

  /** Rows in the batch. */
  get size(): number {
    return this.pathIndex.length;
  }

  /** The path table {@link pathIndex} refers to. */
  get pathTable(): readonly string[] {
    return this.#paths;
  }

  /** The rows as objects (made on first use). */
  get rows(): PeriodRow[] {
    if (this.#rows === undefined) {
      const rows: PeriodRow[] = [];
      for (let i = 0; i < this.size; i++) rows.push(this.row(i));
      this.#rows = rows;
    }
    return this.#rows;
  }

  /** Row `i`'s path (no row made). */
  path(i: number): string {
    return this.#paths[this.pathIndex[i]!]!;
  }

  /** Row `i`, made now (not kept). */
  row(i: number): PeriodRow {
    const v = this.values;
    const o = i * ROW_STRIDE;
    const online = v[o + ROW_ONLINE]!;
    return {
      path: this.#paths[this.pathIndex[i]!]!,
      periodStartMs: v[o + ROW_PERIOD]!,
      energyMwh: v[o + ROW_ENERGY]!,
      returnedEnergyMwh: v[o + ROW_RETURNED]!,
      energyDeltaMwh: v[o + ROW_ENERGY_DELTA]!,
      returnedEnergyDeltaMwh: v[o + ROW_RETURNED_DELTA]!,
      additive: v[o + ROW_ADDITIVE] === 1,
      peakPowerW: orUndefined(v[o + ROW_PEAK]!),
      devices: Number.isNaN(online)
        ? undefined
        : { online, stale: v[o + ROW_STALE]!, offline: v[o + ROW_OFFLINE]! },
      observedAtMs: orUndefined(v[o + ROW_OBSERVED_AT]!),
    };
  }
}

/** Rows of a batch, without making a packed batch's row objects. */
export function rowCount(batch: HistoryBatch): number {
  return batch instanceof PackedBatch ? batch.size : batch.rows.length;
}

/**
 * Packs the rows of `batch` (paths indexed in `table`; the arrays of a {@link PackedBatch} cut
 * with the same table are copied as they are, any other batch's rows are indexed anew).
 */
export function packBatch(
  batch: HistoryBatch,
  table: PathTable,
  pool = new BufferPool(),
): PackedHistoryState["queue"][number] {
  if (batch instanceof PackedBatch && batch.pathTable === table.paths) {
    const path = pool.int32(batch.size);
    path.set(batch.pathIndex);
    const values = pool.float64(batch.size * ROW_STRIDE);
    values.set(batch.values);
    return { seq: batch.seq, path, values };
  }
  const rows = batch.rows;
  const path = pool.int32(rows.length);
  const values = pool.float64(rows.length * ROW_STRIDE);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    path[i] = table.of(r.path);
    putRow(
      values,
      i,
      r.periodStartMs,
      r.energyMwh,
      r.returnedEnergyMwh,
      r.energyDeltaMwh,
      r.returnedEnergyDeltaMwh,
      r.additive,
    );
    const none = Number.NaN;
    putObservation(
      values,
      i,
      r.peakPowerW ?? none,
      r.devices?.online ?? none,
      r.devices?.stale ?? none,
      r.devices?.offline ?? none,
      r.observedAtMs ?? none,
    );
  }
  return { seq: batch.seq, path, values };
}

/**
 * Writes row `i`'s amounts into `values` (its first numbers of {@link ROW_STRIDE}, at the
 * offsets `ROW_*` give); {@link putObservation} writes the rest.
 */
export function putRow(
  values: Float64Array,
  i: number,
  periodStartMs: number,
  energyMwh: number,
  returnedEnergyMwh: number,
  energyDeltaMwh: number,
  returnedEnergyDeltaMwh: number,
  additive: boolean,
): void {
  const o = i * ROW_STRIDE;
  values[o + ROW_PERIOD] = periodStartMs;
  values[o + ROW_ENERGY] = energyMwh;
  values[o + ROW_RETURNED] = returnedEnergyMwh;
  values[o + ROW_ENERGY_DELTA] = energyDeltaMwh;
  values[o + ROW_RETURNED_DELTA] = returnedEnergyDeltaMwh;
  values[o + ROW_ADDITIVE] = additive ? 1 : 0;
}

/**
 * Writes row `i`'s peak power, devices by state and observation time into `values` (`NaN`: none;
 * the devices are all `NaN` or all numbers).
 */
export function putObservation(
  values: Float64Array,
  i: number,
  peakPowerW: number,
  online: number,
  stale: number,
  offline: number,
  observedAtMs: number,
): void {
  const o = i * ROW_STRIDE;
  values[o + ROW_PEAK] = peakPowerW;
  values[o + ROW_ONLINE] = online;
  values[o + ROW_STALE] = stale;
  values[o + ROW_OFFLINE] = offline;
  values[o + ROW_OBSERVED_AT] = observedAtMs;
}

/** `x`, or null for `NaN` (a packed number the state file holds as null). */
export const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

/**
 * The state file's form of a packed ledger's entries `from .. to - 1`: path index `path[i]` in
 * `paths`, {@link LEDGER_STRIDE} numbers from `values[i * LEDGER_STRIDE]` (`NaN`: null).
 */
export function ledgerEntries(
  path: Int32Array,
  values: Float64Array,
  paths: readonly string[],
  from: number,
  to: number,
): LedgerSnapshot["entries"] {
  const entries: LedgerSnapshot["entries"] = [];
  for (let i = from; i < to; i++) {
    const o = i * LEDGER_STRIDE;
    entries.push([
      paths[path[i]!]!,
      values[o]!,
      values[o + 1]!,
      values[o + 2]!,
      orNull(values[o + 3]!),
      orNull(values[o + 4]!),
      orNull(values[o + 5]!),
      orNull(values[o + 6]!),
      orNull(values[o + 7]!),
    ]);
  }
  return entries;
}
const orUndefined = (x: number): number | undefined => (Number.isNaN(x) ? undefined : x);

/** Throws unless `packed` holds its whole path table (`pathsFrom` 0: see {@link ReceivedPaths}). */
export function assertWholePaths(packed: PackedHistoryState): void {
  if (packed.pathsFrom !== 0) {
    throw new Error(
      `a packed history state needs its paths from 0, it has them from ${packed.pathsFrom}`,
    );
  }
}

/**
 * The state {@link PackedHistoryState} was packed from, as the state file holds it. Needs the
 * whole path table (`pathsFrom` 0: see {@link ReceivedPaths}).
 */
export function unpackHistoryState(packed: PackedHistoryState): HistoryState {
  assertWholePaths(packed);
  const { paths, ledger } = packed;
  const entries = ledgerEntries(ledger.path, ledger.values, paths, 0, ledger.path.length);
  const queue: HistoryBatch[] = packed.queue.map((b) => ({
    seq: b.seq,
    rows: new PackedBatch(b.seq, b.path, b.values, paths).rows,
  }));
  return {
    ledger: { slotMs: ledger.slotMs, floorMs: ledger.floorMs, nextSeq: ledger.nextSeq, entries },
    queue,
    spilledThroughSeq: packed.spilledThroughSeq,
  };
}

/**
 * The buffers of a packed state, to transfer rather than copy to the writer's thread (which
 * hands them back for the next one).
 */
export function packedBuffers(packed: PackedHistoryState): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [
    packed.ledger.path.buffer as ArrayBuffer,
    packed.ledger.values.buffer as ArrayBuffer,
  ];
  for (const b of packed.queue)
    buffers.push(b.path.buffer as ArrayBuffer, b.values.buffer as ArrayBuffer);
  for (const b of packed.spareBuffers ?? []) buffers.push(b);
  return buffers;
}

/**
 * The paths a thread was sent so far, completed with each packed state it receives: gives the
 * state with its whole path table. A state whose paths do not continue the ones kept (a write
 * that failed in between) throws; the sender then starts over from 0.
 */
export class ReceivedPaths {
  private paths: string[] = [];

  /** `packed` with `pathsFrom` 0 and every path; keeps them for the next one. */
  complete(packed: PackedHistoryState): PackedHistoryState {
    if (packed.pathsFrom === 0) this.paths = [...packed.paths];
    else if (packed.pathsFrom === this.paths.length) {
      for (const path of packed.paths) this.paths.push(path);
    } else {
      const known = this.paths.length;
      this.paths = [];
      throw new Error(
        `history paths sent from ${packed.pathsFrom}, this thread knows ${known}: send them all again`,
      );
    }
    return { ...packed, paths: this.paths, pathsFrom: 0 };
  }
}
