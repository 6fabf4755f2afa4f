import type { MeterColumns, NodeColumns } from "./columns";
import type { CounterTracker } from "./counter-tracker";

/** Identifies a snapshot document. */
export const SNAPSHOT_FORMAT = "coreflux.hierarchy.snapshot";
/** The snapshot version this release writes and reads. */
export const SNAPSHOT_VERSION = 1;

/** One counter's accounting state per meter (columns; `null` where the engine holds NaN). */
export interface CounterSnapshot {
  refMwh: (number | null)[];
  refSetTsMs: number[];
  refSeenTsMs: number[];
  pendingKind: number[];
  pendingMwh: number[];
  pendingTsMs: number[];
  epoch: number[];
}

/**
 * The engine's state as plain JSON: columns of equal length, indexed by node and by meter.
 * Nodes are listed parents first. Energies are integer mWh, times Unix ms.
 */
export interface EngineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** Time zone the hour/day/month keys were computed in. */
  timeZone: string;
  /** Latest reading time seen; null if none. */
  latestTsMs: number | null;
  nodes: {
    name: string[];
    /** Index of the parent node, -1 for roots. */
    parent: number[];
    /** 1 for a device, 0 for a group. */
    isDevice: number[];
    energyMwh: number[];
    returnedMwh: number[];
    hourKey: number[];
    hourMwh: number[];
    dayKey: number[];
    dayMwh: number[];
    monthKey: number[];
    monthMwh: number[];
    lastUpdateTsMs: (number | null)[];
    /** 0 unknown, 1 online, 2 offline. */
    availability: number[];
    bootTsMs: (number | null)[];
  };
  meters: {
    /** Index of the device node. */
    device: number[];
    meterId: string[];
    energyMwh: number[];
    returnedMwh: number[];
    powerMw: number[];
    lastSeenTsMs: (number | null)[];
    /** 0 stale, 1 online, 2 offline. */
    state: number[];
    active: CounterSnapshot;
    returned: CounterSnapshot;
  };
}

/** Why a snapshot could not be restored. */
export type SnapshotErrorCode = "NOT_A_SNAPSHOT" | "UNSUPPORTED_VERSION" | "CORRUPT_SNAPSHOT";

/** Result of restoring a snapshot: the engine and any warnings, or a typed error. */
export type RestoreResult<E> =
  | { ok: true; engine: E; warnings: string[] }
  | { ok: false; error: { code: SnapshotErrorCode; message: string } };

/** A validated snapshot with nulls turned back into the engine's sentinels. */
export interface DecodedSnapshot {
  timeZone: string;
  latestTsMs: number;
  nodes: {
    name: string[];
    parent: number[];
    isDevice: boolean[];
    energyMwh: number[];
    returnedMwh: number[];
    hourKey: number[];
    hourMwh: number[];
    dayKey: number[];
    dayMwh: number[];
    monthKey: number[];
    monthMwh: number[];
    lastUpdateTsMs: number[];
    availability: number[];
    bootTsMs: number[];
  };
  meters: {
    device: number[];
    meterId: string[];
    energyMwh: number[];
    returnedMwh: number[];
    powerMw: number[];
    lastSeenTsMs: number[];
    state: number[];
    active: DecodedCounter;
    returned: DecodedCounter;
  };
}

interface DecodedCounter {
  refMwh: number[];
  refSetTsMs: number[];
  refSeenTsMs: number[];
  pendingKind: number[];
  pendingMwh: number[];
  pendingTsMs: number[];
  epoch: number[];
}

interface EngineParts {
  timeZone: string;
  latestTsMs: number;
  nodes: NodeColumns;
  meters: MeterColumns;
  isDevice: readonly boolean[];
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

function columnOf(data: ArrayLike<number>, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = data[i]!;
  return out;
}

function nullableColumnOf(data: ArrayLike<number>, count: number): (number | null)[] {
  const out = new Array<number | null>(count);
  for (let i = 0; i < count; i++) out[i] = nullIfNaN(data[i]!);
  return out;
}

function counterOf(t: CounterTracker, count: number): CounterSnapshot {
  return {
    refMwh: nullableColumnOf(t.refMwh.data, count),
    refSetTsMs: columnOf(t.refSetTsMs.data, count),
    refSeenTsMs: columnOf(t.refSeenTsMs.data, count),
    pendingKind: columnOf(t.pendingKind.data, count),
    pendingMwh: columnOf(t.pendingMwh.data, count),
    pendingTsMs: columnOf(t.pendingTsMs.data, count),
    epoch: columnOf(t.epoch.data, count),
  };
}

/** Writes the engine's state as a snapshot document. */
export function encodeSnapshot(parts: EngineParts): EngineSnapshot {
  const n = parts.nodes;
  const m = parts.meters;
  const nc = n.count;
  const mc = m.count;
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    timeZone: parts.timeZone,
    latestTsMs: nullIfNaN(parts.latestTsMs),
    nodes: {
      name: n.name.slice(),
      parent: columnOf(n.parent.data, nc),
      isDevice: parts.isDevice.slice(0, nc).map((d) => (d ? 1 : 0)),
      energyMwh: columnOf(n.energyMwh.data, nc),
      returnedMwh: columnOf(n.returnedMwh.data, nc),
      hourKey: columnOf(n.hourKey.data, nc),
      hourMwh: columnOf(n.hourMwh.data, nc),
      dayKey: columnOf(n.dayKey.data, nc),
      dayMwh: columnOf(n.dayMwh.data, nc),
      monthKey: columnOf(n.monthKey.data, nc),
      monthMwh: columnOf(n.monthMwh.data, nc),
      lastUpdateTsMs: nullableColumnOf(n.lastUpdateTsMs.data, nc),
      availability: columnOf(n.availability.data, nc),
      bootTsMs: nullableColumnOf(n.bootTsMs.data, nc),
    },
    meters: {
      device: columnOf(m.device.data, mc),
      meterId: m.meterId.slice(),
      energyMwh: columnOf(m.energyMwh.data, mc),
      returnedMwh: columnOf(m.returnedMwh.data, mc),
      powerMw: columnOf(m.powerMw.data, mc),
      lastSeenTsMs: nullableColumnOf(m.lastSeenTsMs.data, mc),
      state: columnOf(m.state.data, mc),
      active: counterOf(m.active, mc),
      returned: counterOf(m.returned, mc),
    },
  };
}

/** Thrown inside decoding only; turned into a typed result before it leaves this module. */
class Corrupt extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

type Check = (v: unknown) => boolean;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const energy: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_EXACT;
const signedInteger: Check = (v) => Number.isSafeInteger(v);
const time: Check = (v) => typeof v === "number" && Number.isFinite(v);
const periodKey: Check = (v) => v === -1 || (time(v) && (v as number) >= 0);
const smallEnum =
  (max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
const nonEmptyString: Check = (v) => typeof v === "string" && v.length > 0;

function column(
  owner: Record<string, unknown>,
  where: string,
  key: string,
  length: number,
  check: Check,
  nullable = false,
): unknown[] {
  const value = owner[key];
  if (!Array.isArray(value)) throw new Corrupt(`${where}.${key} is not an array`);
  if (value.length !== length) {
    throw new Corrupt(`${where}.${key} has ${value.length} entries, expected ${length}`);
  }
  for (let i = 0; i < length; i++) {
    const v = value[i];
    if (!(nullable && v === null) && !check(v)) {
      throw new Corrupt(`${where}.${key}[${i}] is invalid: ${JSON.stringify(v)?.slice(0, 40)}`);
    }
  }
  return value;
}

const nanForNull = (values: unknown[], fallback: number): number[] =>
  values.map((v) => (v === null ? fallback : (v as number)));

function decodeCounter(
  meters: Record<string, unknown>,
  key: string,
  count: number,
): DecodedCounter {
  const c = meters[key];
  if (!isRecord(c)) throw new Corrupt(`meters.${key} is not an object`);
  const where = `meters.${key}`;
  return {
    refMwh: nanForNull(column(c, where, "refMwh", count, energy, true), Number.NaN),
    refSetTsMs: column(c, where, "refSetTsMs", count, time) as number[],
    refSeenTsMs: column(c, where, "refSeenTsMs", count, time) as number[],
    pendingKind: column(c, where, "pendingKind", count, smallEnum(2)) as number[],
    pendingMwh: column(c, where, "pendingMwh", count, energy) as number[],
    pendingTsMs: column(c, where, "pendingTsMs", count, time) as number[],
    epoch: column(c, where, "epoch", count, smallEnum(0xffffffff)) as number[],
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
        message: `snapshot version ${JSON.stringify(input.version)?.slice(0, 20)} is not supported (this release reads version ${SNAPSHOT_VERSION})`,
      },
    };
  }
  try {
    return { ok: true, value: decodeV1(input) };
  } catch (error) {
    const message =
      error instanceof Corrupt ? error.message : `unreadable snapshot (${String(error)})`;
    return { ok: false, error: { code: "CORRUPT_SNAPSHOT", message } };
  }
}

function decodeV1(input: Record<string, unknown>): DecodedSnapshot {
  if (typeof input.timeZone !== "string") throw new Corrupt("timeZone is not a string");
  if (!(input.latestTsMs === null || time(input.latestTsMs)))
    throw new Corrupt("latestTsMs is invalid");
  const nodes = input.nodes;
  const meters = input.meters;
  if (!isRecord(nodes)) throw new Corrupt("nodes is not an object");
  if (!isRecord(meters)) throw new Corrupt("meters is not an object");
  if (!Array.isArray(nodes.name)) throw new Corrupt("nodes.name is not an array");
  if (!Array.isArray(meters.meterId)) throw new Corrupt("meters.meterId is not an array");
  const nc = nodes.name.length;
  const mc = meters.meterId.length;

  const name = column(nodes, "nodes", "name", nc, nonEmptyString) as string[];
  const parent = column(nodes, "nodes", "parent", nc, signedInteger) as number[];
  const isDevice = (column(nodes, "nodes", "isDevice", nc, smallEnum(1)) as number[]).map(
    (d) => d === 1,
  );
  const decoded: DecodedSnapshot = {
    timeZone: input.timeZone,
    latestTsMs: input.latestTsMs === null ? Number.NEGATIVE_INFINITY : (input.latestTsMs as number),
    nodes: {
      name,
      parent,
      isDevice,
      energyMwh: column(nodes, "nodes", "energyMwh", nc, energy) as number[],
      returnedMwh: column(nodes, "nodes", "returnedMwh", nc, energy) as number[],
      hourKey: column(nodes, "nodes", "hourKey", nc, periodKey) as number[],
      hourMwh: column(nodes, "nodes", "hourMwh", nc, energy) as number[],
      dayKey: column(nodes, "nodes", "dayKey", nc, periodKey) as number[],
      dayMwh: column(nodes, "nodes", "dayMwh", nc, energy) as number[],
      monthKey: column(nodes, "nodes", "monthKey", nc, periodKey) as number[],
      monthMwh: column(nodes, "nodes", "monthMwh", nc, energy) as number[],
      lastUpdateTsMs: nanForNull(
        column(nodes, "nodes", "lastUpdateTsMs", nc, time, true),
        Number.NaN,
      ),
      availability: column(nodes, "nodes", "availability", nc, smallEnum(2)) as number[],
      bootTsMs: nanForNull(column(nodes, "nodes", "bootTsMs", nc, time, true), Number.NaN),
    },
    meters: {
      device: column(meters, "meters", "device", mc, signedInteger) as number[],
      meterId: column(meters, "meters", "meterId", mc, nonEmptyString) as string[],
      energyMwh: column(meters, "meters", "energyMwh", mc, energy) as number[],
      returnedMwh: column(meters, "meters", "returnedMwh", mc, energy) as number[],
      powerMw: column(meters, "meters", "powerMw", mc, signedInteger) as number[],
      lastSeenTsMs: nanForNull(
        column(meters, "meters", "lastSeenTsMs", mc, time, true),
        Number.NEGATIVE_INFINITY,
      ),
      state: column(meters, "meters", "state", mc, smallEnum(2)) as number[],
      active: decodeCounter(meters, "active", mc),
      returned: decodeCounter(meters, "returned", mc),
    },
  };
  checkStructure(decoded);
  return decoded;
}

/** The tree is well formed and every total is the exact sum of what is below it. */
function checkStructure(s: DecodedSnapshot): void {
  const { nodes, meters } = s;
  const nc = nodes.name.length;
  const siblings = new Map<number, Set<string>>();
  const hasChildren = new Uint8Array(nc);
  for (let i = 0; i < nc; i++) {
    const p = nodes.parent[i]!;
    if (p < -1 || p >= i)
      throw new Corrupt(`nodes.parent[${i}] = ${p} does not name an earlier node`);
    if (p >= 0 && nodes.isDevice[p]) throw new Corrupt(`nodes.parent[${i}] = ${p} is a device`);
    if (p >= 0) hasChildren[p] = 1;
    let names = siblings.get(p);
    if (!names) {
      names = new Set();
      siblings.set(p, names);
    }
    if (names.has(nodes.name[i]!)) throw new Corrupt(`nodes.name[${i}] repeats a sibling's name`);
    names.add(nodes.name[i]!);
  }
  const energySum = new Float64Array(nc);
  const returnedSum = new Float64Array(nc);
  const meterIds = new Map<number, Set<string>>();
  for (let i = 0; i < meters.meterId.length; i++) {
    const d = meters.device[i]!;
    if (!(d >= 0 && d < nc) || !nodes.isDevice[d])
      throw new Corrupt(`meters.device[${i}] = ${d} is not a device`);
    let ids = meterIds.get(d);
    if (!ids) {
      ids = new Set();
      meterIds.set(d, ids);
    }
    if (ids.has(meters.meterId[i]!))
      throw new Corrupt(`meters.meterId[${i}] repeats a meter of its device`);
    ids.add(meters.meterId[i]!);
    energySum[d]! += meters.energyMwh[i]!;
    returnedSum[d]! += meters.returnedMwh[i]!;
  }
  for (let i = nc - 1; i >= 0; i--) {
    if (!nodes.isDevice[i] && !hasChildren[i])
      throw new Corrupt(`nodes[${i}] is a group without children`);
    if (energySum[i] !== nodes.energyMwh[i] || returnedSum[i] !== nodes.returnedMwh[i]) {
      throw new Corrupt(
        `nodes[${i}] (${nodes.name[i]}) totals are not the sum of what is below it`,
      );
    }
    const p = nodes.parent[i]!;
    if (p >= 0) {
      energySum[p]! += nodes.energyMwh[i]!;
      returnedSum[p]! += nodes.returnedMwh[i]!;
    }
  }
}
