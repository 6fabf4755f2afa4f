import { MeterColumns, NodeColumns } from "./columns";
import type { CounterTracker } from "./counter-tracker";
import {
  type AnyGrowable,
  GrowableFloat64,
  GrowableInt32,
  GrowableUint8,
  GrowableUint32,
} from "./growable";
import type { MeterEvidence } from "./meter-evidence";
import { resolveOptions } from "./options";
import { type EngineSnapshot, encodeSnapshot } from "./snapshot";

/** A typed array of one captured column (exactly `count` elements). */
export type CapturedColumn = Float64Array | Int32Array | Uint32Array | Uint8Array;

/** The columns of one table of the engine, copied: column name → values. */
export type CapturedColumns = Record<string, CapturedColumn>;

/** Marks a capture; its layout belongs to one release of this package. */
const CAPTURE_KIND = "coreflux.hierarchy.capture.2";

/**
 * The engine's state at one instant, as plain copies of the columns its snapshot encodes (see
 * `EnergyEngine.capture`). Only typed arrays, strings and numbers: it survives the structured
 * clone of `postMessage`, and {@link captureBuffers} lists its buffers for a zero-copy
 * transfer. Its layout is internal to this release: encode it with a {@link CaptureEncoder} (or
 * {@link encodeCapture}) of the same version of `@coreflux/hierarchy`; never store it.
 */
export interface EngineCapture {
  kind: typeof CAPTURE_KIND;
  timeZone: string;
  latestTsMs: number;
  clockMs: number;
  /** The first online meter of the freshness list (-1: none). */
  freshHead: number;
  /**
   * The freshness list's links at the capture's instant, by meter (the next online meter, -1
   * after the tail): copied in one go, walked by the encoder off the engine's thread.
   */
  freshNext: Int32Array;
  /** `name` holds the names of nodes `nameFrom .. count - 1` (the tree only grows). */
  nodes: { count: number; nameFrom: number; name: string[]; columns: CapturedColumns };
  /** `meterId` holds the ids of meters `idFrom .. count - 1`. */
  meters: {
    count: number;
    idFrom: number;
    meterId: string[];
    columns: CapturedColumns;
    active: CapturedColumns;
    returned: CapturedColumns;
    evidence: CapturedColumns;
  };
}

/** What {@link captureEngine} reads from an engine. */
export interface CaptureSource {
  timeZone: string;
  latestTsMs: number;
  clockMs: number;
  nodes: NodeColumns;
  meters: MeterColumns;
  /**
   * Copies the freshness list's `next` links of every meter into `into` (one per meter) and
   * returns the list's head. A copy in one go (0.01-0.1 ms for 200,000 meters) instead of a
   * walk of the list on the engine's thread (1.3-5 ms for 200,000 meters in random order): the
   * encoder walks the copy (before that, the order was built as a number[] and copied: 20-33 ms
   * at 100,000 meters).
   */
  freshNext: (into: Int32Array) => number;
}

// The columns the snapshot encodes, per table; nothing else is copied. A column missing here
// makes `encodeCapture` differ from `snapshot()`, which the snapshot properties test catches.
const NODE_COLUMNS = [
  "parent",
  "energyMwh",
  "returnedMwh",
  "hourKey",
  "hourMwh",
  "dayKey",
  "dayMwh",
  "monthKey",
  "monthMwh",
  "lastUpdateTsMs",
  "availability",
  "bootTsMs",
] as const satisfies readonly (keyof NodeColumns)[];
const METER_COLUMNS = [
  "device",
  "maxPowerW",
  "limitSource",
  "energyMwh",
  "returnedMwh",
  "powerMw",
  "lastSeenTsMs",
  "state",
  "listKeyMs",
] as const satisfies readonly (keyof MeterColumns)[];
const COUNTER_COLUMNS = [
  "refMwh",
  "refSetTsMs",
  "refSeenTsMs",
  "refTimed",
  "allowMwh",
  "seenIntegralMwh",
  "pendingKind",
  "pendingMwh",
  "pendingTsMs",
  "pendingAllowMwh",
  "pendingTimed",
  "pendingAltMwh",
  "pendingAltTsMs",
  "pendingAltAllowMwh",
  "epoch",
  "epochStartTsMs",
  "epochFloorMwh",
  "prevRefMwh",
  "prevSeenTsMs",
  "epochCreditMwh",
  "rateMwhPerMs",
  "flowSeen",
] as const satisfies readonly (keyof CounterTracker)[];
const EVIDENCE_COLUMNS = [
  "lastReportTsMs",
  "counterArrivalTsMs",
  "burstBaseTsMs",
  "queueCounters",
  "clockOffsetMs",
  "hasPower",
  "powerTsMs",
  "sustainedW",
  "importW",
  "exportW",
  "integralMwh",
  "markTsMs",
  "markIntegralMwh",
] as const satisfies readonly (keyof MeterEvidence)[];

const isGrowable = (v: unknown): v is AnyGrowable =>
  v instanceof GrowableFloat64 ||
  v instanceof GrowableInt32 ||
  v instanceof GrowableUint32 ||
  v instanceof GrowableUint8;

/**
 * Columns for the first `count` values of the listed columns of `table`: the buffers of `reuse`
 * where they are large enough (a buffer used before is resident: no page faults), new buffers
 * sized like the live column otherwise (room to grow before the next capture). With `copy`, the
 * values are copied in; otherwise they are filled later (see {@link CaptureInProgress}).
 */
function columnsFor(
  table: object,
  keys: readonly string[],
  count: number,
  reuse: CapturedColumns | undefined,
  copy: boolean,
): CapturedColumns {
  const source = table as Record<string, AnyGrowable>;
  const out: CapturedColumns = {};
  for (const key of keys) {
    const data = source[key]!.data;
    const old = reuse?.[key];
    const Type = data.constructor as new (
      buffer: ArrayBuffer,
      byteOffset: number,
      length: number,
    ) => CapturedColumn;
    const bytes = count * data.BYTES_PER_ELEMENT;
    const buffer =
      old !== undefined && old.constructor === Type && old.buffer.byteLength >= bytes
        ? (old.buffer as ArrayBuffer)
        : new ArrayBuffer(Math.max(data.length, count) * data.BYTES_PER_ELEMENT);
    const column = new Type(buffer, 0, count);
    if (copy) column.set(data.subarray(0, count));
    out[key] = column;
  }
  return out;
}

/** Puts captured values into the growable columns of `table` (a fresh one). */
function fillColumns(
  table: object,
  keys: readonly string[],
  columns: CapturedColumns,
  count: number,
): void {
  const target = table as Record<string, unknown>;
  for (const key of keys) {
    const column = target[key];
    const values = columns[key];
    if (!isGrowable(column) || values === undefined || values.length !== count)
      throw new TypeError(`not a capture of this release (column ${key})`);
    (column as { data: CapturedColumn }).data = values;
  }
}

/**
 * A capture being taken: everything but the meters' values is copied when it begins (the tree's
 * nodes, the freshness order, the names), the meters then {@link step} by step, while the
 * engine goes on. It is the engine's state at the instant it began because the engine calls
 * {@link beforeMeterWrite} before it changes a meter's values: a meter not copied yet is copied
 * then, as it still is. Made by `EnergyEngine.beginCapture`; `captureEngine` takes one whole.
 */
export class CaptureInProgress {
  /** The capture; whole once {@link step} returned true. */
  readonly capture: EngineCapture;
  /** Meters below this are copied. */
  private cursor = 0;
  /** Meters at or above {@link cursor} copied ahead of a change (1), by meter. */
  private readonly copiedAhead: Uint8Array;
  /** The engine's meter columns (their `data` read at each copy: it is replaced as they grow). */
  private readonly sources: AnyGrowable[] = [];
  /** The capture's column for each of {@link sources}. */
  private readonly targets: CapturedColumn[] = [];
  /** Set when the engine began another capture: this one can no longer be completed. */
  private abandoned = false;

  constructor(source: CaptureSource, previous?: EngineCapture) {
    const nodeCount = source.nodes.count;
    const meterCount = source.meters.count;
    const m = source.meters;
    const nameFrom = previous === undefined ? 0 : previous.nodes.count;
    const idFrom = previous === undefined ? 0 : previous.meters.count;
    if (nameFrom > nodeCount || idFrom > meterCount)
      throw new TypeError("the previous capture is not of this engine");
    const oldNext = previous?.freshNext;
    const freshNext =
      oldNext !== undefined && oldNext.buffer.byteLength >= meterCount * 4
        ? new Int32Array(oldNext.buffer as ArrayBuffer, 0, meterCount)
        : new Int32Array(meterCount);
    const freshHead = source.freshNext(freshNext);
    const pm = previous?.meters;
    const meterTables: [object, readonly string[], CapturedColumns | undefined][] = [
      [m, METER_COLUMNS, pm?.columns],
      [m.active, COUNTER_COLUMNS, pm?.active],
      [m.returned, COUNTER_COLUMNS, pm?.returned],
      [m.evidence, EVIDENCE_COLUMNS, pm?.evidence],
    ];
    const [columns, active, returned, evidence] = meterTables.map(([table, keys, reuse]) => {
      const out = columnsFor(table, keys, meterCount, reuse, false);
      for (const key of keys) {
        this.sources.push((table as Record<string, AnyGrowable>)[key]!);
        this.targets.push(out[key]!);
      }
      return out;
    }) as [CapturedColumns, CapturedColumns, CapturedColumns, CapturedColumns];
    this.copiedAhead = new Uint8Array(meterCount);
    this.capture = {
      kind: CAPTURE_KIND,
      timeZone: source.timeZone,
      latestTsMs: source.latestTsMs,
      clockMs: source.clockMs,
      freshHead,
      freshNext,
      nodes: {
        count: nodeCount,
        nameFrom,
        name: source.nodes.name.slice(nameFrom),
        columns: columnsFor(source.nodes, NODE_COLUMNS, nodeCount, previous?.nodes.columns, true),
      },
      meters: {
        count: meterCount,
        idFrom,
        meterId: m.meterId.slice(idFrom),
        columns,
        active,
        returned,
        evidence,
      },
    };
  }

  /** The engine began another capture; called by the engine only. */
  abandon(): void {
    this.abandoned = true;
  }

  /** True once every meter is copied (the capture is whole). */
  get done(): boolean {
    return this.cursor >= this.capture.meters.count;
  }

  /**
   * Copies `meter`'s values now, as they still are, if they are not copied yet: the engine calls
   * it before it changes them. Meters added after the capture began are not part of it.
   */
  beforeMeterWrite(meter: number): void {
    if (meter < this.cursor || meter >= this.capture.meters.count) return;
    if (this.copiedAhead[meter] === 1) return;
    this.copiedAhead[meter] = 1;
    const { sources, targets } = this;
    for (let c = 0; c < sources.length; c++) targets[c]![meter] = sources[c]!.data[meter]!;
  }

  /**
   * Copies up to `maxMeters` more meters (at least one; all by default); true once the capture
   * is whole.
   *
   * @throws TypeError when the engine began another capture since this one (the engine no
   *   longer tells this one about changes, so it could not be the state of its instant).
   */
  step(maxMeters = Number.POSITIVE_INFINITY): boolean {
    if (this.abandoned && !this.done)
      throw new TypeError("this capture was abandoned: the engine began another one");
    const count = this.capture.meters.count;
    const end = Math.min(count, this.cursor + Math.max(1, Math.floor(maxMeters) || 1));
    const ahead = this.copiedAhead;
    const { sources, targets } = this;
    let from = this.cursor;
    while (from < end) {
      // A run of meters not copied ahead: one memory copy per column.
      while (from < end && ahead[from] === 1) from++;
      let to = from;
      while (to < end && ahead[to] !== 1) to++;
      if (to > from) {
        for (let c = 0; c < sources.length; c++)
          targets[c]!.set(sources[c]!.data.subarray(from, to), from);
      }
      from = to;
    }
    this.cursor = end;
    return this.done;
  }
}

/**
 * Copies an engine's columns (a memory copy per column). With `previous` — an earlier capture
 * of the same engine, handed back once encoded — its buffers are reused and only the names
 * added since it are included.
 */
export function captureEngine(source: CaptureSource, previous?: EngineCapture): EngineCapture {
  const taking = new CaptureInProgress(source, previous);
  taking.step();
  return taking.capture;
}

/** The buffers of a capture, for the transfer list of `postMessage` (no copy on the way). */
export function captureBuffers(capture: EngineCapture): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>([capture.freshNext.buffer as ArrayBuffer]);
  const m = capture.meters;
  for (const table of [capture.nodes.columns, m.columns, m.active, m.returned, m.evidence]) {
    for (const column of Object.values(table)) out.add(column.buffer as ArrayBuffer);
  }
  return [...out];
}

/**
 * The online meters of `capture` from the head of its freshness list to the tail (the list's
 * links walked here, on the encoder's thread).
 * @throws TypeError when the links leave the meters or run in a circle (not a capture).
 */
function freshOrderOf(capture: EngineCapture): number[] {
  const next = capture.freshNext;
  const count = capture.meters.count;
  const order: number[] = [];
  for (let meter = capture.freshHead; meter >= 0; meter = next[meter]!) {
    if (meter >= count || order.length === count)
      throw new TypeError("not a capture of this release (freshness links)");
    order.push(meter);
  }
  return order;
}

/**
 * Encodes the captures of one engine into the snapshots `EnergyEngine.snapshot()` would have
 * returned at their instants (the same documents, restorable by `EnergyEngine.restore`). Keeps
 * the node names and meter ids it has seen, so that each capture after the first needs only
 * the new ones (`engine.capture(previous)`). Pure and synchronous: made for a worker thread.
 */
export class CaptureEncoder {
  private readonly names: string[] = [];
  private readonly ids: string[] = [];

  /**
   * The snapshot of `capture`. The capture's arrays stay untouched (hand them back to the
   * engine's thread for reuse).
   *
   * @param views when true, the number columns of nodes and meters are views of the capture's
   *   typed arrays, and the node names this encoder's own array: no copy of them is made. Only for a JSON writer that writes a typed array as an array of numbers and a
   *   number that is not finite as null (`JSON.stringify` does not), before the capture goes
   *   back and before the next `encode`. The text is then the same as `JSON.stringify` of the
   *   snapshot without `views`.
   * @throws TypeError when `capture` is not an {@link EngineCapture} of this release, or does
   *   not follow the captures this encoder has seen.
   */
  encode(capture: EngineCapture, views = false): EngineSnapshot {
    if (capture?.kind !== CAPTURE_KIND)
      throw new TypeError("not an EngineCapture of this release of @coreflux/hierarchy");
    const { nodes: cn, meters: cm } = capture;
    if (cn.nameFrom > this.names.length || cm.idFrom > this.ids.length)
      throw new TypeError("the capture refers to names this encoder has not seen");
    if (cn.nameFrom + cn.name.length !== cn.count || cm.idFrom + cm.meterId.length !== cm.count)
      throw new TypeError("not a capture of this release (name counts)");
    this.names.length = cn.nameFrom;
    for (const name of cn.name) this.names.push(name);
    this.ids.length = cm.idFrom;
    for (const id of cm.meterId) this.ids.push(id);

    const nodes = new NodeColumns();
    const meters = new MeterColumns(resolveOptions());
    // This encoder's own arrays, not copies: the snapshot copies the names (unless `views`)
    // and makes its own meter ids.
    (nodes as { name: string[] }).name = this.names;
    (meters as { meterId: string[] }).meterId = this.ids;
    fillColumns(nodes, NODE_COLUMNS, cn.columns, cn.count);
    fillColumns(meters, METER_COLUMNS, cm.columns, cm.count);
    fillColumns(meters.active, COUNTER_COLUMNS, cm.active, cm.count);
    fillColumns(meters.returned, COUNTER_COLUMNS, cm.returned, cm.count);
    fillColumns(meters.evidence, EVIDENCE_COLUMNS, cm.evidence, cm.count);
    return encodeSnapshot(
      {
        timeZone: capture.timeZone,
        latestTsMs: capture.latestTsMs,
        clockMs: capture.clockMs,
        nodes,
        meters,
        freshOrder: freshOrderOf(capture),
      },
      views,
    );
  }
}

/**
 * Encodes one complete capture (`engine.capture()` without `previous`); see
 * {@link CaptureEncoder} for a series.
 *
 * @throws TypeError when `capture` is not a complete {@link EngineCapture} of this release.
 */
export function encodeCapture(capture: EngineCapture): EngineSnapshot {
  return new CaptureEncoder().encode(capture);
}

/** How many nodes and meters a capture's buffers hold (see {@link captureRoom}). */
export interface CaptureRoom {
  nodes: number;
  meters: number;
}

/**
 * Gives every buffer of `capture` room for `headroom` times its counts, and for at least
 * `room` when given (new buffers, written once so that their memory is resident), so that the
 * next capture of a growing engine copies into memory that is already there instead of faulting
 * fresh pages in on the engine's thread. Call it where the time does not matter: in the
 * worker, after encoding, before handing the capture back.
 */
export function reserveCapture(
  capture: EngineCapture,
  headroom = 1.25,
  room: CaptureRoom = { nodes: 0, meters: 0 },
): void {
  const m = capture.meters;
  const grow = (columns: CapturedColumns, count: number, least: number): void => {
    const want = Math.max(Math.ceil(count * headroom), least);
    for (const [key, column] of Object.entries(columns)) {
      const bytes = want * column.BYTES_PER_ELEMENT;
      if (column.buffer.byteLength >= bytes) continue;
      const buffer = new ArrayBuffer(bytes);
      new Uint8Array(buffer).fill(0);
      const Type = column.constructor as new (
        buffer: ArrayBuffer,
        byteOffset: number,
        length: number,
      ) => CapturedColumn;
      columns[key] = new Type(buffer, 0, column.length);
    }
  };
  grow(capture.nodes.columns, capture.nodes.count, room.nodes);
  for (const table of [m.columns, m.active, m.returned, m.evidence])
    grow(table, m.count, room.meters);
  const links = { freshNext: capture.freshNext };
  grow(links, m.count, room.meters);
  capture.freshNext = links.freshNext;
}

/**
 * The nodes and meters `capture`'s buffers hold: an `engine.capture(previous)` with at most
 * these counts allocates nothing (its copies land in memory already resident).
 */
export function captureRoom(capture: EngineCapture): CaptureRoom {
  const least = (columns: CapturedColumns): number => {
    let out = Number.POSITIVE_INFINITY;
    for (const column of Object.values(columns))
      out = Math.min(out, column.buffer.byteLength / column.BYTES_PER_ELEMENT);
    return out;
  };
  const m = capture.meters;
  return {
    nodes: least(capture.nodes.columns),
    meters: Math.min(
      least(m.columns),
      least(m.active),
      least(m.returned),
      least(m.evidence),
      capture.freshNext.buffer.byteLength / 4,
    ),
  };
}

/**
 * A capture of no nodes and no meters whose buffers hold `room` (resident memory): made where
 * time does not matter (a worker), it serves as the `previous` of an engine's first capture,
 * which then copies into it instead of allocating on the engine's thread. Its first real
 * capture includes every name, as one without `previous` would.
 */
export function emptyCapture(room: CaptureRoom): EngineCapture {
  const capture = captureEngine({
    timeZone: "UTC",
    latestTsMs: Number.NEGATIVE_INFINITY,
    clockMs: Number.NEGATIVE_INFINITY,
    nodes: new NodeColumns(),
    meters: new MeterColumns(resolveOptions()),
    freshNext: (_into) => -1,
  });
  reserveCapture(capture, 1, room);
  return capture;
}
