import type { DeviceStates } from "@coreflux/history";
import {
  BufferPool,
  LEDGER_STRIDE,
  ledgerEntries,
  PackedBatch,
  type PackedHistoryState,
  PathTable,
  putObservation,
  putRow,
  ROW_STRIDE,
} from "./packed-state";
import { PairedArrays } from "./paired-arrays";

/**
 * Where each of an entry's numbers sits among its {@link NUM_STRIDE} in the entry columns
 * (`NaN`: none): the period start, the energy so far, what the batches cut so far carried (the
 * next delta is measured from there), the peak power, the devices by state and when they were
 * observed.
 */
const E_SLOT = 0;
const E_ENERGY = 1;
const E_RETURNED = 2;
const E_BATCHED_ENERGY = 3;
const E_BATCHED_RETURNED = 4;
const E_PEAK = 5;
const E_ONLINE = 6;
const E_STALE = 7;
const E_OFFLINE = 8;
const E_OBSERVED_AT = 9;
const NUM_STRIDE = 10;
/** An entry's path index, its place in the packed ledger (-1: not cut yet), 1 if changed since the last cut. */
const I_PATH = 0;
const I_POS = 1;
const I_DIRTY = 2;
const INT_STRIDE = 3;

const EMPTY_INT32 = new Int32Array(0);
const EMPTY_FLOAT64 = new Float64Array(0);
/** Rows a {@link PeriodLedger.cut} with a time budget writes between two looks at the clock. */
const CUT_CHECK_ROWS = 64;
/** Entries a {@link PeriodLedger.dropStep} visits between two looks at the clock (a power of 2). */
const DROP_CHECK_ENTRIES = 1024;

/** A tracked period's entries by path index (entry + 1; 0: none yet). */
interface PeriodEntries {
  byPath: Int32Array;
  size: number;
}

/** Energy for a period the ledger no longer tracks: added to the stored row. */
interface Late {
  path: string;
  slotStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
}

/** The ledger in the state file (see {@link PeriodLedger.snapshot}). */
export interface LedgerSnapshot {
  slotMs: number;
  floorMs: number;
  nextSeq: number;
  /** path, slot start, energy mWh, returned mWh, peak W, online, stale, offline, observed at. */
  entries: [
    string,
    number,
    number,
    number,
    number | null,
    number | null,
    number | null,
    number | null,
    number | null,
  ][];
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
export class PeriodLedger {
  /**
   * The entries' numbers, an entry being an index into these columns ({@link NUM_STRIDE} and
   * {@link INT_STRIDE} per entry), not an object: at 100,000 nodes a new period makes 100,000+
   * entries, and as objects each period's were garbage for the collector to copy and mark.
   */
  private readonly columns = new PairedArrays(INT_STRIDE, NUM_STRIDE, 1024);
  /** Entries made so far (the columns' high-water mark); freed ones wait in {@link freeEntries}. */
  private entryCount = 0;
  private freeEntries: number[] = [];
  /** The tracked periods' entries by period start. */
  private readonly periods = new Map<number, PeriodEntries>();
  /** The period most credits and observations go to (and its start), kept to skip the map. */
  private lastPeriod: PeriodEntries | undefined;
  private lastPeriodMs = Number.NaN;
  /** A dropped period's index, to be the next one's (cleared first). */
  private spareByPath: Int32Array | undefined;
  /** The entries changed since the last cut, in the order they changed. */
  private dirty: number[] = [];
  private late = new Map<string, Late>();
  /**
   * By caller's key (a device's node id): the path indexes of its paths (the device's and its
   * ancestors'), and the paths they were made from. Most credits go to keys seen before: these
   * skip looking each path up.
   */
  private readonly creditKeyPaths: (readonly string[] | undefined)[] = [];
  private readonly creditKeyIndexes: number[][] = [];
  /** The same for observations (a node's own path), by node id. */
  private readonly observeKeyPath: (string | undefined)[] = [];
  private readonly observeKeyIndex: number[] = [];
  private floorMs: number;
  private nextSeq: number;
  /**
   * The ledger as {@link pack} gives it, kept up to date by each cut for the entries it cut:
   * entry `entryAt[i]` has its path index at `packed.ints[i]` and its numbers from
   * `packed.nums[i * LEDGER_STRIDE]`. A state capture then copies these arrays instead of
   * visiting every entry (at 100,000 nodes, 200,000 entries: 35-70 ms).
   */
  private readonly packed = new PairedArrays(1, LEDGER_STRIDE, 1024);
  private entryAt: number[] = [];
  /**
   * A drop of the periods below the floor under way (see {@link dropStep}): `entryAt` before
   * `kept` is done, from `scan` on not visited yet, and in between are gaps.
   */
  private drop: { scan: number; kept: number } | undefined;

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
        const e = this.entryIn(this.periodOf(slot), slot, pathTable.of(path));
        const n = this.columns.nums;
        const o = e * NUM_STRIDE;
        n[o + E_ENERGY] = energy;
        n[o + E_RETURNED] = returned;
        n[o + E_BATCHED_ENERGY] = energy;
        n[o + E_BATCHED_RETURNED] = returned;
        n[o + E_PEAK] = peak ?? Number.NaN;
        n[o + E_ONLINE] = online ?? Number.NaN;
        n[o + E_STALE] = online === null ? Number.NaN : (stale ?? 0);
        n[o + E_OFFLINE] = online === null ? Number.NaN : (offline ?? 0);
        n[o + E_OBSERVED_AT] = at ?? Number.NaN;
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

  /** True when a complete {@link cut} at `nowMs` would forget a period (move the floor). */
  floorDue(nowMs: number): boolean {
    return this.slotOf(nowMs) - this.slotMs > this.floorMs;
  }

  /**
   * Entries in the packed ledger ({@link pack} copies this many), as of the last cut; with a
   * drop under way, those below the floor it has not reached yet are still counted.
   */
  get packedEntries(): number {
    return this.entryAt.length - (this.drop === undefined ? 0 : this.drop.scan - this.drop.kept);
  }

  /** True while the packed ledger still holds periods below the floor (see {@link dropStep}). */
  get dropping(): boolean {
    return this.drop !== undefined;
  }

  /** Entries the columns have held at once at most (freed ones are used again first). */
  get entriesMade(): number {
    return this.entryCount;
  }

  /** Periods tracked whole (node and period pairs). */
  get size(): number {
    let n = 0;
    for (const entries of this.periods.values()) n += entries.size;
    return n;
  }

  /** Adds a credit of `energyMwh`/`returnedEnergyMwh` in the slot at `slotStartMs` to each of `paths`. */
  credit(
    paths: readonly string[],
    slotStartMs: number,
    energyMwh: number,
    returnedEnergyMwh: number,
    /** Identifies `paths` (the same key always with the same paths): their indexes are kept. */
    key?: number,
  ): void {
    if (energyMwh === 0 && returnedEnergyMwh === 0) return;
    if (slotStartMs >= this.floorMs) {
      const indexes =
        key === undefined
          ? paths.map((path) => this.pathTable.of(path))
          : this.creditIndexes(key, paths);
      const period = this.periodOf(slotStartMs);
      for (const pathIndex of indexes) {
        const e = this.entryIn(period, slotStartMs, pathIndex);
        const n = this.columns.nums;
        n[e * NUM_STRIDE + E_ENERGY]! += energyMwh;
        n[e * NUM_STRIDE + E_RETURNED]! += returnedEnergyMwh;
        this.touch(e);
      }
      return;
    }
    for (const path of paths) {
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
    const pathIndex = key === undefined ? this.pathTable.of(path) : this.observeIndex(key, path);
    const e = this.entryIn(this.periodOf(slot), slot, pathIndex);
    const n = this.columns.nums;
    const o = e * NUM_STRIDE;
    const peak = n[o + E_PEAK]!;
    if (Number.isNaN(peak) || powerW > peak) n[o + E_PEAK] = powerW;
    n[o + E_ONLINE] = devices.online;
    n[o + E_STALE] = devices.stale;
    n[o + E_OFFLINE] = devices.offline;
    n[o + E_OBSERVED_AT] = nowMs;
    this.touch(e);
  }

  /**
   * The rows changed since the previous batch (undefined: none): the entries in the order they
   * changed, then amounts for untracked periods; at most `maxRows`, and no more than it can
   * write in `budgetMs` (looking at the clock every {@link CUT_CHECK_ROWS} rows; 0 writes that
   * many). What is left waits for the next cut. A cut that leaves nothing moves the floor to
   * the period before `nowMs`'s and forgets the periods below it: at once with no budget, else
   * over the following {@link dropStep} calls (the rows are the same either way).
   */
  cut(
    nowMs: number,
    pool = new BufferPool(),
    maxRows = Number.POSITIVE_INFINITY,
    budgetMs = Number.POSITIVE_INFINITY,
  ): PackedBatch | undefined {
    const rows = Math.min(this.dirty.length + this.late.size, maxRows);
    const pathIndex = rows > 0 ? pool.int32(rows) : EMPTY_INT32;
    const v = rows > 0 ? pool.float64(rows * ROW_STRIDE) : EMPTY_FLOAT64;
    const timed = budgetMs !== Number.POSITIVE_INFINITY;
    const startedMs = timed ? performance.now() : 0;
    const spent = (i: number): boolean =>
      timed && i > 0 && i % CUT_CHECK_ROWS === 0 && performance.now() - startedMs >= budgetMs;
    const dirty = this.dirty;
    const fromDirty = Math.min(rows, dirty.length);
    let i = 0;
    let stopped = false;
    while (i < fromDirty && !stopped) {
      this.cutEntry(dirty[i]!, i, pathIndex, v);
      stopped = spent(++i);
    }
    this.dirty = i === dirty.length ? [] : dirty.slice(i);
    if (i === fromDirty && !stopped) {
      for (const [key, l] of this.late) {
        if (i === rows || spent(i)) break;
        this.cutLate(l, i++, pathIndex, v);
        // A later credit to that period starts a new amount (amounts add up in the database).
        this.late.delete(key);
      }
    }
    if (this.dirty.length === 0 && this.late.size === 0 && this.floorDue(nowMs)) {
      this.moveFloor(this.slotOf(nowMs) - this.slotMs);
      if (!timed) this.dropStep();
    }
    if (i === 0) return undefined;
    return i === rows
      ? new PackedBatch(this.nextSeq++, pathIndex, v, this.pathTable.paths)
      : new PackedBatch(
          this.nextSeq++,
          pathIndex.subarray(0, i),
          v.subarray(0, i * ROW_STRIDE),
          this.pathTable.paths,
        );
  }

  /** Writes the amount `l` for a period no longer tracked as row `i`: added, no power or states. */
  private cutLate(l: Late, i: number, pathIndex: Int32Array, v: Float64Array): void {
    pathIndex[i] = this.pathTable.of(l.path);
    const { energyMwh, returnedEnergyMwh } = l;
    const none = Number.NaN;
    putRow(v, i, l.slotStartMs, energyMwh, returnedEnergyMwh, energyMwh, returnedEnergyMwh, true);
    putObservation(v, i, none, none, none, none, none);
  }

  /** Writes entry `e` as row `i` of a batch and marks it batched. */
  private cutEntry(e: number, i: number, pathIndex: Int32Array, v: Float64Array): void {
    const ints = this.columns.ints;
    ints[e * INT_STRIDE + I_DIRTY] = 0;
    pathIndex[i] = ints[e * INT_STRIDE + I_PATH]!;
    const n = this.columns.nums;
    const o = e * NUM_STRIDE;
    const slot = n[o + E_SLOT]!;
    const energy = n[o + E_ENERGY]!;
    const returned = n[o + E_RETURNED]!;
    putRow(
      v,
      i,
      slot,
      energy,
      returned,
      energy - n[o + E_BATCHED_ENERGY]!,
      returned - n[o + E_BATCHED_RETURNED]!,
      slot < this.floorMs,
    );
    putObservation(
      v,
      i,
      n[o + E_PEAK]!,
      n[o + E_ONLINE]!,
      n[o + E_STALE]!,
      n[o + E_OFFLINE]!,
      n[o + E_OBSERVED_AT]!,
    );
    n[o + E_BATCHED_ENERGY] = energy;
    n[o + E_BATCHED_RETURNED] = returned;
    this.place(e);
  }

  /**
   * The ledger for the state file, each entry as of the {@link cut} that last wrote it: take it
   * right after a cut that left nothing to write (`changed` false), as `HistoryOutput.absorb`
   * does; an entry made or observed since is not in it.
   */
  snapshot(): LedgerSnapshot {
    this.dropStep();
    const { ints, nums } = this.packed;
    const entries = ledgerEntries(ints, nums, this.pathTable.paths, 0, this.entryAt.length);
    return { slotMs: this.slotMs, floorMs: this.floorMs, nextSeq: this.nextSeq, entries };
  }

  /** What {@link snapshot} gives, packed (see {@link PackedHistoryState}); paths by their index in the ledger's table. */
  pack(pool = new BufferPool()): PackedHistoryState["ledger"] {
    this.dropStep();
    const n = this.entryAt.length;
    const path = pool.int32(n);
    path.set(this.packed.ints.subarray(0, n));
    const values = pool.float64(n * LEDGER_STRIDE);
    values.set(this.packed.nums.subarray(0, n * LEDGER_STRIDE));
    return { slotMs: this.slotMs, floorMs: this.floorMs, nextSeq: this.nextSeq, path, values };
  }

  /**
   * Makes the next size of the packed ledger's arrays, then of the entry columns, resident
   * ahead, at most `maxBytes` a call, once they are three quarters full (see
   * {@link PairedArrays.prepare}); true while there is more to do.
   */
  prepareGrowth(maxBytes: number): boolean {
    if (this.packed.prepare(this.entryAt.length, maxBytes)) return true;
    return this.columns.prepare(this.entryCount - this.freeEntries.length, maxBytes);
  }

  /** Writes entry `e`'s snapshot values into the packed ledger (at its place, or a new one at the end). */
  private place(e: number): void {
    const ints = this.columns.ints;
    let pos = ints[e * INT_STRIDE + I_POS]!;
    if (pos < 0) {
      pos = this.entryAt.length;
      if (pos >= this.packed.capacity) this.packed.grow();
      ints[e * INT_STRIDE + I_POS] = pos;
      this.entryAt.push(e);
    }
    this.packed.ints[pos] = ints[e * INT_STRIDE + I_PATH]!;
    const n = this.columns.nums;
    const o = e * NUM_STRIDE;
    const v = this.packed.nums;
    const p = pos * LEDGER_STRIDE;
    v[p] = n[o + E_SLOT]!;
    v[p + 1] = n[o + E_BATCHED_ENERGY]!;
    v[p + 2] = n[o + E_BATCHED_RETURNED]!;
    v[p + 3] = n[o + E_PEAK]!;
    v[p + 4] = n[o + E_ONLINE]!;
    v[p + 5] = n[o + E_STALE]!;
    v[p + 6] = n[o + E_OFFLINE]!;
    v[p + 7] = n[o + E_OBSERVED_AT]!;
  }

  /**
   * Raises the floor to `floorMs` and forgets the periods below it; their entries leave the
   * packed ledger (and are freed for new ones) in the {@link dropStep} calls that follow. A drop
   * still under way is finished first.
   */
  private moveFloor(floorMs: number): void {
    this.dropStep();
    this.floorMs = floorMs;
    for (const [slot, period] of this.periods) {
      if (slot >= floorMs) continue;
      this.periods.delete(slot);
      this.spareByPath = period.byPath;
    }
    this.lastPeriod = undefined;
    this.lastPeriodMs = Number.NaN;
    this.drop = { scan: 0, kept: 0 };
  }

  /**
   * Goes on with the drop of the periods below the floor (which a cut with a time budget leaves
   * to these calls): the entries of periods no longer tracked leave the packed ledger, the rest
   * move up; for at most `budgetMs` (looking at the clock every {@link DROP_CHECK_ENTRIES}
   * entries). At 100,000 nodes a drop visits 300,000 entries or more, 26-51 ms in one go in the
   * service. True while there is more to do. {@link pack}, {@link snapshot} and the next floor
   * move finish it first; credits, observations and cuts meanwhile need nothing from it.
   */
  dropStep(budgetMs = Number.POSITIVE_INFINITY): boolean {
    const drop = this.drop;
    if (drop === undefined) return false;
    const startedMs = performance.now();
    const floorMs = this.floorMs;
    const v = this.packed.nums;
    const paths = this.packed.ints;
    const ints = this.columns.ints;
    const entryAt = this.entryAt;
    let { scan: i, kept } = drop;
    // Every entry below the floor belongs to a forgotten period: none is made below it while a
    // drop is under way (see periodOf).
    while (i < entryAt.length) {
      const e = entryAt[i]!;
      if (v[i * LEDGER_STRIDE]! < floorMs) {
        ints[e * INT_STRIDE + I_POS] = -1;
        this.freeEntries.push(e);
      } else {
        if (i !== kept) {
          paths[kept] = paths[i]!;
          // A plain loop: a native copyWithin per entry cost ~1 µs each (250 ms at 200,000).
          const from = i * LEDGER_STRIDE;
          const to = kept * LEDGER_STRIDE;
          for (let k = 0; k < LEDGER_STRIDE; k++) v[to + k] = v[from + k]!;
          entryAt[kept] = e;
          ints[e * INT_STRIDE + I_POS] = kept;
        }
        kept++;
      }
      i++;
      if ((i & (DROP_CHECK_ENTRIES - 1)) === 0 && performance.now() - startedMs >= budgetMs) {
        drop.scan = i;
        drop.kept = kept;
        return true;
      }
    }
    entryAt.length = kept;
    this.drop = undefined;
    return false;
  }

  /** The entries of the period at `slotStartMs` (made empty if new). */
  private periodOf(slotStartMs: number): PeriodEntries {
    if (slotStartMs === this.lastPeriodMs) return this.lastPeriod!;
    let entries = this.periods.get(slotStartMs);
    if (entries === undefined) {
      // A period below the floor (a clock gone back observes into one) waits for the drop
      // under way: the drop tells the forgotten periods' entries by their slot.
      if (slotStartMs < this.floorMs) this.dropStep();
      let byPath = this.spareByPath;
      this.spareByPath = undefined;
      if (byPath === undefined || byPath.length < this.pathTable.size) {
        byPath = new Int32Array(Math.max(1024, this.pathTable.size * 2));
      } else byPath.fill(0);
      entries = { byPath, size: 0 };
      this.periods.set(slotStartMs, entries);
    }
    this.lastPeriod = entries;
    this.lastPeriodMs = slotStartMs;
    return entries;
  }

  /** The entry of path `pathIndex` in `period` (at `slotStartMs`), made if it has none. */
  private entryIn(period: PeriodEntries, slotStartMs: number, pathIndex: number): number {
    if (pathIndex >= period.byPath.length) {
      const byPath = new Int32Array(Math.max(pathIndex + 1, period.byPath.length * 2));
      byPath.set(period.byPath);
      period.byPath = byPath;
    }
    const known = period.byPath[pathIndex]! - 1;
    if (known >= 0) return known;
    const e = this.freeEntries.length > 0 ? this.freeEntries.pop()! : this.entryCount++;
    if (e >= this.columns.capacity) this.columns.grow();
    const ints = this.columns.ints;
    ints[e * INT_STRIDE + I_PATH] = pathIndex;
    ints[e * INT_STRIDE + I_POS] = -1;
    ints[e * INT_STRIDE + I_DIRTY] = 0;
    const n = this.columns.nums;
    const o = e * NUM_STRIDE;
    n[o + E_SLOT] = slotStartMs;
    n[o + E_ENERGY] = 0;
    n[o + E_RETURNED] = 0;
    n[o + E_BATCHED_ENERGY] = 0;
    n[o + E_BATCHED_RETURNED] = 0;
    n.fill(Number.NaN, o + E_PEAK, o + NUM_STRIDE);
    period.byPath[pathIndex] = e + 1;
    period.size++;
    return e;
  }

  /** The path indexes of `paths`, kept under `key` (made again should the key's paths change). */
  private creditIndexes(key: number, paths: readonly string[]): number[] {
    if (this.creditKeyPaths[key] === paths) return this.creditKeyIndexes[key]!;
    const indexes = paths.map((path) => this.pathTable.of(path));
    this.creditKeyPaths[key] = paths;
    this.creditKeyIndexes[key] = indexes;
    return indexes;
  }

  /** The path index of `path`, kept under `key` (see {@link creditIndexes}). */
  private observeIndex(key: number, path: string): number {
    if (this.observeKeyPath[key] === path) return this.observeKeyIndex[key]!;
    const index = this.pathTable.of(path);
    this.observeKeyPath[key] = path;
    this.observeKeyIndex[key] = index;
    return index;
  }

  /** Marks entry `e` changed since the last cut. */
  private touch(e: number): void {
    const ints = this.columns.ints;
    if (ints[e * INT_STRIDE + I_DIRTY] === 1) return;
    ints[e * INT_STRIDE + I_DIRTY] = 1;
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
