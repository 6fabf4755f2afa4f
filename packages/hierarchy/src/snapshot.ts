import type { MeterColumns, NodeColumns } from "./columns";
import type { CounterTracker } from "./counter-tracker";

/** Identifies a snapshot document. */
export const SNAPSHOT_FORMAT = "coreflux.hierarchy.snapshot";
/** The snapshot version this release writes and reads. */
export const SNAPSHOT_VERSION = 1;

/** A column that is mostly its default: the indices that differ, and their values. */
export interface SparseColumn {
  at: number[];
  value: number[];
}

/** Held-back readings of one counter: the meters that have one, with kind, value and time. */
export interface PendingSnapshot {
  at: number[];
  /** 1 a drop to near zero, 2 an implausible jump. */
  kind: number[];
  mwh: number[];
  tsMs: number[];
}

/** The returned-energy counter of the meters that ever reported one. */
export interface ReturnedCounterSnapshot {
  at: number[];
  refMwh: number[];
  refSetTsMs: number[];
  refSeenTsMs: number[];
  epoch: number[];
  pending: PendingSnapshot;
}

/**
 * The engine's state as plain JSON, compact for large fleets: dense columns indexed by node or
 * meter, sparse columns (`{ at, value }`) for what most entries leave at its default, and small
 * dictionaries for repeated values (period keys, meter ids). Nodes are listed parents first;
 * a node is a device exactly when a meter names it. Energies are integer mWh, times Unix ms.
 */
export interface EngineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** Time zone the hour/day/month keys were computed in. */
  timeZone: string;
  /** Latest reading time seen; null if none. */
  latestTsMs: number | null;
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
  pendingKind: Uint8Array;
  pendingMwh: Float64Array;
  pendingTsMs: Float64Array;
  epoch: Uint32Array;
}

/** A validated snapshot, decoded into typed arrays with the engine's sentinels. */
export interface DecodedSnapshot {
  timeZone: string;
  latestTsMs: number;
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
    active: DecodedCounter;
    returned: DecodedCounter;
  };
  freshness: { meter: Int32Array; keyMs: Float64Array };
}

/** What {@link encodeSnapshot} reads from an engine. */
export interface EngineParts {
  timeZone: string;
  latestTsMs: number;
  nodes: NodeColumns;
  meters: MeterColumns;
  /** Online meters from the head of the freshness list to its tail. */
  freshOrder: number[];
}

// ---- encoding ---------------------------------------------------------------------------

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function dense(data: ArrayLike<number>, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = data[i]!;
  return out;
}

function denseOrNull(data: ArrayLike<number>, count: number): (number | null)[] {
  const out = new Array<number | null>(count);
  for (let i = 0; i < count; i++) out[i] = finiteOrNull(data[i]!);
  return out;
}

/** Entries that are not `isDefault`. */
function sparse(
  data: ArrayLike<number>,
  count: number,
  isDefault: (v: number) => boolean,
): SparseColumn {
  const at: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    if (!isDefault(v)) {
      at.push(i);
      value.push(v);
    }
  }
  return { at, value };
}

function pendingOf(t: CounterTracker, meters: readonly number[] | number): PendingSnapshot {
  const out: PendingSnapshot = { at: [], kind: [], mwh: [], tsMs: [] };
  const visit = (i: number) => {
    const kind = t.pendingKind.data[i]!;
    if (kind === 0) return;
    out.at.push(i);
    out.kind.push(kind);
    out.mwh.push(t.pendingMwh.data[i]!);
    out.tsMs.push(t.pendingTsMs.data[i]!);
  };
  if (typeof meters === "number") for (let i = 0; i < meters; i++) visit(i);
  else for (const i of meters) visit(i);
  return out;
}

/** Writes the engine's state as a snapshot document. */
export function encodeSnapshot(parts: EngineParts): EngineSnapshot {
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
    periods,
    nodes: {
      name: n.name.slice(),
      parent: dense(n.parent.data, nc),
      energyMwh: dense(n.energyMwh.data, nc),
      hourPeriod: periodColumn(n.hourKey.data),
      hourMwh: dense(n.hourMwh.data, nc),
      dayPeriod: periodColumn(n.dayKey.data),
      dayMwh: dense(n.dayMwh.data, nc),
      monthPeriod: periodColumn(n.monthKey.data),
      monthMwh: dense(n.monthMwh.data, nc),
      lastUpdateTsMs: denseOrNull(n.lastUpdateTsMs.data, nc),
      returnedMwh: sparse(n.returnedMwh.data, nc, (v) => v === 0),
      availability: sparse(n.availability.data, nc, (v) => v === 0),
      bootTsMs: sparse(n.bootTsMs.data, nc, Number.isNaN),
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
      epoch: sparse(m.active.epoch.data, mc, (v) => v === 0),
      pending: pendingOf(m.active, mc),
      returnedMwh: sparse(m.returnedMwh.data, mc, (v) => v === 0),
      returned: {
        at: withReturned,
        refMwh: pick(r.refMwh.data),
        refSetTsMs: pick(r.refSetTsMs.data),
        refSeenTsMs: pick(r.refSeenTsMs.data),
        epoch: pick(r.epoch.data),
        pending: pendingOf(r, withReturned),
      },
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
): void {
  const p = recordAt(owner, where, "pending");
  const w = `${where}.pending`;
  const at = arrayAt(p, w, "at");
  const kind = arrayAt(p, w, "kind", at.length);
  const mwh = arrayAt(p, w, "mwh", at.length);
  const tsMs = arrayAt(p, w, "tsMs", at.length);
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
  }
}

function emptyCounter(count: number): DecodedCounter {
  const refMwh = new Float64Array(count);
  refMwh.fill(Number.NaN);
  return {
    refMwh,
    refSetTsMs: new Float64Array(count),
    refSeenTsMs: new Float64Array(count),
    pendingKind: new Uint8Array(count),
    pendingMwh: new Float64Array(count),
    pendingTsMs: new Float64Array(count),
    epoch: new Uint32Array(count),
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
  if (input.version !== SNAPSHOT_VERSION) {
    return {
      ok: false,
      error: {
        code: "UNSUPPORTED_VERSION",
        message: `snapshot version ${String(JSON.stringify(input.version)).slice(0, 20)} is not supported (this release reads version ${SNAPSHOT_VERSION})`,
      },
    };
  }
  try {
    return { ok: true, value: decodeV1(input) };
  } catch (error) {
    const message =
      error instanceof CorruptSnapshot ? error.message : `unreadable snapshot (${String(error)})`;
    return { ok: false, error: { code: "CORRUPT_SNAPSHOT", message } };
  }
}

function decodeV1(input: Record<string, unknown>): DecodedSnapshot {
  if (typeof input.timeZone !== "string") throw new CorruptSnapshot("timeZone is not a string");
  const latest = input.latestTsMs;
  if (!(latest === null || (typeof latest === "number" && Number.isFinite(latest)))) {
    throw new CorruptSnapshot("latestTsMs is invalid");
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

  const parent = new Int32Array(nc);
  ints(N("parent"), "nodes.parent", parent, -1, nc - 1);
  const energyMwh = new Float64Array(nc);
  energies(N("energyMwh"), "nodes.energyMwh", energyMwh);
  const periodColumn = (key: string): Float64Array => {
    const index = new Int32Array(nc);
    ints(N(key), `nodes.${key}`, index, -1, periods.length - 1);
    const out = new Float64Array(nc);
    for (let i = 0; i < nc; i++) out[i] = index[i]! < 0 ? -1 : periods[index[i]!]!;
    return out;
  };
  const energyColumn = (key: string): Float64Array => {
    const out = new Float64Array(nc);
    energies(N(key), `nodes.${key}`, out);
    return out;
  };
  const lastUpdateTsMs = new Float64Array(nc);
  times(N("lastUpdateTsMs"), "nodes.lastUpdateTsMs", lastUpdateTsMs, Number.NaN);
  const returnedMwh = new Float64Array(nc);
  sparseInto(nodes, "nodes", "returnedMwh", returnedMwh, isEnergy);
  const availability = new Uint8Array(nc);
  sparseInto(nodes, "nodes", "availability", availability, (v) => v === 1 || v === 2);
  const bootTsMs = new Float64Array(nc).fill(Number.NaN);
  sparseInto(nodes, "nodes", "bootTsMs", bootTsMs, isFiniteNumber);

  const meterIdIndex = new Int32Array(mc);
  ints(meterIdColumn, "meters.meterId", meterIdIndex, 0, ids.length - 1);
  const meterId = new Array<string>(mc);
  for (let i = 0; i < mc; i++) meterId[i] = ids[meterIdIndex[i]!] as string;
  const device = new Int32Array(mc);
  ints(M("device"), "meters.device", device, 0, nc - 1);
  const meterEnergy = new Float64Array(mc);
  energies(M("energyMwh"), "meters.energyMwh", meterEnergy);
  const powerMw = new Float64Array(mc);
  ints(M("powerMw"), "meters.powerMw", powerMw, -MAX_EXACT, MAX_EXACT);
  const lastSeenTsMs = new Float64Array(mc);
  times(M("lastSeenTsMs"), "meters.lastSeenTsMs", lastSeenTsMs, Number.NEGATIVE_INFINITY);
  const state = new Uint8Array(mc);
  ints(M("state"), "meters.state", state, 0, 2);
  const meterReturned = new Float64Array(mc);
  sparseInto(meters, "meters", "returnedMwh", meterReturned, isEnergy);

  const active = emptyCounter(mc);
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
  pendingInto(meters, "meters", active, undefined, mc);

  const returned = emptyCounter(mc);
  const r = recordAt(meters, "meters", "returned");
  const at = arrayAt(r, "meters.returned", "at");
  const rAt = new Int32Array(at.length);
  ints(at, "meters.returned.at", rAt, 0, mc - 1);
  const column = (key: string) => arrayAt(r, "meters.returned", key, at.length);
  const refs = new Float64Array(at.length);
  ints(column("refMwh"), "meters.returned.refMwh", refs, 0, MAX_EXACT);
  const sets = new Float64Array(at.length);
  times(column("refSetTsMs"), "meters.returned.refSetTsMs", sets);
  const seens = new Float64Array(at.length);
  times(column("refSeenTsMs"), "meters.returned.refSeenTsMs", seens);
  const epochs = new Uint32Array(at.length);
  ints(column("epoch"), "meters.returned.epoch", epochs, 0, 0xffffffff);
  for (let k = 0; k < at.length; k++) {
    const i = rAt[k]!;
    returned.refMwh[i] = refs[k]!;
    returned.refSetTsMs[i] = sets[k]!;
    returned.refSeenTsMs[i] = seens[k]!;
    returned.epoch[i] = epochs[k]!;
  }
  pendingInto(r, "meters.returned", returned, [], mc);

  const freshMeters = arrayAt(freshness, "freshness", "meter");
  const freshOrder = new Int32Array(freshMeters.length);
  ints(freshMeters, "freshness.meter", freshOrder, 0, mc - 1);
  const keyMs = new Float64Array(freshMeters.length);
  times(arrayAt(freshness, "freshness", "keyMs", freshMeters.length), "freshness.keyMs", keyMs);

  const isDevice = new Uint8Array(nc);
  for (let i = 0; i < mc; i++) isDevice[device[i]!] = 1;

  const decoded: DecodedSnapshot = {
    timeZone: input.timeZone,
    latestTsMs: latest === null ? Number.NEGATIVE_INFINITY : latest,
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
      active,
      returned,
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
