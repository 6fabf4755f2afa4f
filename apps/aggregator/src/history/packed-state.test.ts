import { type HistoryBatch, isRowSource } from "@coreflux/history";
import { describe, expect, it } from "vitest";
import type { HistoryState } from "./history-output";
import { mergeBatches } from "./merge-batches";
import {
  BufferPool,
  isPackedHistoryState,
  PackedBatch,
  type PackedHistoryState,
  PathTable,
  packBatch,
  packedBuffers,
  poolServes,
  ReceivedPaths,
  reserveBuffers,
  unpackHistoryState,
} from "./packed-state";
import { PeriodLedger } from "./period-ledger";

const M = 60_000;
const T0 = Date.UTC(2026, 10, 3, 9, 0);
const DEVICE = ["Porto/Kitchen/Plug", "Porto/Kitchen", "Porto", ""];
const OTHER = ["Lisbon/Lab/Em", "Lisbon/Lab", "Lisbon", ""];

/** A packed state of `ledger` and `queue` with every path of `table`. */
function packedState(
  table: PathTable,
  ledger: PackedHistoryState["ledger"],
  queue: HistoryBatch[] = [],
  spilledThroughSeq = 0,
): PackedHistoryState {
  return {
    packed: true,
    paths: table.paths,
    pathsFrom: 0,
    ledger,
    queue: queue.map((b) => packBatch(b, table)),
    spilledThroughSeq,
  };
}

/** A ledger that went through credits, observations, late energy and a restore. */
function scenario(): { ledger: PeriodLedger; queue: HistoryBatch[]; table: PathTable } {
  const table = new PathTable();
  const first = new PeriodLedger(M, T0 - M);
  first.credit(DEVICE, T0, 500, 20);
  first.observe("Porto", T0 + 1000, 812.25, { online: 2, stale: 1, offline: 0 });
  const b1 = first.cut(T0 + 10_000)!;
  // Restored from the file: nulls where nothing was observed.
  const ledger = new PeriodLedger(
    M,
    T0 + 20_000,
    JSON.parse(JSON.stringify(first.snapshot())),
    table,
  );
  ledger.credit(OTHER, T0 + M, 7, 0);
  ledger.observe("Lisbon/Lab/Em", T0 + M + 500, 0, { online: 0, stale: 0, offline: 1 });
  ledger.credit(DEVICE, T0 + 2 * M, 40, 0);
  const b2 = ledger.cut(T0 + 2 * M + 10_000)!;
  // Energy for a period no longer tracked: additive rows without peak or states.
  ledger.credit(OTHER, T0 - 5 * M, 3, 1);
  const b3 = ledger.cut(T0 + 2 * M + 20_000)!;
  // b1 as a state file gives it back and the merged one (indexed in a table of its own: looked
  // up anew when packed), b3 as its ledger cut it (indexed in the table packed with).
  const merged = mergeBatches([b2, b3], new PathTable());
  return { ledger, queue: [{ seq: b1.seq, rows: b1.rows }, merged, b3], table };
}

describe("packed history state", () => {
  it("unpacks to exactly the state it was packed from, as the file holds it", () => {
    const { ledger, queue, table } = scenario();
    const packed = packedState(table, ledger.pack(), queue, 4);
    const plain: HistoryState = {
      ledger: ledger.snapshot(),
      queue: queue.map((b) => ({ seq: b.seq, rows: b.rows })),
      spilledThroughSeq: 4,
    };
    expect(queue[1]!.rows.some((r) => r.additive)).toBe(true);
    expect(plain.ledger.entries.some((e) => e[4] === null)).toBe(true);
    // Each path once, however many entries and rows name it.
    expect(new Set(packed.paths).size).toBe(packed.paths.length);
    expect(isPackedHistoryState(packed)).toBe(true);
    expect(isPackedHistoryState(plain)).toBe(false);
    // Through a thread boundary (structured clone), as the state writer sends it.
    const unpacked = unpackHistoryState(structuredClone(packed));
    expect(unpacked).toEqual(plain);
    expect(JSON.stringify(unpacked)).toBe(JSON.stringify(plain));
  });

  it("keeps large integers and fractional powers exact", () => {
    const table = new PathTable();
    const ledger = new PeriodLedger(M, T0 - M, undefined, table);
    const big = 2 ** 52 + 1;
    ledger.credit(["a"], T0, big, 0);
    ledger.observe("a", T0 + 1, 1234.567, { online: 1, stale: 0, offline: 0 });
    const batch = ledger.cut(T0 + 2)!;
    const state = unpackHistoryState(packedState(table, ledger.pack(), [batch]));
    expect(state.queue[0]!.rows[0]!.energyMwh).toBe(big);
    expect(state.queue[0]!.rows[0]!.peakPowerW).toBe(1234.567);
    expect(state.ledger.entries[0]![2]).toBe(big);
  });

  it("sends each path once: the receiving thread completes the table, and a gap starts it over", () => {
    const received = new ReceivedPaths();
    const state = (paths: string[], pathsFrom: number): PackedHistoryState => ({
      packed: true,
      paths,
      pathsFrom,
      ledger: {
        slotMs: M,
        floorMs: T0,
        nextSeq: 1,
        path: new Int32Array(),
        values: new Float64Array(),
      },
      queue: [],
      spilledThroughSeq: 0,
    });
    expect(received.complete(state(["", "Porto"], 0)).paths).toEqual(["", "Porto"]);
    const next = received.complete(state(["Porto/Kitchen"], 2));
    expect(next.paths).toEqual(["", "Porto", "Porto/Kitchen"]);
    expect(next.pathsFrom).toBe(0);
    // A write that never arrived: the table cannot be completed, and nothing is kept.
    expect(() => received.complete(state(["Lisbon"], 5))).toThrow(/send them all again/);
    expect(() => received.complete(state(["x"], 3))).toThrow();
    expect(received.complete(state(["", "Lisbon"], 0)).paths).toEqual(["", "Lisbon"]);
    expect(() => unpackHistoryState(state(["y"], 1))).toThrow(/paths from 0/);
  });

  it("fills buffers handed back before taking new memory", () => {
    const small = new ArrayBuffer(64);
    const large = new ArrayBuffer(8_000);
    const pool = new BufferPool([large, small]);
    // The smallest spare that fits.
    expect(pool.float64(4).buffer).toBe(small);
    expect(pool.float64(900).buffer).toBe(large);
    // None left: new memory, with room to grow.
    const fresh = pool.int32(10);
    expect(fresh.length).toBe(10);
    expect(fresh.buffer.byteLength).toBeGreaterThanOrEqual(50);
  });
});

describe("buffers reserved ahead for a packed state", () => {
  /** Takes `needs` from a pool over `buffers`: true when every array landed on one of them. */
  const servedWithout = (buffers: ArrayBuffer[], needs: number[]): boolean => {
    const pool = new BufferPool(buffers);
    return needs.every((bytes) => buffers.includes(pool.int32(bytes / 4).buffer as ArrayBuffer));
  };

  it("serves every request from the spare buffers plus one new buffer per request none was left for", () => {
    // Deterministic pseudo-random sizes (multiples of 8, as the packed arrays ask).
    let x = 20_261_206;
    const next = (n: number) => {
      x = (x * 1_103_515_245 + 12_345) >>> 0;
      return x % n;
    };
    for (let round = 0; round < 200; round++) {
      const spare = Array.from({ length: next(6) }, () => new ArrayBuffer(8 * (1 + next(400))));
      const needs = Array.from({ length: 1 + next(7) }, () => 8 * (1 + next(500)));
      const served = poolServes(spare, needs);
      const buffers = reserveBuffers(spare, needs);
      // The spare buffers are all kept; new ones only where the pool would have taken new memory.
      expect(buffers.slice(0, spare.length)).toEqual(spare);
      expect(buffers.length === spare.length).toBe(served);
      expect(poolServes(buffers, needs)).toBe(true);
      // A real pool takes no new memory, in the order asked and in any other.
      expect(servedWithout(buffers, needs)).toBe(true);
      expect(servedWithout(buffers, [...needs].reverse())).toBe(true);
      expect(
        servedWithout(
          buffers,
          [...needs].sort((a, b) => a - b),
        ),
      ).toBe(true);
    }
  });

  it("makes new buffers a quarter larger than asked and resident (written once)", () => {
    const [fresh] = reserveBuffers([], [800]);
    expect(fresh!.byteLength).toBe(1_000);
    expect(new Uint8Array(fresh!).every((b) => b === 0)).toBe(true);
    expect(poolServes([new ArrayBuffer(799)], [800])).toBe(false);
    expect(poolServes([new ArrayBuffer(800)], [800])).toBe(true);
    // Two requests cannot share one buffer.
    expect(poolServes([new ArrayBuffer(1_600)], [800, 800])).toBe(false);
  });

  it("sends the buffers a packing did not use along with the state, so they come back", () => {
    const { ledger, table } = scenario();
    const unused = new ArrayBuffer(1 << 20);
    const pool = new BufferPool([unused]);
    const state = packedState(table, ledger.pack(new BufferPool()));
    const withSpare = { ...state, spareBuffers: pool.remaining() };
    expect(packedBuffers(withSpare)).toContain(unused);
    expect(unpackHistoryState(withSpare)).toEqual(unpackHistoryState(state));
  });
});

describe("packed batch", () => {
  it("gives the same rows at once and one at a time, and counts them without making them", () => {
    const table = new PathTable();
    const ledger = new PeriodLedger(M, T0 - M, undefined, table);
    for (let d = 0; d < 30; d++) {
      ledger.credit([`O/R/P${d}`, "O/R", "O", ""], T0, d + 1, d % 3);
      ledger.observe(`O/R/P${d}`, T0 + 10, d * 1.5, { online: 1, stale: 0, offline: 0 });
    }
    ledger.credit(["O/R/P0", "O/R", "O", ""], T0 - 10 * M, 4, 0);
    const batch = ledger.cut(T0 + 20)!;
    const twin = ledger.snapshot();
    expect(batch.size).toBe(30 + 3 + 4);
    const alone = new PackedBatch(batch.seq, batch.pathIndex, batch.values, table.paths);
    const oneByOne = Array.from({ length: alone.size }, (_, i) => alone.row(i));
    expect(oneByOne).toEqual(batch.rows);
    expect(Array.from({ length: alone.size }, (_, i) => alone.path(i))).toEqual(
      batch.rows.map((r) => r.path),
    );
    expect(isRowSource(alone)).toBe(true);
    expect(batch.rows.filter((r) => r.additive).map((r) => [r.path, r.energyMwh])).toEqual([
      ["O/R/P0", 4],
      ["O/R", 4],
      ["O", 4],
      ["", 4],
    ]);
    expect(batch.rows.find((r) => r.path === "O/R/P2")).toEqual({
      path: "O/R/P2",
      periodStartMs: T0,
      energyMwh: 3,
      returnedEnergyMwh: 2,
      energyDeltaMwh: 3,
      returnedEnergyDeltaMwh: 2,
      additive: false,
      peakPowerW: 3,
      devices: { online: 1, stale: 0, offline: 0 },
      observedAtMs: T0 + 10,
    });
    // Packed for the writer's thread: copied as is, unpacked to the same rows.
    const state = unpackHistoryState(packedState(table, ledger.pack(), [batch]));
    expect(state.queue[0]!.rows).toEqual(batch.rows);
    expect(state.ledger).toEqual(twin);
  });
});

describe("packed ledger", () => {
  it("stays what the entries say through cuts, new periods (entries dropped) and a restore", () => {
    const table = new PathTable();
    let ledger = new PeriodLedger(M, T0 - M, undefined, table);
    /** What the absolute rows cut so far say, by "slot|path". */
    const model = new Map<string, number>();
    const paths = (d: number) => [
      `O${d % 3}/R${d % 5}/P${d}`,
      `O${d % 3}/R${d % 5}`,
      `O${d % 3}`,
      "",
    ];
    let nowMs = T0;
    for (let step = 0; step < 40; step++) {
      nowMs += 17_000;
      for (let d = step % 4; d < 60; d += 4) {
        const slot = Math.floor(nowMs / M) * M - (d % 7 === 0 ? M : 0);
        ledger.credit(paths(d), slot, d + step, 0, d);
        if (d % 5 === 0)
          ledger.observe(paths(d)[0]!, nowMs, d, { online: 1, stale: 0, offline: 0 }, d);
      }
      const batch = ledger.cut(nowMs);
      for (const r of batch?.rows ?? []) {
        if (!r.additive) model.set(`${r.periodStartMs}|${r.path}`, r.energyMwh);
      }
      const packed = ledger.pack();
      const state = unpackHistoryState(packedState(table, packed));
      const have = state.ledger.entries.map((e) => `${e[1]}|${e[0]}=${e[2]}`).sort();
      const want = [...model]
        .filter(([k]) => Number(k.split("|")[0]) >= packed.floorMs)
        .map(([k, v]) => `${k}=${v}`)
        .sort();
      expect(have).toEqual(want);
      expect(state.ledger).toEqual(ledger.snapshot());
      // Every tenth step, go on from the state file instead.
      if (step % 10 === 9) {
        ledger = new PeriodLedger(M, nowMs, JSON.parse(JSON.stringify(state.ledger)), table);
      }
    }
  });
});
