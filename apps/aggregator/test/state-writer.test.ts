import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnergyEngine } from "@coreflux/hierarchy";
import { afterEach, describe, expect, it } from "vitest";
import { rowToArray } from "../src/history/history-file";
import type { HistoryState } from "../src/history/history-output";
import {
  BufferPool,
  type PackedHistoryState,
  PathTable,
  packBatch,
  poolServes,
} from "../src/history/packed-state";
import { PeriodLedger } from "../src/history/period-ledger";
import { type StateMeta, toStateDocument } from "../src/state-document";
import { readState, STATE_FORMAT, writeStateSync } from "../src/state-store";
import {
  nextStateWriteMs,
  STATE_WRITE_REST_RATIO,
  StateWriter,
  writerOldGenerationMb,
  writerYoungGenerationMb,
} from "../src/state-writer";
import { threadNices } from "./harness";

// The worker's script exists once the package is built (the test task builds it first).
const WORKER = new URL("../dist/state-writer-worker.js", import.meta.url);
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

/** The history a state file holds, as the service restores it (rows as objects). */
function historyIn(path: string): HistoryState | undefined {
  const loaded = readState(path, T0);
  if (loaded.kind !== "ok") throw new Error(`state file ${loaded.kind}`);
  return loaded.state.history;
}

const dirs: string[] = [];
const writers: StateWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A writer of `state.json` in a new temporary folder (both cleaned up after the test). */
function writerInTempDir(
  workerUrl: URL,
  oldGenerationMb?: number,
): { dir: string; path: string; writer: StateWriter } {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-state-writer-"));
  dirs.push(dir);
  const path = join(dir, "state.json");
  const writer = new StateWriter(path, workerUrl, oldGenerationMb);
  writers.push(writer);
  return { dir, path, writer };
}

function fleet(devices: number): { engine: EnergyEngine; handles: number[] } {
  const engine = new EnergyEngine({ timeZone: "Europe/Lisbon" });
  const handles: number[] = [];
  for (let i = 0; i < devices; i++) {
    const found = engine.meter(["Co", `Office${i % 3}`, `Room${i % 7}`, `Plug${i}`], "switch:0");
    if (found.ok !== true) throw new Error("meter refused");
    handles.push(found.meter);
  }
  return { engine, handles };
}

const meta = (journalSeq: number): StateMeta => ({
  savedAtMs: T0,
  company: "Co",
  journalSeq,
});

describe("state writer thread", () => {
  it("writes in a worker the state the engine had when write() was called, through a growing fleet", async () => {
    const { path, writer } = writerInTempDir(WORKER);
    expect(writer.inWorker).toBe(true);
    const { engine, handles } = fleet(50);
    for (let round = 0; round < 4; round++) {
      for (const [i, h] of handles.entries())
        engine.ingestValues(h, T0 + round * 60_000, 100 + i + round * 0.25, 15);
      // More devices each round: the names sent grow, the buffers are reused or regrown.
      for (let k = 0; k < 40; k++) {
        const found = engine.meter(["Co", "Annex", `Room${round}`, `Heater${k}`], "switch:0");
        if (found.ok !== true) throw new Error("meter refused");
        handles.push(found.meter);
      }
      const expected = JSON.parse(JSON.stringify(engine.snapshot()));
      const written = writer.write(engine, meta(round + 1));
      // The engine moves on before the thread is done; the file holds the instant of write().
      for (const [i, h] of handles.entries())
        engine.ingestValues(h, T0 + round * 60_000 + 30_000, 100 + i + round * 0.25 + 0.1, 15);
      await written;
      const document = JSON.parse(readFileSync(path, "utf8"));
      expect(document).toMatchObject({
        format: STATE_FORMAT,
        company: "Co",
        journalSeq: round + 1,
      });
      expect(document.engine).toEqual(expected);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(EnergyEngine.restore(document.engine, { timeZone: "Europe/Lisbon" }).ok).toBe(true);
    }
    // On Linux the writer's thread runs at a lower priority than the one that takes in readings.
    if (process.platform === "linux") {
      const nices = [...threadNices(process.pid).values()];
      expect(nices).toContain(10);
    }
  });

  it("a failed write rejects, leaves nothing half-written, and the next write starts over", async () => {
    const { dir, path, writer } = writerInTempDir(WORKER);
    const { engine, handles } = fleet(10);
    engine.ingestValues(handles[0]!, T0, 5, 1);
    await writer.write(engine, meta(1));
    // A directory where the file goes: the rename fails after the thread encoded the capture.
    rmSync(path);
    mkdirSync(path);
    await expect(writer.write(engine, meta(2))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["state.json"]);
    rmSync(path, { recursive: true });
    // New devices since: the next capture must carry every name again (the thread's names
    // may be those of the failed write).
    const found = engine.meter(["Co", "Annex", "Lab", "Scope"], "switch:0");
    if (found.ok !== true) throw new Error("meter refused");
    engine.ingestValues(found.meter, T0 + 60_000, 7, 1);
    await writer.write(engine, meta(3));
    const document = JSON.parse(readFileSync(path, "utf8"));
    expect(document.journalSeq).toBe(3);
    expect(document.engine).toEqual(JSON.parse(JSON.stringify(engine.snapshot())));
  });

  it("fsyncs the files a state names first (a missing one is none), and writes no state when one cannot be", async () => {
    const { dir, path, writer } = writerInTempDir(WORKER);
    const { engine, handles } = fleet(5);
    engine.ingestValues(handles[0]!, T0, 5, 1);
    const spill = join(dir, "state.json.history-spill");
    writeFileSync(spill, "spilled batches");
    writer.syncFirst = [spill, join(dir, "absent")];
    await writer.write(engine, meta(1));
    expect(JSON.parse(readFileSync(path, "utf8")).journalSeq).toBe(1);
    // A path that cannot be opened (below a file): the state that would name it is not written.
    writer.syncFirst = [join(spill, "below-a-file")];
    await expect(writer.write(engine, meta(2))).rejects.toThrow(/ENOTDIR/);
    expect(JSON.parse(readFileSync(path, "utf8")).journalSeq).toBe(1);
    expect(() =>
      writeStateSync(path, toStateDocument(meta(3), engine.snapshot()), [join(spill, "x")]),
    ).toThrow(/ENOTDIR/);
    writeStateSync(path, toStateDocument(meta(3), engine.snapshot()), [spill]);
    expect(JSON.parse(readFileSync(path, "utf8")).journalSeq).toBe(3);
  });

  it("writes a packed history as the file's history: new paths only, buffers back, all again after a failure", async () => {
    const { path, writer } = writerInTempDir(WORKER);
    const { engine } = fleet(3);
    const table = new PathTable();
    const ledger = new PeriodLedger(60_000, T0 - 60_000, undefined, table);
    let seq = 0;
    /** Credits `paths`, cuts, writes the state with the history packed; what the file must hold. */
    const write = async (paths: string[]): Promise<HistoryState> => {
      ledger.credit(paths, T0, 10 * paths.length, 0);
      ledger.observe(paths[0]!, T0 + 1_000, 42.5, { online: 1, stale: 0, offline: 0 });
      const batch = ledger.cut(T0 + 2_000)!;
      const expected: HistoryState = {
        ledger: ledger.snapshot(),
        queue: [{ seq: batch.seq, rows: batch.rows }],
        spilledThroughSeq: 0,
      };
      const pool = new BufferPool(writer.takeHistoryBuffers());
      const from = writer.historyPathsKnown;
      const history: PackedHistoryState = {
        packed: true,
        paths: table.paths.slice(from),
        pathsFrom: from,
        ledger: ledger.pack(pool),
        queue: [packBatch(batch, table, pool)],
        spilledThroughSeq: 0,
      };
      seq++;
      await writer.write(engine, { ...meta(seq), history });
      return expected;
    };
    const first = await write(["Porto/Kitchen/Plug", "Porto/Kitchen", "Porto", ""]);
    expect(historyIn(path)).toEqual(first);
    expect(writer.historyPathsKnown).toBe(4);
    // Only the new paths travel; the thread completes the table; the buffers came back.
    const second = await write(["Lisbon/Lab/Em", "Lisbon/Lab", "Lisbon", ""]);
    expect(historyIn(path)).toEqual(second);
    expect(writer.historyPathsKnown).toBe(7);
    const back = writer.takeHistoryBuffers();
    expect(back.length).toBeGreaterThan(0);
    expect(back.every((b) => b.byteLength > 0)).toBe(true);
    // A failed write: the thread may not have its paths, so the next one sends them all.
    rmSync(path);
    mkdirSync(path);
    await expect(write(["Porto/Hall/Lamp", "Porto/Hall", "Porto", ""])).rejects.toThrow();
    expect(writer.historyPathsKnown).toBe(0);
    rmSync(path, { recursive: true });
    const fourth = await write(["Faro/Desk/Fan", "Faro/Desk", "Faro", ""]);
    expect(historyIn(path)).toEqual(fourth);
    expect(writer.historyPathsKnown).toBe(table.size);
  });

  it("has the thread make the capture's buffers before a write the ones it has cannot hold", async () => {
    const { path, writer } = writerInTempDir(WORKER);
    const { engine, handles } = fleet(100);
    for (const h of handles) engine.ingestValues(h, T0, 12, 3);
    // No buffers yet: the thread makes them; then they hold the engine.
    const first = writer.makeRoom(engine);
    expect(first).toBeInstanceOf(Promise);
    await first;
    expect(writer.makeRoom(engine)).toBeUndefined();
    await writer.write(engine, meta(1));
    // Handed back with a quarter more room: a few more devices need nothing.
    for (let k = 0; k < 10; k++) engine.meter(["Co", "Annex", "Lab", `Probe${k}`], "switch:0");
    expect(writer.makeRoom(engine)).toBeUndefined();
    // A fleet that doubled does; the names already sent are not sent again, and the file is whole.
    for (let k = 0; k < 150; k++) {
      const found = engine.meter(["Co", "Annex", "Hall", `Lamp${k}`], "switch:0");
      if (found.ok !== true) throw new Error("meter refused");
      engine.ingestValues(found.meter, T0 + 60_000, k, 1);
    }
    const grown = writer.makeRoom(engine);
    expect(grown).toBeInstanceOf(Promise);
    await grown;
    expect(writer.makeRoom(engine)).toBeUndefined();
    await writer.write(engine, meta(2));
    const document = JSON.parse(readFileSync(path, "utf8"));
    expect(document.journalSeq).toBe(2);
    expect(document.engine).toEqual(JSON.parse(JSON.stringify(engine.snapshot())));
  });

  it("has the thread make the packed history's buffers too, which come back with each write, unused ones included", async () => {
    const { path, writer } = writerInTempDir(WORKER);
    const { engine } = fleet(3);
    const table = new PathTable();
    const ledger = new PeriodLedger(60_000, T0 - 60_000, undefined, table);
    const paths = ["Porto/Kitchen/Plug", "Porto/Kitchen", "Porto", ""];
    ledger.credit(paths, T0, 40, 0);
    const batch = ledger.cut(T0 + 1_000)!;
    // The ledger's two arrays, the batch's two, and a spare 64 KB the packing will not need.
    const needs = [4 * 4, 4 * 8 * 8, 4 * 4, 4 * 11 * 8, 65_536];
    // Nothing handed back yet: the thread makes them (the engine's capture buffers with them).
    const room = writer.makeRoom(engine, needs);
    expect(room).toBeInstanceOf(Promise);
    await room;
    expect(writer.makeRoom(engine, needs)).toBeUndefined();
    const made = writer.takeHistoryBuffers();
    expect(poolServes(made, needs)).toBe(true);
    const pool = new BufferPool(made);
    const history: PackedHistoryState = {
      packed: true,
      paths: table.paths,
      pathsFrom: 0,
      ledger: ledger.pack(pool),
      queue: [packBatch(batch, table, pool)],
      spilledThroughSeq: 0,
      spareBuffers: pool.remaining(),
    };
    expect(history.spareBuffers).toHaveLength(1);
    await writer.write(engine, { ...meta(1), history });
    // Version 2: the rows as arrays.
    expect(JSON.parse(readFileSync(path, "utf8")).history.queue).toEqual([
      { seq: batch.seq, rows: batch.rows.map(rowToArray) },
    ]);
    // All five came back, the unused one too: the same needs want no room.
    expect(writer.makeRoom(engine, needs)).toBeUndefined();
    // A need none of them holds does.
    const larger = writer.makeRoom(engine, [...needs, 1 << 20]);
    expect(larger).toBeInstanceOf(Promise);
    await larger;
    expect(writer.makeRoom(engine, [...needs, 1 << 20])).toBeUndefined();
  });

  it("writes the state of the instant write() was called, though readings arrive between its slices", async () => {
    const { path, writer } = writerInTempDir(WORKER);
    const { engine, handles } = fleet(120);
    for (const [i, h] of handles.entries()) engine.ingestValues(h, T0, 100 + i, 15);
    await writer.write(engine, meta(1));
    for (const [i, h] of handles.entries()) engine.ingestValues(h, T0 + 60_000, 101 + i, 15);
    const atWrite = JSON.parse(JSON.stringify(engine.snapshot()));
    // 120 meters, 7 a turn after the first: 18 turns, readings of every meter (and a new one)
    // between them.
    const tasks: string[] = [];
    writer.timeTask = (task, work) => {
      tasks.push(task);
      return work();
    };
    const written = writer.write(engine, meta(2), 7);
    let minute = 2;
    let writing = true;
    void written.finally(() => {
      writing = false;
    });
    while (writing) {
      await new Promise((r) => setImmediate(r));
      for (const [i, h] of handles.entries())
        engine.ingestValues(h, T0 + minute * 60_000, 100 + i + minute, 15);
      engine.meter(["Co", "Annex", "Hall", `Lamp${minute}`], "switch:0");
      minute++;
    }
    await written;
    expect(tasks.length).toBe(Math.ceil(120 / 7));
    expect(tasks.every((t) => t === "state_capture")).toBe(true);
    expect(minute).toBeGreaterThan(5);
    const document = JSON.parse(readFileSync(path, "utf8"));
    expect(document.engine).toEqual(atWrite);
    expect(document.engine).not.toEqual(JSON.parse(JSON.stringify(engine.snapshot())));
  });

  it("lets the next state write start after a rest of three times the last one's duration", () => {
    expect(STATE_WRITE_REST_RATIO).toBe(3);
    // A 200 ms write: the next may start 600 ms after it ended (within a 10 s cycle anyway).
    expect(nextStateWriteMs(1_000, 1_200)).toBe(1_800);
    // A 6 s write (100,000 devices with a history): 18 s of rest, the thread busy 25 %.
    expect(nextStateWriteMs(10_000, 16_000)).toBe(34_000);
    // A clock that went backwards gives no rest, never a negative one.
    expect(nextStateWriteMs(5_000, 4_000)).toBe(4_000);
  });

  it("limits the thread's heap by the fleet's size, and drops the limit after a thread ran out of it", async () => {
    expect(writerOldGenerationMb(10_000)).toBe(143);
    expect(writerOldGenerationMb(20_000)).toBe(221);
    expect(writerOldGenerationMb(250_000)).toBe(2018);
    expect(writerOldGenerationMb(260_000)).toBeUndefined();
    expect(writerOldGenerationMb(1_000_000)).toBeUndefined();
    // The young generation: 4 MB a 20,000 devices, 32 at most.
    expect(writerYoungGenerationMb(0)).toBe(4);
    expect(writerYoungGenerationMb(20_000)).toBe(4);
    expect(writerYoungGenerationMb(20_001)).toBe(8);
    expect(writerYoungGenerationMb(101_000)).toBe(24);
    expect(writerYoungGenerationMb(1_000_000)).toBe(32);

    // 8 MB cannot hold the write of 30,000 meters (a 3 MB snapshot): that thread dies.
    const { path, writer } = writerInTempDir(WORKER, 8);
    const { engine, handles } = fleet(30_000);
    for (const [i, h] of handles.entries()) engine.ingestValues(h, T0, 1000 + i, 20);
    await expect(writer.write(engine, meta(1))).rejects.toThrow(
      /ran out of its 8 MB heap; the next write runs in a thread without that limit/,
    );
    expect(() => statSync(path)).toThrow();
    // The next thread has no limit: the same write goes through, whole.
    await writer.write(engine, meta(2));
    const document = JSON.parse(readFileSync(path, "utf8"));
    expect(document.journalSeq).toBe(2);
    expect(document.engine).toEqual(JSON.parse(JSON.stringify(engine.snapshot())));
  }, 60_000);

  it("makes no room when writing on the calling thread (no worker script)", async () => {
    const { path, writer } = writerInTempDir(new URL("./no-such-worker.js", WORKER));
    expect(writer.inWorker).toBe(false);
    const { engine } = fleet(5);
    expect(writer.makeRoom(engine)).toBeUndefined();
    await writer.write(engine, meta(1));
    expect(JSON.parse(readFileSync(path, "utf8")).engine).toEqual(
      JSON.parse(JSON.stringify(engine.snapshot())),
    );
  });
});
