import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonChunks } from "../json-chunks";
import { toStateDocument } from "../state-document";
import { readState, STATE_FORMAT, writeState, writeStateSync } from "../state-store";
import { historyToFile } from "./history-file";
import { PackedHistoryJson } from "./packed-history-json";
import {
  LEDGER_STRIDE,
  type PackedHistoryState,
  PathTable,
  packBatch,
  ROW_ADDITIVE,
  ROW_ONLINE,
  ROW_STRIDE,
  unpackHistoryState,
} from "./packed-state";
import { PeriodLedger } from "./period-ledger";

const M = 60_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0);
const dir = mkdtempSync(join(tmpdir(), "coreflux-history-json-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small deterministic generator (mulberry32): the same states on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Numbers of every kind a packed state can hold, `NaN` (null or absent) among them. */
function someNumber(next: () => number): number {
  const kinds = [
    () => Math.floor(next() * 1e6),
    () => 2 ** 53 - 1 - Math.floor(next() * 10),
    () => next() * 5000,
    () => -0,
    () => Number.NaN,
    () => 0,
    () => 1e21 + next(),
    () => -Math.floor(next() * 1000),
  ];
  return kinds[Math.floor(next() * kinds.length)]!();
}

/** A packed state with arbitrary numbers, paths that need escaping, and batches of any size. */
function randomState(seed: number, entries: number, batches: number[]): PackedHistoryState {
  const next = random(seed);
  const paths = [
    "",
    "Porto",
    'Porto/"Quoted"\\Room',
    "Lisboa/Café ☕/Tomada",
    "x\u2028y",
    "\ud800",
  ];
  const ledgerPath = new Int32Array(entries);
  const ledgerValues = new Float64Array(entries * LEDGER_STRIDE);
  for (let i = 0; i < entries; i++) {
    ledgerPath[i] = Math.floor(next() * paths.length);
    for (let k = 0; k < LEDGER_STRIDE; k++) ledgerValues[i * LEDGER_STRIDE + k] = someNumber(next);
  }
  const queue = batches.map((rows, b) => {
    const path = new Int32Array(rows);
    const values = new Float64Array(rows * ROW_STRIDE);
    for (let i = 0; i < rows; i++) {
      path[i] = Math.floor(next() * paths.length);
      for (let k = 0; k < ROW_STRIDE; k++) values[i * ROW_STRIDE + k] = someNumber(next);
      values[i * ROW_STRIDE + ROW_ADDITIVE] = next() < 0.5 ? 1 : 0;
      // The devices by state are all numbers or all absent.
      if (next() < 0.3) values[i * ROW_STRIDE + ROW_ONLINE] = Number.NaN;
    }
    return { seq: 10 + b, path, values };
  });
  return {
    packed: true,
    paths,
    pathsFrom: 0,
    ledger: {
      slotMs: M,
      floorMs: T0,
      nextSeq: 10 + batches.length,
      path: ledgerPath,
      values: ledgerValues,
    },
    queue,
    spilledThroughSeq: 9,
  };
}

const text = (value: unknown, batchElements?: number) =>
  [...jsonChunks(value, batchElements)].join("");

describe("a packed history written from its arrays", () => {
  it("is exactly the text of the unpacked state in the file's form, in batches of any size", () => {
    for (const [seed, entries, batches] of [
      [1, 0, []],
      [2, 1, [0]],
      [3, 7, [1, 5, 0]],
      [4, 300, [257, 1, 64]],
    ] as const) {
      const packed = randomState(seed, entries, [...batches]);
      const expected = JSON.stringify(historyToFile(unpackHistoryState(packed)));
      const json = new PackedHistoryJson(packed);
      for (const batchElements of [1, 2, 3, 64, 4096]) {
        expect(text(json, batchElements)).toBe(expected);
      }
      // JSON.stringify itself sees the same state (through toJSON).
      expect(JSON.stringify(json)).toBe(expected);
    }
  });

  it("leaves out a spilled-through mark the state does not have, as JSON.stringify does", () => {
    const packed = randomState(5, 3, [2]);
    const without = { ...packed, spilledThroughSeq: undefined as unknown as number };
    const expected = JSON.stringify(historyToFile(unpackHistoryState(without)));
    expect(expected).not.toContain("spilledThroughSeq");
    expect(text(new PackedHistoryJson(without), 2)).toBe(expected);
  });

  it("writes a state file byte for byte as the unpacked state does, and reads back the same", async () => {
    // A real ledger and a batch it cut (restored values, observations, additive rows).
    const table = new PathTable();
    const ledger = new PeriodLedger(M, T0 - M, undefined, table);
    for (let d = 0; d < 5000; d++) {
      const path = [`O${d % 7}/R${d % 50}/D${d}`, `O${d % 7}/R${d % 50}`, `O${d % 7}`, ""];
      ledger.credit(path, T0 + (d % 3) * M, 1 + d * 37, d % 11);
      if (d % 4 === 0)
        ledger.observe(path[0]!, T0 + d, d * 0.25, { online: 1, stale: 0, offline: 0 });
    }
    const batch = ledger.cut(T0 + 3 * M)!;
    const packed: PackedHistoryState = {
      packed: true,
      paths: table.paths,
      pathsFrom: 0,
      ledger: ledger.pack(),
      queue: [packBatch(batch, table)],
      spilledThroughSeq: 3,
    };
    const meta = { savedAtMs: T0, company: "Acme", journalSeq: 42, history: packed };
    const engine = { nodes: [1, 2, 3] };
    const plainPath = join(dir, "plain.json");
    const packedPath = join(dir, "packed.json");
    const syncPath = join(dir, "sync.json");
    await writeState(
      plainPath,
      toStateDocument({ ...meta, history: unpackHistoryState(packed) }, engine),
    );
    await writeState(packedPath, toStateDocument(meta, engine));
    writeStateSync(syncPath, toStateDocument(meta, engine));
    const plainBytes = readFileSync(plainPath);
    expect(plainBytes.length).toBeGreaterThan(500_000);
    expect(readFileSync(packedPath).equals(plainBytes)).toBe(true);
    expect(readFileSync(syncPath).equals(plainBytes)).toBe(true);
    const loaded = readState(packedPath, T0);
    expect(loaded.kind === "ok" && loaded.state.version).toBe(2);
    if (loaded.kind === "ok") expect(loaded.state.history).toEqual(unpackHistoryState(packed));
    // The same state as an earlier release wrote it (version 1, rows as objects) still loads,
    // to the same history, from a file about three times as large.
    const v1Path = join(dir, "v1.json");
    const v1 = {
      ...JSON.parse(plainBytes.toString()),
      version: 1,
      history: unpackHistoryState(packed),
    };
    writeFileSync(v1Path, JSON.stringify(v1));
    expect(plainBytes.length).toBeLessThan(0.5 * statSync(v1Path).size);
    const loadedV1 = readState(v1Path, T0);
    expect(loadedV1.kind === "ok" && loadedV1.state.history).toEqual(unpackHistoryState(packed));
  });

  it("writes a state without a history as version 1, which earlier releases read", async () => {
    const path = join(dir, "plain-v1.json");
    await writeState(path, toStateDocument({ savedAtMs: T0, company: "Acme" }, {}));
    expect(JSON.parse(readFileSync(path, "utf8")).version).toBe(1);
  });

  it("moves aside a version 2 file whose history rows are not rows, saying which", () => {
    const good = JSON.stringify({
      ledger: { slotMs: M, floorMs: T0, nextSeq: 8, entries: [] },
      queue: [
        {
          seq: 7,
          rows: [
            ["a", T0, 2, 0, 2, 0, 0, null, null, null, null, null],
            ["a/b", T0, 5, 1, 5, 1, 1, 7.5, 1, 0, 0, T0 + 9],
            ["", T0, 7, 1, 7, 1, 0, 12, 1, 1, 0, T0 + 9],
          ],
        },
      ],
      spilledThroughSeq: 0,
    });
    const goodPath = join(dir, "good.json");
    const goodDoc = `{"format":"${STATE_FORMAT}","version":2,"savedAtMs":${T0},"company":"Acme","engine":{},"history":${good}}`;
    writeFileSync(goodPath, goodDoc);
    const loaded = readState(goodPath, T0);
    expect(loaded.kind === "ok" && loaded.state.history?.queue[0]?.rows[1]).toEqual({
      path: "a/b",
      periodStartMs: T0,
      energyMwh: 5,
      returnedEnergyMwh: 1,
      energyDeltaMwh: 5,
      returnedEnergyDeltaMwh: 1,
      additive: true,
      peakPowerW: 7.5,
      devices: { online: 1, stale: 0, offline: 0 },
      observedAtMs: T0 + 9,
    });
    const cases: [string, (h: { queue: { rows: unknown[] }[] }) => void][] = [
      ["row 1 is not", (h) => h.queue[0]!.rows.splice(1, 1, { path: "a" })],
      ["row 0 is not", (h) => ((h.queue[0]!.rows[0] as unknown[])[2] = null)],
      ["row 2 is not", (h) => ((h.queue[0]!.rows[2] as unknown[])[6] = true)],
      ["row 0 is not", (h) => (h.queue[0]!.rows[0] as unknown[]).push(1)],
      ["batch 0 is not", (h) => (h.queue[0] = null as never)],
    ];
    for (const [reason, spoil] of cases) {
      const history = JSON.parse(good);
      spoil(history);
      const path = join(dir, "spoiled.json");
      const doc = {
        format: STATE_FORMAT,
        version: 2,
        savedAtMs: T0,
        company: "Acme",
        engine: {},
        history,
      };
      writeFileSync(path, JSON.stringify(doc));
      const loaded = readState(path, T0);
      expect(loaded.kind).toBe("corrupt");
      if (loaded.kind === "corrupt") {
        expect(loaded.reason).toContain("invalid history section");
        expect(loaded.reason).toContain(reason);
        rmSync(loaded.movedTo);
      }
    }
  });

  it("needs the whole path table, as unpacking does", () => {
    const packed = { ...randomState(6, 1, []), pathsFrom: 2 };
    expect(() => new PackedHistoryJson(packed)).toThrow(/paths from 0/);
  });
});
