import { LimitSource, type MeterColumns, type NodeColumns } from "./columns";
import type { CounterTracker } from "./counter-tracker";

/** Identifies a snapshot document. */
export const SNAPSHOT_FORMAT = "coreflux.hierarchy.snapshot";
/**
 * The snapshot version this release writes. It also reads version 1 (0.1.x), whose documents
 * lack the evidence columns: they restore with every total exact and the evidence starting over
 * (see the README).
 */
export const SNAPSHOT_VERSION = 2;

/** A column that is mostly its default: the indices that differ, and their values. */
export interface SparseColumn {
  at: number[];
  value: number[];
}

/** Held-back readings of one counter: the meters that have one, with kind, value and time. */
export interface PendingSnapshot {
  at: number[];
  /** 1 a drop, 2 a rise the evidence did not explain. */
  kind: number[];
  mwh: number[];
  tsMs: number[];
  /** Version 2: the energy the meter's power allowed since the held reading, mWh. */
  allowMwh?: number[];
  /** Version 2: 1 when the held reading's time is the device's clock. */
  timed?: number[];
  /** Version 2: for a drop replaced by a lower one, the low value before it (null: none). */
  altMwh?: (number | null)[];
  altTsMs?: number[];
  altAllowMwh?: number[];
}

/**
 * Version 2: counters that restarted from zero within the last day: their previous level, when
 * it was last seen, and what the new epoch credited (see the README, "two low outliers").
 */
export interface PreviousLevelSnapshot {
  at: number[];
  refMwh: number[];
  seenTsMs: number[];
  creditMwh: number[];
}

/** Version 2 columns of a counter (dense over its meters). */
export interface CounterEvidenceSnapshot {
  /** 1 when the reference's times are the device's clock. */
  refTimed: number[];
  /** Energy the meter's power allowed since the reference was set, mWh. */
  allowMwh: number[];
  /** The meter's power integral when the counter was last seen at its reference, mWh. */
  seenIntegralMwh: number[];
  /** When the current epoch began, Unix ms. */
  epochStartTsMs: number[];
  /** The first value of the current epoch, mWh. */
  epochFloorMwh: number[];
  /** The counter's growth over its last credited interval, mWh per ms. */
  rateMwhPerMs: number[];
  /** 1 when power in the counter's direction was reported since the reference was set. */
  flowSeen: number[];
  previous: PreviousLevelSnapshot;
}

/** The returned-energy counter of the meters that ever reported one. */
export interface ReturnedCounterSnapshot {
  at: number[];
  refMwh: number[];
  refSetTsMs: number[];
  refSeenTsMs: number[];
  epoch: number[];
  pending: PendingSnapshot;
  /** Version 2. */
  evidence?: CounterEvidenceSnapshot;
}

/** Version 2: what each meter's own reports said (see `MeterEvidence`). */
export interface MeterEvidenceSnapshot {
  /** Reading time of the last report; null: never. */
  lastReportTsMs: (number | null)[];
  /** Arrival time of the last report with a counter; null: never. */
  counterArrivalTsMs: (number | null)[];
  /** Arrival of the last counter report before the current burst; null: none. */
  burstBaseTsMs: (number | null)[];
  /** Counters the current queue brought (bit 1 active, 2 returned); absent: all 0. */
  queueCounters?: number[];
  /** Device clock minus arrival time; default: never seen. */
  clockOffsetMs: SparseColumn;
  /** 1 once the meter reported power; default 0. */
  hasPower: SparseColumn;
  /** Reading time of the last report with power; null: never. */
  powerTsMs: (number | null)[];
  /** Highest power reported twice in a row, W. */
  sustainedW: number[];
  /** Power integral, mWh. */
  integralMwh: number[];
  /** The latest quarter-hour boundary crossed and the integral there. */
  mark: { at: number[]; tsMs: number[]; integralMwh: number[] };
  /**
   * The last report's power by direction, W, for the meters where it is not the sign of
   * `powerMw` (meters that sum phases, which can import and export at once).
   */
  split: { at: number[]; importW: number[]; exportW: number[] };
}

/**
 * The engine's state as plain JSON, compact for large fleets: dense columns indexed by node or
 * meter, sparse columns (`{ at, value }`) for what most entries leave at its default, and small
 * dictionaries for repeated values (period keys, meter ids). Nodes are listed parents first;
 * a node is a device exactly when a meter names it. Energies are integer mWh, times Unix ms.
 */
export interface EngineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** This release writes {@link SNAPSHOT_VERSION}; it also restores version 1. */
  version: 1 | 2;
  /** Time zone the hour/day/month keys were computed in. */
  timeZone: string;
  /** Latest reading time seen; null if none. */
  latestTsMs: number | null;
  /** Version 2: the caller's clock (see `takeChanges`); null before the first `takeChanges`. */
  clockMs?: number | null;
  /** Start instants of the periods nodes are keyed by; `*Period` columns index it (-1: none). */
  periods: number[];
  nodes: {
    name: string[];
    /** Index of the parent node, -1 for roots. */
    parent: number[];
    energyMwh: number[];
    hourPeriod: number[];
    hourMwh: number[];
    dayPeriod: number[];
    dayMwh: number[];
    monthPeriod: number[];
    monthMwh: number[];
    /** null: never. */
    lastUpdateTsMs: (number | null)[];
    /** Default 0. */
    returnedMwh: SparseColumn;
    /** 1 online, 2 offline; default 0 (unknown). */
    availability: SparseColumn;
    /** Default: unknown. */
    bootTsMs: SparseColumn;
  };
  meters: {
    /** Distinct meter ids; `meterId` indexes it. */
    ids: string[];
    meterId: number[];
    /** Index of the device node. */
    device: number[];
    energyMwh: number[];
    powerMw: number[];
    /** null: never. */
    lastSeenTsMs: (number | null)[];
    /** 0 stale, 1 online, 2 offline. */
    state: number[];
    /** Active-energy counter reference, null before the first reading. */
    refMwh: (number | null)[];
    refSetTsMs: number[];
    refSeenTsMs: number[];
    /** Default 0. */
    epoch: SparseColumn;
    pending: PendingSnapshot;
    /** Default 0. */
    returnedMwh: SparseColumn;
    returned: ReturnedCounterSnapshot;
    /** Version 2: the active counter's evidence columns. */
    activeEvidence?: CounterEvidenceSnapshot;
    /** Version 2: model ratings given to `setRatedPower`, W (overrides come from the options). */
    ratedW?: SparseColumn;
    /** Version 2. */
    evidence?: MeterEvidenceSnapshot;
  };
  /** The online meters in staleness-check order, with the time each is queued under. */
  freshness: { meter: number[]; keyMs: number[] };
}

/** Why a snapshot could not be restored. */
export type SnapshotErrorCode = "NOT_A_SNAPSHOT" | "UNSUPPORTED_VERSION" | "CORRUPT_SNAPSHOT";

/** Result of restoring a snapshot: the engine and any warnings, or a typed error. */
export type RestoreResult<E> =
  | { ok: true; engine: E; warnings: string[] }
  | { ok: false; error: { code: SnapshotErrorCode; message: string } };

/** A counter's columns, decoded (NaN for "never"). */
export interface DecodedCounter {
  refMwh: Float64Array;
  refSetTsMs: Float64Array;
  refSeenTsMs: Float64Array;
  refTimed: Uint8Array;
  allowMwh: Float64Array;
  seenIntegralMwh: Float64Array;
  pendingKind: Uint8Array;
  pendingMwh: Float64Array;
  pendingTsMs: Float64Array;
  pendingAllowMwh: Float64Array;
  pendingTimed: Uint8Array;
  pendingAltMwh: Float64Array;
  pendingAltTsMs: Float64Array;
  pendingAltAllowMwh: Float64Array;
  epoch: Uint32Array;
  epochStartTsMs: Float64Array;
  epochFloorMwh: Float64Array;
  rateMwhPerMs: Float64Array;
  flowSeen: Uint8Array;
  prevRefMwh: Float64Array;
  prevSeenTsMs: Float64Array;
  epochCreditMwh: Float64Array;
}

/** A meter's evidence columns, decoded. */
export interface DecodedEvidence {
  lastReportTsMs: Float64Array;
  counterArrivalTsMs: Float64Array;
  burstBaseTsMs: Float64Array;
  queueCounters: Uint8Array;
  clockOffsetMs: Float64Array;
  hasPower: Uint8Array;
  powerTsMs: Float64Array;
  sustainedW: Float64Array;
  integralMwh: Float64Array;
  markTsMs: Float64Array;
  markIntegralMwh: Float64Array;
  importW: Float64Array;
  exportW: Float64Array;
}

/** A validated snapshot, decoded into typed arrays with the engine's sentinels. */
export interface DecodedSnapshot {
  timeZone: string;
  latestTsMs: number;
  clockMs: number;
  nodes: {
    name: string[];
    parent: Int32Array;
    isDevice: Uint8Array;
    energyMwh: Float64Array;
    returnedMwh: Float64Array;
    hourKey: Float64Array;
    hourMwh: Float64Array;
    dayKey: Float64Array;
    dayMwh: Float64Array;
    monthKey: Float64Array;
    monthMwh: Float64Array;
    lastUpdateTsMs: Float64Array;
    availability: Uint8Array;
    bootTsMs: Float64Array;
  };
  meters: {
    device: Int32Array;
    meterId: string[];
    energyMwh: Float64Array;
    returnedMwh: Float64Array;
    powerMw: Float64Array;
    lastSeenTsMs: Float64Array;
    state: Uint8Array;
    /** Model ratings, W (NaN: none). */
    ratedW: Float64Array;
    active: DecodedCounter;
    returned: DecodedCounter;
    evidence: DecodedEvidence;
  };
  freshness: { meter: Int32Array; keyMs: Float64Array };
}

/** What {@link encodeSnapshot} reads from an engine. */
export interface EngineParts {
  timeZone: string;
  latestTsMs: number;
  clockMs: number;
  nodes: NodeColumns;
  meters: MeterColumns;
  /** Online meters from the head of the freshness list to its tail. */
  freshOrder: number[];
}

// ---- encoding ---------------------------------------------------------------------------

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * While {@link encodeSnapshot} runs with `columnViews` (it is synchronous: nothing else runs
 * meanwhile), {@link dense} and {@link denseOrNull} return views of the typed arrays instead of
 * copies.
 */
let columnViews = false;

/** The first `count` entries of `data`: a plain array, or a view of it (see {@link columnViews}). */
function dense(data: ArrayLike<number>, count: number): number[] {
  if (columnViews && ArrayBuffer.isView(data)) {
    return (data as Float64Array).subarray(0, count) as unknown as number[];
  }
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = data[i]!;
  return out;
}

function denseOrNull(data: ArrayLike<number>, count: number): (number | null)[] {
  // A view: a JSON writer of typed arrays writes a number that is not finite as null, as here.
  if (columnViews && ArrayBuffer.isView(data)) return dense(data, count);
  const out = new Array<number | null>(count);
  for (let i = 0; i < count; i++) out[i] = finiteOrNull(data[i]!);
  return out;
}

/** Entries that differ from `defaultValue` (NaN: entries that are numbers). */
function sparse(data: ArrayLike<number>, count: number, defaultValue: number): SparseColumn {
  const at: number[] = [];
  const value: number[] = [];
  // One comparison inline (a predicate per column made this loop polymorphic and slow).
  const nanDefault = Number.isNaN(defaultValue);
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    if (nanDefault ? Number.isNaN(v) : v === defaultValue) continue;
    at.push(i);
    value.push(v);
  }
  return { at, value };
}

/** `data` at the listed meters, or at `0..count-1`, as a plain array. */
function gather(data: ArrayLike<number>, meters: readonly number[] | number): number[] {
  if (typeof meters === "number") return dense(data, meters);
  const out = new Array<number>(meters.length);
  for (let k = 0; k < meters.length; k++) out[k] = data[meters[k]!]!;
  return out;
}

/** Calls `visit` for meters `0..count-1`, or for the listed ones. */
function eachMeter(meters: readonly number[] | number, visit: (i: number) => void): void {
  if (typeof meters === "number") for (let i = 0; i < meters; i++) visit(i);
  else for (const i of meters) visit(i);
}

function pendingOf(t: CounterTracker, meters: readonly number[] | number): PendingSnapshot {
  const out = {
    at: [],
    kind: [],
    mwh: [],
    tsMs: [],
    allowMwh: [],
    timed: [],
    altMwh: [],
    altTsMs: [],
    altAllowMwh: [],
  } as Required<PendingSnapshot>;
  eachMeter(meters, (i) => {
    const kind = t.pendingKind.data[i]!;
    if (kind === 0) return;
    out.at.push(i);
    out.kind.push(kind);
    out.mwh.push(t.pendingMwh.data[i]!);
    out.tsMs.push(t.pendingTsMs.data[i]!);
    out.allowMwh.push(t.pendingAllowMwh.data[i]!);
    out.timed.push(t.pendingTimed.data[i]!);
    out.altMwh.push(finiteOrNull(t.pendingAltMwh.data[i]!));
    out.altTsMs.push(t.pendingAltTsMs.data[i]!);
    out.altAllowMwh.push(t.pendingAltAllowMwh.data[i]!);
  });
  return out;
}

/** A counter's version 2 columns, over `0..count-1` or the listed meters. */
function counterEvidenceOf(
  t: CounterTracker,
  meters: readonly number[] | number,
): CounterEvidenceSnapshot {
  const previous: CounterEvidenceSnapshot["previous"] = {
    at: [],
    refMwh: [],
    seenTsMs: [],
    creditMwh: [],
  };
  eachMeter(meters, (i) => {
    const prev = t.prevRefMwh.data[i]!;
    if (Number.isNaN(prev)) return;
    previous.at.push(i);
    previous.refMwh.push(prev);
    previous.seenTsMs.push(t.prevSeenTsMs.data[i]!);
    previous.creditMwh.push(t.epochCreditMwh.data[i]!);
  });
  // Column by column into preallocated arrays: a million meters per column in a tight loop.
  const out: CounterEvidenceSnapshot = {
    refTimed: gather(t.refTimed.data, meters),
    allowMwh: gather(t.allowMwh.data, meters),
    seenIntegralMwh: gather(t.seenIntegralMwh.data, meters),
    epochStartTsMs: gather(t.epochStartTsMs.data, meters),
    epochFloorMwh: gather(t.epochFloorMwh.data, meters),
    rateMwhPerMs: gather(t.rateMwhPerMs.data, meters),
    flowSeen: gather(t.flowSeen.data, meters),
    previous,
  };
  return out;
}

function meterEvidenceOf(m: MeterColumns, count: number): MeterEvidenceSnapshot {
  const e = m.evidence;
  const mark: MeterEvidenceSnapshot["mark"] = { at: [], tsMs: [], integralMwh: [] };
  for (let i = 0; i < count; i++) {
    const markTsMs = e.markTsMs.data[i]!;
    if (Number.isNaN(markTsMs)) continue;
    mark.at.push(i);
    mark.tsMs.push(markTsMs);
    mark.integralMwh.push(e.markIntegralMwh.data[i]!);
  }
  return {
    lastReportTsMs: denseOrNull(e.lastReportTsMs.data, count),
    counterArrivalTsMs: denseOrNull(e.counterArrivalTsMs.data, count),
    burstBaseTsMs: denseOrNull(e.burstBaseTsMs.data, count),
    queueCounters: dense(e.queueCounters.data, count),
    clockOffsetMs: sparse(e.clockOffsetMs.data, count, Number.NaN),
    hasPower: sparse(e.hasPower.data, count, 0),
    powerTsMs: denseOrNull(e.powerTsMs.data, count),
    sustainedW: dense(e.sustainedW.data, count),
    integralMwh: dense(e.integralMwh.data, count),
    mark,
    split: splitOf(m, count),
  };
}

/** The meters whose power by direction is not the sign of their power. */
function splitOf(m: MeterColumns, count: number): MeterEvidenceSnapshot["split"] {
  const e = m.evidence;
  const out: MeterEvidenceSnapshot["split"] = { at: [], importW: [], exportW: [] };
  for (let i = 0; i < count; i++) {
    const powerW = m.powerMw.data[i]! / 1000;
    const importW = e.importW.data[i]!;
    const exportW = e.exportW.data[i]!;
    if (importW === Math.max(powerW, 0) && exportW === Math.max(-powerW, 0)) continue;
    out.at.push(i);
    out.importW.push(importW);
    out.exportW.push(exportW);
  }
  return out;
}

/** Model ratings given to `setRatedPower` (overrides are not saved: they come from the options). */
function ratedOf(m: MeterColumns, count: number): SparseColumn {
  const out: SparseColumn = { at: [], value: [] };
  for (let i = 0; i < count; i++) {
    if (m.limitSource.data[i] !== LimitSource.rating) continue;
    out.at.push(i);
    out.value.push(m.maxPowerW.data[i]!);
  }
  return out;
}

/**
 * Writes the engine's state as a snapshot document.
 *
 * @param views when true, the number columns that hold every node's or every meter's value are
 *   views of `parts`' typed arrays (`Float64Array` and the like), not copies: for a JSON writer
 *   that writes a typed array as an array of numbers, a number that is not finite as null
 *   (`JSON.stringify` does not: it writes a typed array as an object). The document is only
 *   valid while `parts`' arrays are unchanged.
 */
export function encodeSnapshot(parts: EngineParts, views = false): EngineSnapshot {
  columnViews = views;
  try {
    return encodeParts(parts);
  } finally {
    columnViews = false;
  }
}

function encodeParts(parts: EngineParts): EngineSnapshot {
  const n = parts.nodes;
  const m = parts.meters;
  const nc = n.count;
  const mc = m.count;

  const periods: number[] = [];
  const periodIndex = new Map<number, number>();
  const periodColumn = (keys: Float64Array): number[] => {
    const out = new Array<number>(nc);
    for (let i = 0; i < nc; i++) {
      const key = keys[i]!;
      if (key < 0) {
        out[i] = -1;
        continue;
      }
      let index = periodIndex.get(key);
      if (index === undefined) {
        index = periods.length;
        periods.push(key);
        periodIndex.set(key, index);
      }
      out[i] = index;
    }
    return out;
  };

  const ids: string[] = [];
  const idIndex = new Map<string, number>();
  const meterId = new Array<number>(mc);
  for (let i = 0; i < mc; i++) {
    const id = m.meterId[i]!;
    let index = idIndex.get(id);
    if (index === undefined) {
      index = ids.length;
      ids.push(id);
      idIndex.set(id, index);
    }
    meterId[i] = index;
  }

  const r = m.returned;
  const withReturned: number[] = [];
  for (let i = 0; i < mc; i++) if (!Number.isNaN(r.refMwh.data[i]!)) withReturned.push(i);
  const pick = (data: ArrayLike<number>) => withReturned.map((i) => data[i]!);

  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    timeZone: parts.timeZone,
    latestTsMs: finiteOrNull(parts.latestTsMs),
    clockMs: finiteOrNull(parts.clockMs),
    periods,
    nodes: {
      // A view's document is written before the names change (see encodeSnapshot).
      name: columnViews ? n.name : n.name.slice(),
      parent: dense(n.parent.data, nc),
      energyMwh: dense(n.energyMwh.data, nc),
      hourPeriod: periodColumn(n.hourKey.data),
      hourMwh: dense(n.hourMwh.data, nc),
      dayPeriod: periodColumn(n.dayKey.data),
      dayMwh: dense(n.dayMwh.data, nc),
      monthPeriod: periodColumn(n.monthKey.data),
      monthMwh: dense(n.monthMwh.data, nc),
      lastUpdateTsMs: denseOrNull(n.lastUpdateTsMs.data, nc),
      returnedMwh: sparse(n.returnedMwh.data, nc, 0),
      availability: sparse(n.availability.data, nc, 0),
      bootTsMs: sparse(n.bootTsMs.data, nc, Number.NaN),
    },
    meters: {
      ids,
      meterId,
      device: dense(m.device.data, mc),
      energyMwh: dense(m.energyMwh.data, mc),
      powerMw: dense(m.powerMw.data, mc),
      lastSeenTsMs: denseOrNull(m.lastSeenTsMs.data, mc),
      state: dense(m.state.data, mc),
      refMwh: denseOrNull(m.active.refMwh.data, mc),
      refSetTsMs: dense(m.active.refSetTsMs.data, mc),
      refSeenTsMs: dense(m.active.refSeenTsMs.data, mc),
      epoch: sparse(m.active.epoch.data, mc, 0),
      pending: pendingOf(m.active, mc),
      returnedMwh: sparse(m.returnedMwh.data, mc, 0),
      returned: {
        at: withReturned,
        refMwh: pick(r.refMwh.data),
        refSetTsMs: pick(r.refSetTsMs.data),
        refSeenTsMs: pick(r.refSeenTsMs.data),
        epoch: pick(r.epoch.data),
        pending: pendingOf(r, withReturned),
        evidence: counterEvidenceOf(r, withReturned),
      },
      activeEvidence: counterEvidenceOf(m.active, mc),
      ratedW: ratedOf(m, mc),
      evidence: meterEvidenceOf(m, mc),
    },
    freshness: {
      meter: parts.freshOrder,
      keyMs: parts.freshOrder.map((meter) => m.listKeyMs.data[meter]!),
    },
  };
}

// ---- decoding ---------------------------------------------------------------------------

/** Thrown inside decoding only; turned into a typed result before it leaves this module. */
export class CorruptSnapshot extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const MAX_EXACT = Number.MAX_SAFE_INTEGER;

function arrayAt(
  owner: Record<string, unknown>,
  where: string,
  key: string,
  length?: number,
): unknown[] {
  const value = owner[key];
  if (!Array.isArray(value)) throw new CorruptSnapshot(`${where}.${key} is not an array`);
  if (length !== undefined && value.length !== length) {
    throw new CorruptSnapshot(`${where}.${key} has ${value.length} entries, expected ${length}`);
  }
  return value;
}

function recordAt(
  owner: Record<string, unknown>,
  where: string,
  key: string,
): Record<string, unknown> {
  const value = owner[key];
  if (!isRecord(value)) throw new CorruptSnapshot(`${where}.${key} is not an object`);
  return value;
}

function invalid(where: string, i: number, v: unknown): CorruptSnapshot {
  return new CorruptSnapshot(
    `${where}[${i}] is invalid: ${String(JSON.stringify(v)).slice(0, 40)}`,
  );
}

/** Integer mWh values (0 ..= 2^53 - 1) into `out`. */
function energies(values: unknown[], where: string, out: Float64Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !(v >= 0 && v <= MAX_EXACT && Math.floor(v) === v))
      throw invalid(where, i, v);
    out[i] = v;
  }
}

/** Finite numbers >= 0 into `out`. */
function nonNegatives(values: unknown[], where: string, out: Float64Array): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(typeof v === "number" && v >= 0 && v < Number.POSITIVE_INFINITY))
      throw invalid(where, i, v);
    out[i] = v;
  }
}

/** Finite numbers into `out`; `null` becomes `nullAs` when given. */
function times(values: unknown[], where: string, out: Float64Array, nullAs?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" && Number.isFinite(v)) out[i] = v;
    else if (v === null && nullAs !== undefined) out[i] = nullAs;
    else throw invalid(where, i, v);
  }
}

/** Integers within `[min, max]` into `out` (`null` becomes `nullAs` when given). */
function ints(
  values: unknown[],
  where: string,
  out: Int32Array | Uint8Array | Uint32Array | Float64Array,
  min: number,
  max: number,
  nullAs?: number,
): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" && v >= min && v <= max && Math.floor(v) === v) out[i] = v;
    else if (v === null && nullAs !== undefined) out[i] = nullAs;
    else throw invalid(where, i, v);
  }
}

/** A sparse column into a dense array that already holds the defaults. */
function sparseInto(
  owner: Record<string, unknown>,
  where: string,
  key: string,
  out: Float64Array | Uint8Array | Uint32Array,
  check: (v: number) => boolean,
): void {
  const column = recordAt(owner, where, key);
  const at = arrayAt(column, `${where}.${key}`, "at");
  const value = arrayAt(column, `${where}.${key}`, "value", at.length);
  for (let k = 0; k < at.length; k++) {
    const i = at[k];
    const v = value[k];
    if (!(typeof i === "number" && Number.isInteger(i) && i >= 0 && i < out.length))
      throw invalid(`${where}.${key}.at`, k, i);
    if (!(typeof v === "number" && check(v))) throw invalid(`${where}.${key}.value`, k, v);
    out[i] = v;
  }
}

const isEnergy = (v: number) => v >= 0 && v <= MAX_EXACT && Math.floor(v) === v;
const isFiniteNumber = (v: number) => Number.isFinite(v);

function pendingInto(
  owner: Record<string, unknown>,
  where: string,
  target: DecodedCounter,
  meters: readonly number[] | undefined,
  meterCount: number,
  version: number,
): void {
  const p = recordAt(owner, where, "pending");
  const w = `${where}.pending`;
  const at = arrayAt(p, w, "at");
  const kind = arrayAt(p, w, "kind", at.length);
  const mwh = arrayAt(p, w, "mwh", at.length);
  const tsMs = arrayAt(p, w, "tsMs", at.length);
  const allow = version >= 2 ? arrayAt(p, w, "allowMwh", at.length) : undefined;
  const timed = version >= 2 ? arrayAt(p, w, "timed", at.length) : undefined;
  const altMwh = version >= 2 ? arrayAt(p, w, "altMwh", at.length) : undefined;
  const altTsMs = version >= 2 ? arrayAt(p, w, "altTsMs", at.length) : undefined;
  const altAllow = version >= 2 ? arrayAt(p, w, "altAllowMwh", at.length) : undefined;
  for (let k = 0; k < at.length; k++) {
    const i = at[k];
    if (!(typeof i === "number" && Number.isInteger(i) && i >= 0 && i < meterCount))
      throw invalid(`${w}.at`, k, i);
    if (meters !== undefined && Number.isNaN(target.refMwh[i]!)) throw invalid(`${w}.at`, k, i);
    const kk = kind[k];
    if (kk !== 1 && kk !== 2) throw invalid(`${w}.kind`, k, kk);
    const v = mwh[k];
    if (!(typeof v === "number" && isEnergy(v))) throw invalid(`${w}.mwh`, k, v);
    const t = tsMs[k];
    if (!(typeof t === "number" && Number.isFinite(t))) throw invalid(`${w}.tsMs`, k, t);
    target.pendingKind[i] = kk;
    target.pendingMwh[i] = v;
    target.pendingTsMs[i] = t;
    if (allow !== undefined) {
      const a = allow[k];
      if (!(typeof a === "number" && a >= 0 && Number.isFinite(a)))
        throw invalid(`${w}.allowMwh`, k, a);
      target.pendingAllowMwh[i] = a;
      const d = timed![k];
      if (d !== 0 && d !== 1) throw invalid(`${w}.timed`, k, d);
      target.pendingTimed[i] = d;
      const am = altMwh![k];
      if (am !== null && !(typeof am === "number" && isEnergy(am)))
        throw invalid(`${w}.altMwh`, k, am);
      target.pendingAltMwh[i] = am === null ? Number.NaN : am;
      const at2 = altTsMs![k];
      if (!(typeof at2 === "number" && Number.isFinite(at2))) throw invalid(`${w}.altTsMs`, k, at2);
      target.pendingAltTsMs[i] = at2;
      const aa = altAllow![k];
      if (!(typeof aa === "number" && aa >= 0 && Number.isFinite(aa)))
        throw invalid(`${w}.altAllowMwh`, k, aa);
      target.pendingAltAllowMwh[i] = aa;
    }
  }
}

/**
 * A counter's version 2 columns: dense over `0..count-1` (active) or over `at` (returned). A
 * version 1 document has none: the evidence starts over (the epoch is taken to have begun when
 * the reference was set, with a floor of 0: no shortcut for the first restart after it).
 */
function counterEvidenceInto(
  owner: Record<string, unknown>,
  where: string,
  key: string,
  target: DecodedCounter,
  at: Int32Array | undefined,
  count: number,
  version: number,
): void {
  const index = (k: number) => (at === undefined ? k : at[k]!);
  if (version < 2) {
    for (let k = 0; k < count; k++) target.epochStartTsMs[index(k)] = target.refSetTsMs[index(k)]!;
    return;
  }
  const e = recordAt(owner, where, key);
  const w = `${where}.${key}`;
  const column = (name: string) => arrayAt(e, w, name, count);
  const refTimed = column("refTimed");
  const allow = column("allowMwh");
  const seenIntegral = column("seenIntegralMwh");
  const epochStart = column("epochStartTsMs");
  const epochFloor = column("epochFloorMwh");
  const rate = column("rateMwhPerMs");
  const flow = column("flowSeen");
  for (let k = 0; k < count; k++) {
    const i = index(k);
    const timed = refTimed[k];
    if (timed !== 0 && timed !== 1) throw invalid(`${w}.refTimed`, k, timed);
    target.refTimed[i] = timed;
    const a = allow[k];
    if (!(typeof a === "number" && a >= 0 && Number.isFinite(a)))
      throw invalid(`${w}.allowMwh`, k, a);
    target.allowMwh[i] = a;
    const g = seenIntegral[k];
    if (!(typeof g === "number" && g >= 0 && Number.isFinite(g)))
      throw invalid(`${w}.seenIntegralMwh`, k, g);
    target.seenIntegralMwh[i] = g;
    const t = epochStart[k];
    if (!(typeof t === "number" && Number.isFinite(t))) throw invalid(`${w}.epochStartTsMs`, k, t);
    target.epochStartTsMs[i] = t;
    const f = epochFloor[k];
    if (!(typeof f === "number" && isEnergy(f))) throw invalid(`${w}.epochFloorMwh`, k, f);
    target.epochFloorMwh[i] = f;
    const r = rate[k];
    if (!(typeof r === "number" && r >= 0 && Number.isFinite(r)))
      throw invalid(`${w}.rateMwhPerMs`, k, r);
    target.rateMwhPerMs[i] = r;
    const fl = flow[k];
    if (fl !== 0 && fl !== 1) throw invalid(`${w}.flowSeen`, k, fl);
    target.flowSeen[i] = fl;
  }
  const prev = recordAt(e, w, "previous");
  const pw = `${w}.previous`;
  const pAt = arrayAt(prev, pw, "at");
  const pRef = arrayAt(prev, pw, "refMwh", pAt.length);
  const pSeen = arrayAt(prev, pw, "seenTsMs", pAt.length);
  const pCredit = arrayAt(prev, pw, "creditMwh", pAt.length);
  for (let k = 0; k < pAt.length; k++) {
    const i = pAt[k];
    if (!(typeof i === "number" && Number.isInteger(i) && i >= 0 && i < target.refMwh.length))
      throw invalid(`${pw}.at`, k, i);
    const r = pRef[k];
    if (!(typeof r === "number" && isEnergy(r))) throw invalid(`${pw}.refMwh`, k, r);
    const t = pSeen[k];
    if (!(typeof t === "number" && Number.isFinite(t))) throw invalid(`${pw}.seenTsMs`, k, t);
    const c = pCredit[k];
    if (!(typeof c === "number" && isEnergy(c))) throw invalid(`${pw}.creditMwh`, k, c);
    target.prevRefMwh[i] = r;
    target.prevSeenTsMs[i] = t;
    target.epochCreditMwh[i] = c;
  }
}

/**
 * The meters' evidence columns (version 2). A version 1 document has none: each meter's last
 * report is its last arrival, and the rest starts over (no power seen yet, no clock offset).
 */
function evidenceInto(
  meters: Record<string, unknown>,
  out: DecodedEvidence,
  lastSeenTsMs: Float64Array,
  powerMw: Float64Array,
  count: number,
  version: number,
): void {
  // The power by direction follows the sign of the power, except where `split` says otherwise.
  for (let i = 0; i < count; i++) {
    const powerW = powerMw[i]! / 1000;
    out.importW[i] = Math.max(powerW, 0);
    out.exportW[i] = Math.max(-powerW, 0);
  }
  if (version < 2) {
    out.lastReportTsMs.set(lastSeenTsMs);
    out.counterArrivalTsMs.set(lastSeenTsMs);
    return;
  }
  const e = recordAt(meters, "meters", "evidence");
  const w = "meters.evidence";
  times(
    arrayAt(e, w, "lastReportTsMs", count),
    `${w}.lastReportTsMs`,
    out.lastReportTsMs,
    Number.NEGATIVE_INFINITY,
  );
  times(
    arrayAt(e, w, "counterArrivalTsMs", count),
    `${w}.counterArrivalTsMs`,
    out.counterArrivalTsMs,
    Number.NEGATIVE_INFINITY,
  );
  times(
    arrayAt(e, w, "burstBaseTsMs", count),
    `${w}.burstBaseTsMs`,
    out.burstBaseTsMs,
    Number.NEGATIVE_INFINITY,
  );
  if (e.queueCounters !== undefined)
    ints(arrayAt(e, w, "queueCounters", count), `${w}.queueCounters`, out.queueCounters, 0, 3);
  sparseInto(e, w, "clockOffsetMs", out.clockOffsetMs, isFiniteNumber);
  sparseInto(e, w, "hasPower", out.hasPower, (v) => v === 1);
  times(
    arrayAt(e, w, "powerTsMs", count),
    `${w}.powerTsMs`,
    out.powerTsMs,
    Number.NEGATIVE_INFINITY,
  );
  nonNegatives(arrayAt(e, w, "sustainedW", count), `${w}.sustainedW`, out.sustainedW);
  nonNegatives(arrayAt(e, w, "integralMwh", count), `${w}.integralMwh`, out.integralMwh);
  const mark = recordAt(e, w, "mark");
  const at = arrayAt(mark, `${w}.mark`, "at");
  const tsMs = arrayAt(mark, `${w}.mark`, "tsMs", at.length);
  const integral = arrayAt(mark, `${w}.mark`, "integralMwh", at.length);
  for (let k = 0; k < at.length; k++) {
    const i = at[k];
    if (!(typeof i === "number" && Number.isInteger(i) && i >= 0 && i < count))
      throw invalid(`${w}.mark.at`, k, i);
    const t = tsMs[k];
    if (!(typeof t === "number" && Number.isFinite(t))) throw invalid(`${w}.mark.tsMs`, k, t);
    const g = integral[k];
    if (!(typeof g === "number" && g >= 0 && Number.isFinite(g)))
      throw invalid(`${w}.mark.integralMwh`, k, g);
    out.markTsMs[i] = t;
    out.markIntegralMwh[i] = g;
  }
  const split = recordAt(e, w, "split");
  const sAt = arrayAt(split, `${w}.split`, "at");
  const importW = arrayAt(split, `${w}.split`, "importW", sAt.length);
  const exportW = arrayAt(split, `${w}.split`, "exportW", sAt.length);
  for (let k = 0; k < sAt.length; k++) {
    const i = sAt[k];
    if (!(typeof i === "number" && Number.isInteger(i) && i >= 0 && i < count))
      throw invalid(`${w}.split.at`, k, i);
    const im = importW[k];
    const ex = exportW[k];
    if (!(typeof im === "number" && im >= 0 && im < Number.POSITIVE_INFINITY))
      throw invalid(`${w}.split.importW`, k, im);
    if (!(typeof ex === "number" && ex >= 0 && ex < Number.POSITIVE_INFINITY))
      throw invalid(`${w}.split.exportW`, k, ex);
    out.importW[i] = im;
    out.exportW[i] = ex;
  }
}

/**
 * Typed arrays carved out of one `ArrayBuffer`. Decoding a large snapshot needs dozens of
 * columns; allocated one by one, each large backing store can make V8 run a full collection (it
 * accounts for memory outside the JS heap that way), which at a million meters cost more than
 * the decoding itself. Regions are sized up front by element width; a request that does not fit
 * gets an array of its own, so a wrong estimate costs speed, never correctness.
 */
class ColumnArena {
  private readonly buffer: ArrayBuffer;
  /** Next free byte and end of each region: 8-byte elements, then 4-byte, then 1-byte. */
  private readonly next: [number, number, number];
  private readonly end: [number, number, number];

  constructor(f64Count: number, b32Count: number, u8Count: number) {
    const b32Start = f64Count * 8;
    const u8Start = b32Start + b32Count * 4;
    this.next = [0, b32Start, u8Start];
    this.end = [b32Start, u8Start, u8Start + u8Count];
    this.buffer = new ArrayBuffer(this.end[2]);
  }

  /** Byte offset for `bytes` in region `r`, or -1 when it is full. */
  private take(r: 0 | 1 | 2, bytes: number): number {
    const at = this.next[r];
    if (at + bytes > this.end[r]) return -1;
    this.next[r] = at + bytes;
    return at;
  }

  f64(n: number): Float64Array {
    const at = this.take(0, n * 8);
    return at < 0 ? new Float64Array(n) : new Float64Array(this.buffer, at, n);
  }

  i32(n: number): Int32Array {
    const at = this.take(1, n * 4);
    return at < 0 ? new Int32Array(n) : new Int32Array(this.buffer, at, n);
  }

  u32(n: number): Uint32Array {
    const at = this.take(1, n * 4);
    return at < 0 ? new Uint32Array(n) : new Uint32Array(this.buffer, at, n);
  }

  u8(n: number): Uint8Array {
    const at = this.take(2, n);
    return at < 0 ? new Uint8Array(n) : new Uint8Array(this.buffer, at, n);
  }
}

/** 8-byte, 4-byte and 1-byte columns per meter of one decoded counter (see `emptyCounter`). */
const COUNTER_COLUMNS = { f64: 17, b32: 1, u8: 4 } as const;

function emptyCounter(count: number, arena: ColumnArena): DecodedCounter {
  return {
    refMwh: arena.f64(count).fill(Number.NaN),
    refSetTsMs: arena.f64(count),
    refSeenTsMs: arena.f64(count),
    refTimed: arena.u8(count),
    allowMwh: arena.f64(count),
    seenIntegralMwh: arena.f64(count),
    pendingKind: arena.u8(count),
    pendingMwh: arena.f64(count),
    pendingTsMs: arena.f64(count),
    pendingAllowMwh: arena.f64(count),
    pendingTimed: arena.u8(count),
    pendingAltMwh: arena.f64(count).fill(Number.NaN),
    pendingAltTsMs: arena.f64(count),
    pendingAltAllowMwh: arena.f64(count),
    epoch: arena.u32(count),
    epochStartTsMs: arena.f64(count),
    epochFloorMwh: arena.f64(count),
    rateMwhPerMs: arena.f64(count),
    flowSeen: arena.u8(count),
    prevRefMwh: arena.f64(count).fill(Number.NaN),
    prevSeenTsMs: arena.f64(count),
    epochCreditMwh: arena.f64(count),
  };
}

/** 8-byte and 1-byte columns per meter of the decoded evidence (see `emptyEvidence`). */
const EVIDENCE_COLUMNS = { f64: 12, u8: 1 } as const;

function emptyEvidence(count: number, arena: ColumnArena): DecodedEvidence {
  return {
    // Dense columns (every entry is decoded) need no fill.
    lastReportTsMs: arena.f64(count),
    counterArrivalTsMs: arena.f64(count),
    burstBaseTsMs: arena.f64(count),
    queueCounters: arena.u8(count),
    clockOffsetMs: arena.f64(count).fill(Number.NaN),
    hasPower: arena.u8(count),
    powerTsMs: arena.f64(count),
    sustainedW: arena.f64(count),
    integralMwh: arena.f64(count),
    markTsMs: arena.f64(count).fill(Number.NaN),
    markIntegralMwh: arena.f64(count),
    importW: arena.f64(count),
    exportW: arena.f64(count),
  };
}

/** Validates an untrusted snapshot document. Never throws. */
export function decodeSnapshot(
  input: unknown,
):
  | { ok: true; value: DecodedSnapshot }
  | { ok: false; error: { code: SnapshotErrorCode; message: string } } {
  if (!isRecord(input) || input.format !== SNAPSHOT_FORMAT) {
    return {
      ok: false,
      error: { code: "NOT_A_SNAPSHOT", message: `not a ${SNAPSHOT_FORMAT} document` },
    };
  }
  if (input.version !== 1 && input.version !== SNAPSHOT_VERSION) {
    return {
      ok: false,
      error: {
        code: "UNSUPPORTED_VERSION",
        message: `snapshot version ${String(JSON.stringify(input.version)).slice(0, 20)} is not supported (this release reads versions 1 and ${SNAPSHOT_VERSION})`,
      },
    };
  }
  try {
    return { ok: true, value: decodeDocument(input, input.version) };
  } catch (error) {
    const message =
      error instanceof CorruptSnapshot ? error.message : `unreadable snapshot (${String(error)})`;
    return { ok: false, error: { code: "CORRUPT_SNAPSHOT", message } };
  }
}

function decodeDocument(input: Record<string, unknown>, version: number): DecodedSnapshot {
  if (typeof input.timeZone !== "string") throw new CorruptSnapshot("timeZone is not a string");
  const latest = input.latestTsMs;
  if (!(latest === null || (typeof latest === "number" && Number.isFinite(latest)))) {
    throw new CorruptSnapshot("latestTsMs is invalid");
  }
  const clock = version >= 2 ? input.clockMs : null;
  if (!(clock === null || (typeof clock === "number" && Number.isFinite(clock)))) {
    throw new CorruptSnapshot("clockMs is invalid");
  }
  const nodes = recordAt(input, "snapshot", "nodes");
  const meters = recordAt(input, "snapshot", "meters");
  const freshness = recordAt(input, "snapshot", "freshness");
  const periodTable = arrayAt(input, "snapshot", "periods");
  const periods = new Float64Array(periodTable.length);
  times(periodTable, "periods", periods);
  const names = arrayAt(nodes, "nodes", "name");
  const ids = arrayAt(meters, "meters", "ids");
  const meterIdColumn = arrayAt(meters, "meters", "meterId");
  const nc = names.length;
  const mc = meterIdColumn.length;
  for (let i = 0; i < nc; i++)
    if (typeof names[i] !== "string" || names[i] === "") throw invalid("nodes.name", i, names[i]);
  for (let i = 0; i < ids.length; i++)
    if (typeof ids[i] !== "string" || ids[i] === "") throw invalid("meters.ids", i, ids[i]);

  const N = (key: string) => arrayAt(nodes, "nodes", key, nc);
  const M = (key: string) => arrayAt(meters, "meters", key, mc);
  const returnedRecord = recordAt(meters, "meters", "returned");
  const returnedAt = arrayAt(returnedRecord, "meters.returned", "at");
  const rc = returnedAt.length;
  const freshMeters = arrayAt(freshness, "freshness", "meter");
  const fc = freshMeters.length;
  // Every column below, in one allocation: per node 10 8-byte, 2 4-byte and 2 1-byte columns;
  // per meter 5, 2 and 1 plus two counters and the evidence; per fresh meter 1 and 1; per
  // returned counter 3 and 2.
  const arena = new ColumnArena(
    10 * nc + (5 + 2 * COUNTER_COLUMNS.f64 + EVIDENCE_COLUMNS.f64) * mc + fc + 3 * rc,
    2 * nc + (2 + 2 * COUNTER_COLUMNS.b32) * mc + fc + 2 * rc,
    2 * nc + (1 + 2 * COUNTER_COLUMNS.u8 + EVIDENCE_COLUMNS.u8) * mc,
  );

  const parent = arena.i32(nc);
  ints(N("parent"), "nodes.parent", parent, -1, nc - 1);
  const energyMwh = arena.f64(nc);
  energies(N("energyMwh"), "nodes.energyMwh", energyMwh);
  const periodIndex = arena.i32(nc);
  const periodColumn = (key: string): Float64Array => {
    ints(N(key), `nodes.${key}`, periodIndex, -1, periods.length - 1);
    const out = arena.f64(nc);
    for (let i = 0; i < nc; i++) out[i] = periodIndex[i]! < 0 ? -1 : periods[periodIndex[i]!]!;
    return out;
  };
  const energyColumn = (key: string): Float64Array => {
    const out = arena.f64(nc);
    energies(N(key), `nodes.${key}`, out);
    return out;
  };
  const lastUpdateTsMs = arena.f64(nc);
  times(N("lastUpdateTsMs"), "nodes.lastUpdateTsMs", lastUpdateTsMs, Number.NaN);
  const returnedMwh = arena.f64(nc);
  sparseInto(nodes, "nodes", "returnedMwh", returnedMwh, isEnergy);
  const availability = arena.u8(nc);
  sparseInto(nodes, "nodes", "availability", availability, (v) => v === 1 || v === 2);
  const bootTsMs = arena.f64(nc).fill(Number.NaN);
  sparseInto(nodes, "nodes", "bootTsMs", bootTsMs, isFiniteNumber);

  const meterIdIndex = arena.i32(mc);
  ints(meterIdColumn, "meters.meterId", meterIdIndex, 0, ids.length - 1);
  const meterId = new Array<string>(mc);
  for (let i = 0; i < mc; i++) meterId[i] = ids[meterIdIndex[i]!] as string;
  const device = arena.i32(mc);
  ints(M("device"), "meters.device", device, 0, nc - 1);
  const meterEnergy = arena.f64(mc);
  energies(M("energyMwh"), "meters.energyMwh", meterEnergy);
  const powerMw = arena.f64(mc);
  ints(M("powerMw"), "meters.powerMw", powerMw, -MAX_EXACT, MAX_EXACT);
  const lastSeenTsMs = arena.f64(mc);
  times(M("lastSeenTsMs"), "meters.lastSeenTsMs", lastSeenTsMs, Number.NEGATIVE_INFINITY);
  const state = arena.u8(mc);
  ints(M("state"), "meters.state", state, 0, 2);
  const meterReturned = arena.f64(mc);
  sparseInto(meters, "meters", "returnedMwh", meterReturned, isEnergy);

  const active = emptyCounter(mc, arena);
  ints(M("refMwh"), "meters.refMwh", active.refMwh, 0, MAX_EXACT, Number.NaN);
  times(M("refSetTsMs"), "meters.refSetTsMs", active.refSetTsMs);
  times(M("refSeenTsMs"), "meters.refSeenTsMs", active.refSeenTsMs);
  sparseInto(
    meters,
    "meters",
    "epoch",
    active.epoch,
    (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff,
  );
  pendingInto(meters, "meters", active, undefined, mc, version);
  counterEvidenceInto(meters, "meters", "activeEvidence", active, undefined, mc, version);

  const returned = emptyCounter(mc, arena);
  const rAt = arena.i32(rc);
  ints(returnedAt, "meters.returned.at", rAt, 0, mc - 1);
  const column = (key: string) => arrayAt(returnedRecord, "meters.returned", key, rc);
  const refs = arena.f64(rc);
  ints(column("refMwh"), "meters.returned.refMwh", refs, 0, MAX_EXACT);
  const sets = arena.f64(rc);
  times(column("refSetTsMs"), "meters.returned.refSetTsMs", sets);
  const seens = arena.f64(rc);
  times(column("refSeenTsMs"), "meters.returned.refSeenTsMs", seens);
  const epochs = arena.u32(rc);
  ints(column("epoch"), "meters.returned.epoch", epochs, 0, 0xffffffff);
  for (let k = 0; k < rc; k++) {
    const i = rAt[k]!;
    returned.refMwh[i] = refs[k]!;
    returned.refSetTsMs[i] = sets[k]!;
    returned.refSeenTsMs[i] = seens[k]!;
    returned.epoch[i] = epochs[k]!;
  }
  pendingInto(returnedRecord, "meters.returned", returned, [], mc, version);
  counterEvidenceInto(returnedRecord, "meters.returned", "evidence", returned, rAt, rc, version);

  const ratedW = arena.f64(mc).fill(Number.NaN);
  if (version >= 2)
    sparseInto(meters, "meters", "ratedW", ratedW, (v) => v > 0 && Number.isFinite(v));
  const evidence = emptyEvidence(mc, arena);
  evidenceInto(meters, evidence, lastSeenTsMs, powerMw, mc, version);

  const freshOrder = arena.i32(fc);
  ints(freshMeters, "freshness.meter", freshOrder, 0, mc - 1);
  const keyMs = arena.f64(fc);
  times(arrayAt(freshness, "freshness", "keyMs", fc), "freshness.keyMs", keyMs);

  const isDevice = arena.u8(nc);
  for (let i = 0; i < mc; i++) isDevice[device[i]!] = 1;

  const decoded: DecodedSnapshot = {
    timeZone: input.timeZone,
    latestTsMs: latest === null ? Number.NEGATIVE_INFINITY : latest,
    clockMs: clock === null ? Number.NEGATIVE_INFINITY : clock,
    nodes: {
      name: names as string[],
      parent,
      isDevice,
      energyMwh,
      returnedMwh,
      hourKey: periodColumn("hourPeriod"),
      hourMwh: energyColumn("hourMwh"),
      dayKey: periodColumn("dayPeriod"),
      dayMwh: energyColumn("dayMwh"),
      monthKey: periodColumn("monthPeriod"),
      monthMwh: energyColumn("monthMwh"),
      lastUpdateTsMs,
      availability,
      bootTsMs,
    },
    meters: {
      device,
      meterId,
      energyMwh: meterEnergy,
      returnedMwh: meterReturned,
      powerMw,
      lastSeenTsMs,
      state,
      ratedW,
      active,
      returned,
      evidence,
    },
    freshness: { meter: freshOrder, keyMs },
  };
  checkStructure(decoded);
  return decoded;
}

/**
 * The tree is well formed, every total is the exact sum of what is below it, and the
 * freshness order lists exactly the online meters, by non-decreasing key. Sibling names and
 * meter ids per device are checked when the engine rebuilds its maps.
 */
function checkStructure(s: DecodedSnapshot): void {
  const { nodes, meters, freshness } = s;
  const nc = nodes.name.length;
  const mc = meters.meterId.length;
  const hasChildren = new Uint8Array(nc);
  for (let i = 0; i < nc; i++) {
    const p = nodes.parent[i]!;
    if (p >= i)
      throw new CorruptSnapshot(`nodes.parent[${i}] = ${p} does not name an earlier node`);
    if (p >= 0) {
      if (nodes.isDevice[p] === 1)
        throw new CorruptSnapshot(`nodes.parent[${i}] = ${p} is a device`);
      hasChildren[p] = 1;
    }
  }
  const energySum = new Float64Array(nc);
  const returnedSum = new Float64Array(nc);
  for (let i = 0; i < mc; i++) {
    const d = meters.device[i]!;
    energySum[d]! += meters.energyMwh[i]!;
    returnedSum[d]! += meters.returnedMwh[i]!;
  }
  for (let i = nc - 1; i >= 0; i--) {
    if (nodes.isDevice[i] === 0 && hasChildren[i] === 0)
      throw new CorruptSnapshot(`nodes[${i}] is a group without children`);
    if (energySum[i] !== nodes.energyMwh[i] || returnedSum[i] !== nodes.returnedMwh[i]) {
      throw new CorruptSnapshot(
        `nodes[${i}] (${nodes.name[i]}) totals are not the sum of what is below it`,
      );
    }
    const p = nodes.parent[i]!;
    if (p >= 0) {
      energySum[p]! += nodes.energyMwh[i]!;
      returnedSum[p]! += nodes.returnedMwh[i]!;
    }
  }
  const listed = new Uint8Array(mc);
  let previousKey = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < freshness.meter.length; k++) {
    const meter = freshness.meter[k]!;
    const key = freshness.keyMs[k]!;
    if (listed[meter] === 1 || meters.state[meter] !== 1) {
      throw new CorruptSnapshot(
        `freshness.meter[${k}] = ${meter} is repeated or not an online meter`,
      );
    }
    if (key < previousKey || key > meters.lastSeenTsMs[meter]!)
      throw new CorruptSnapshot(`freshness.keyMs[${k}] is out of order`);
    listed[meter] = 1;
    previousKey = key;
  }
  for (let i = 0; i < mc; i++) {
    if (meters.state[i] === 1 && listed[i] === 0)
      throw new CorruptSnapshot(`meter ${i} is online but not in freshness`);
  }
}
