/**
 * The period ledger as it was until 2026-12-06, an object per entry: kept as the oracle the
 * columnar {@link PeriodLedger} of `src/history/period-ledger.ts` is checked against (the same
 * calls must give the same batches, snapshots and packed ledgers).
 */
import type { DeviceStates } from "@coreflux/history";
import {
  BufferPool,
  LEDGER_STRIDE,
  PackedBatch,
  type PackedHistoryState,
  PathTable,
  putObservation,
  putRow,
  ROW_STRIDE,
} from "../src/history/packed-state";
import type { LedgerSnapshot } from "../src/history/period-ledger";

/** One node's values in one period, as the ledger tracks them. */
interface Entry {
  path: string;
  /** The path's index in the ledger's {@link PathTable}. */
  pathIndex: number;
  /** Where the entry is in the packed ledger (-1: not cut yet). */
  pos: number;
  slotStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
  /** What the batches cut so far carried: the next delta is measured from here. */
  batchedEnergyMwh: number;
  batchedReturnedMwh: number;
  peakPowerW: number | undefined;
  devices: DeviceStates | undefined;
  observedAtMs: number | undefined;
  dirty: boolean;
}

/** The entries a key's last credit or observation went to, and their period. */
type Chain = { slotStartMs: number; entries: Entry[] } | undefined;

/** Energy for a period the ledger no longer tracks: added to the stored row. */
interface Late {
  path: string;
  slotStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
}

/**
 * Turns what the engine credited (by device and UTC slot) and what the publish cycle observed
 * (power, device states) into history rows for every node of the tree.
 *
 * A credit to a device counts once in the device's row and once in each ancestor's row of the
 * same period, so a parent's row is the sum of its children's by construction. Periods from the
 * floor on (the current and the previous one) are tracked whole and written as absolute values;
 * an older period (a device back after hours offline credits the hours it was away) gets
 * additive rows. The floor only rises, so a period never goes back from additive to absolute.
 * Deterministic: the same credits in the same order give the same batches, which is what lets
 * a journal replay after a crash rebuild exactly what the crash lost.
 */
export class ObjectPeriodLedger {
  /** The entries by period start, then by path (no key string made per lookup). */
  private readonly slots = new Map<number, Map<string, Entry>>();
  /** The entries changed since the last cut, in the order they changed. */
  private dirty: Entry[] = [];
  private late = new Map<string, Late>();
  /**
   * By caller's key (a device's node id): the entries its last credit went to (the device's and
   * its ancestors'), and their period. Most credits and observations go to the same entries as
   * the previous ones; these skip the lookups (at 100,000 devices, most of a state capture's time).
   */
  private readonly creditChains: Chain[] = [];
  /** The same for observations (a node's own entry), by node id. */
  private readonly observeChains: Chain[] = [];
  private floorMs: number;
  private nextSeq: number;
  /**
   * The ledger as {@link pack} gives it, kept up to date by each cut for the entries it cut:
   * entry `entryAt[i]` has its path index at `packedPath[i]` and its numbers from
   * `packedValues[i * LEDGER_STRIDE]`. A state capture then copies these arrays instead of
   * visiting every entry (at 100,000 nodes, 200,000 entries: 35-70 ms).
   */
  private packedPath = new Int32Array(1024);
  private packedValues = new Float64Array(1024 * LEDGER_STRIDE);
  private entryAt: Entry[] = [];
  /**
   * @param slotMs the period width, ms
   * @param startMs now: a new ledger tracks whole periods only from the next one on (the current
   *   one may already have rows from an earlier run)
   * @param pathTable indexes the paths of its entries and batches (for {@link pack})
   */
  constructor(
    readonly slotMs: number,
    startMs: number,
    restored?: LedgerSnapshot,
    private readonly pathTable = new PathTable(),
  ) {
    if (restored !== undefined && restored.slotMs === slotMs) {
      this.floorMs = restored.floorMs;
      this.nextSeq = restored.nextSeq;
      for (const [
        path,
        slot,
        energy,
        returned,
        peak,
        online,
        stale,
        offline,
        at,
      ] of restored.entries) {
        const e: Entry = {
          path,
          pathIndex: pathTable.of(path),
          pos: -1,
          slotStartMs: slot,
          energyMwh: energy,
          returnedEnergyMwh: returned,
          batchedEnergyMwh: energy,
          batchedReturnedMwh: returned,
          peakPowerW: peak ?? undefined,
          devices:
            online === null ? undefined : { online, stale: stale ?? 0, offline: offline ?? 0 },
          observedAtMs: at ?? undefined,
          dirty: false,
        };
        this.slotEntries(slot).set(path, e);
        this.place(e);
      }
    } else {
      this.floorMs = this.slotOf(startMs) + slotMs;
      this.nextSeq = restored?.nextSeq ?? 1;
    }
  }

  /** The `seq` the next batch gets. */
  get upcomingSeq(): number {
    return this.nextSeq;
  }

  /** True when something was credited or observed since the last {@link cut}. */
  get changed(): boolean {
    return this.dirty.length > 0 || this.late.size > 0;
  }

  /** Rows the next {@link cut} would hold. */
  get changedRows(): number {
    return this.dirty.length + this.late.size;
  }

  /** Entries in the packed ledger ({@link pack} copies this many), as of the last cut. */
  get packedEntries(): number {
    return this.entryAt.length;
  }

  /** Periods tracked whole (node and period pairs). */
  get size(): number {
    let n = 0;
    for (const entries of this.slots.values()) n += entries.size;
    return n;
  }

  /** Adds a credit of `energyMwh`/`returnedEnergyMwh` in the slot at `slotStartMs` to each of `paths`. */
  credit(
    paths: readonly string[],
    slotStartMs: number,
    energyMwh: number,
    returnedEnergyMwh: number,
    /** Identifies `paths` (the same key always with the same paths): their entries are kept. */
    key?: number,
  ): void {
    if (energyMwh === 0 && returnedEnergyMwh === 0) return;
    const tracked = slotStartMs >= this.floorMs;
    if (tracked && key !== undefined) {
      for (const e of this.chain(this.creditChains, key, paths, slotStartMs)) {
        e.energyMwh += energyMwh;
        e.returnedEnergyMwh += returnedEnergyMwh;
        this.touch(e);
      }
      return;
    }
    for (const path of paths) {
      if (tracked) {
        const e = this.entry(path, slotStartMs);
        e.energyMwh += energyMwh;
        e.returnedEnergyMwh += returnedEnergyMwh;
        this.touch(e);
      } else {
        const k = lateKey(path, slotStartMs);
        let l = this.late.get(k);
        if (l === undefined) {
          l = { path, slotStartMs, energyMwh: 0, returnedEnergyMwh: 0 };
          this.late.set(k, l);
        }
        l.energyMwh += energyMwh;
        l.returnedEnergyMwh += returnedEnergyMwh;
      }
    }
  }

  /** Records what was published for `path` at `nowMs`: its power (for the peak) and device states. */
  observe(
    path: string,
    nowMs: number,
    powerW: number,
    devices: DeviceStates,
    /** Identifies `path` (see {@link credit}); its own key space, apart from credit's. */
    key?: number,
  ): void {
    const slot = this.slotOf(nowMs);
    const e =
      key === undefined || slot < this.floorMs
        ? this.entry(path, slot)
        : this.chain(this.observeChains, key, [path], slot)[0]!;
    if (e.peakPowerW === undefined || powerW > e.peakPowerW) e.peakPowerW = powerW;
    e.devices = devices;
    e.observedAtMs = nowMs;
    this.touch(e);
  }

  /**
   * The rows changed since the previous batch (undefined: none), then moves the floor to the
   * period before `nowMs`'s and forgets the periods below it. With more than `maxRows` rows to
   * cut, only `maxRows` are — the entries that changed first, then amounts for untracked
   * periods —, and the floor stays where it is (the rest waits for the next cut).
   */
  cut(
    nowMs: number,
    pool = new BufferPool(),
    maxRows = Number.POSITIVE_INFINITY,
  ): PackedBatch | undefined {
    if (this.dirty.length + this.late.size > maxRows) return this.cutFirst(maxRows, pool);
    const dirty = this.dirty;
    this.dirty = [];
    const count = dirty.length + this.late.size;
    const pathIndex = pool.int32(count);
    const v = pool.float64(count * ROW_STRIDE);
    let i = 0;
    for (const e of dirty) this.cutEntry(e, i++, pathIndex, v);
    for (const l of this.late.values()) this.cutLate(l, i++, pathIndex, v);
    this.late = new Map();
    const floor = this.slotOf(nowMs) - this.slotMs;
    if (floor > this.floorMs) {
      this.floorMs = floor;
      for (const slot of this.slots.keys()) if (slot < floor) this.slots.delete(slot);
      this.dropPackedBelow(floor);
    }
    if (count === 0) return undefined;
    return new PackedBatch(this.nextSeq++, pathIndex, v, this.pathTable.paths);
  }

  /**
   * `rows` rows as a batch: the entries changed first, then (should they be fewer) amounts for
   * untracked periods; the rest stay for the next cut.
   */
  private cutFirst(rows: number, pool: BufferPool): PackedBatch {
    const dirty = this.dirty;
    const pathIndex = pool.int32(rows);
    const v = pool.float64(rows * ROW_STRIDE);
    const fromDirty = Math.min(rows, dirty.length);
    for (let i = 0; i < fromDirty; i++) this.cutEntry(dirty[i]!, i, pathIndex, v);
    this.dirty = dirty.slice(fromDirty);
    let i = fromDirty;
    for (const [key, l] of this.late) {
      if (i === rows) break;
      this.cutLate(l, i++, pathIndex, v);
      // A later credit to that period starts a new amount (amounts add up in the database).
      this.late.delete(key);
    }
    return new PackedBatch(this.nextSeq++, pathIndex, v, this.pathTable.paths);
  }

  /** Writes the amount `l` for a period no longer tracked as row `i`: added, no power or states. */
  private cutLate(l: Late, i: number, pathIndex: Int32Array, v: Float64Array): void {
    pathIndex[i] = this.pathTable.of(l.path);
    putRow(
      v,
      i,
      l.slotStartMs,
      l.energyMwh,
      l.returnedEnergyMwh,
      l.energyMwh,
      l.returnedEnergyMwh,
      true,
    );
    putObservation(v, i, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN);
  }

  /** Writes `e` as row `i` of a batch and marks it batched. */
  private cutEntry(e: Entry, i: number, pathIndex: Int32Array, v: Float64Array): void {
    e.dirty = false;
    pathIndex[i] = e.pathIndex;
    putRow(
      v,
      i,
      e.slotStartMs,
      e.energyMwh,
      e.returnedEnergyMwh,
      e.energyMwh - e.batchedEnergyMwh,
      e.returnedEnergyMwh - e.batchedReturnedMwh,
      e.slotStartMs < this.floorMs,
    );
    putObservation(
      v,
      i,
      e.peakPowerW ?? Number.NaN,
      e.devices?.online ?? Number.NaN,
      e.devices?.stale ?? Number.NaN,
      e.devices?.offline ?? Number.NaN,
      e.observedAtMs ?? Number.NaN,
    );
    e.batchedEnergyMwh = e.energyMwh;
    e.batchedReturnedMwh = e.returnedEnergyMwh;
    this.place(e);
  }

  /**
   * The ledger for the state file, as of the last {@link cut}: take it right after one (an entry
   * made since is not in it).
   */
  snapshot(): LedgerSnapshot {
    const entries: LedgerSnapshot["entries"] = [];
    for (const e of this.entryAt) {
      entries.push([
        e.path,
        e.slotStartMs,
        e.batchedEnergyMwh,
        e.batchedReturnedMwh,
        e.peakPowerW ?? null,
        e.devices?.online ?? null,
        e.devices?.stale ?? null,
        e.devices?.offline ?? null,
        e.observedAtMs ?? null,
      ]);
    }
    return { slotMs: this.slotMs, floorMs: this.floorMs, nextSeq: this.nextSeq, entries };
  }

  /** What {@link snapshot} gives, packed (see {@link PackedHistoryState}); paths by their index in the ledger's table. */
  pack(pool = new BufferPool()): PackedHistoryState["ledger"] {
    const n = this.entryAt.length;
    const path = pool.int32(n);
    path.set(this.packedPath.subarray(0, n));
    const values = pool.float64(n * LEDGER_STRIDE);
    values.set(this.packedValues.subarray(0, n * LEDGER_STRIDE));
    return { slotMs: this.slotMs, floorMs: this.floorMs, nextSeq: this.nextSeq, path, values };
  }

  /** Doubles the packed arrays. */
  private growPacked(): void {
    const path = new Int32Array(this.packedPath.length * 2);
    const values = new Float64Array(this.packedValues.length * 2);
    path.set(this.packedPath);
    values.set(this.packedValues);
    this.packedPath = path;
    this.packedValues = values;
  }

  /** Writes `e`'s snapshot values into the packed ledger (at its place, or a new one at the end). */
  private place(e: Entry): void {
    let pos = e.pos;
    if (pos < 0) {
      pos = this.entryAt.length;
      if (pos >= this.packedPath.length) this.growPacked();
      e.pos = pos;
      this.entryAt.push(e);
    }
    this.packedPath[pos] = e.pathIndex;
    const v = this.packedValues;
    const o = pos * LEDGER_STRIDE;
    v[o] = e.slotStartMs;
    v[o + 1] = e.batchedEnergyMwh;
    v[o + 2] = e.batchedReturnedMwh;
    v[o + 3] = e.peakPowerW ?? Number.NaN;
    v[o + 4] = e.devices?.online ?? Number.NaN;
    v[o + 5] = e.devices?.stale ?? Number.NaN;
    v[o + 6] = e.devices?.offline ?? Number.NaN;
    v[o + 7] = e.observedAtMs ?? Number.NaN;
  }

  /** Removes the entries of periods below `floorMs` from the packed ledger (the rest move up). */
  private dropPackedBelow(floorMs: number): void {
    const v = this.packedValues;
    let kept = 0;
    for (let i = 0; i < this.entryAt.length; i++) {
      const e = this.entryAt[i]!;
      if (e.slotStartMs < floorMs) {
        e.pos = -1;
        continue;
      }
      if (i !== kept) {
        this.packedPath[kept] = this.packedPath[i]!;
        // A plain loop: a native copyWithin per entry cost ~1 µs each (250 ms at 200,000).
        const from = i * LEDGER_STRIDE;
        const to = kept * LEDGER_STRIDE;
        for (let k = 0; k < LEDGER_STRIDE; k++) v[to + k] = v[from + k]!;
        this.entryAt[kept] = e;
        e.pos = kept;
      }
      kept++;
    }
    this.entryAt.length = kept;
  }

  private slotEntries(slotStartMs: number): Map<string, Entry> {
    let entries = this.slots.get(slotStartMs);
    if (entries === undefined) {
      entries = new Map();
      this.slots.set(slotStartMs, entries);
    }
    return entries;
  }

  private entry(path: string, slotStartMs: number): Entry {
    const entries = this.slotEntries(slotStartMs);
    let e = entries.get(path);
    if (e === undefined) {
      e = {
        path,
        pathIndex: this.pathTable.of(path),
        pos: -1,
        slotStartMs,
        energyMwh: 0,
        returnedEnergyMwh: 0,
        batchedEnergyMwh: 0,
        batchedReturnedMwh: 0,
        peakPowerW: undefined,
        devices: undefined,
        observedAtMs: undefined,
        dirty: false,
      };
      entries.set(path, e);
    }
    return e;
  }

  /**
   * The entries of `paths` in the period at `slotStartMs` (tracked: at or above the floor),
   * kept under `key` until the key's period changes. Entries are only forgotten below the floor,
   * so kept ones stay the ledger's own.
   */
  private chain(
    chains: Chain[],
    key: number,
    paths: readonly string[],
    slotStartMs: number,
  ): Entry[] {
    const kept = chains[key];
    if (kept !== undefined && kept.slotStartMs === slotStartMs) return kept.entries;
    const entries = paths.map((path) => this.entry(path, slotStartMs));
    chains[key] = { slotStartMs, entries };
    return entries;
  }

  /** Marks `e` changed since the last cut. */
  private touch(e: Entry): void {
    if (e.dirty) return;
    e.dirty = true;
    this.dirty.push(e);
  }

  private slotOf(tsMs: number): number {
    return Math.floor(tsMs / this.slotMs) * this.slotMs;
  }
}

/** The key of a late amount (one per node and period no longer tracked). */
function lateKey(path: string, slotStartMs: number): string {
  return `${slotStartMs}|${path}`;
}
