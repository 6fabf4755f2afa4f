import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HistoryBatch } from "@coreflux/history";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { BatchQueue } from "./batch-queue";
import { PackedBatch, PathTable, packBatch } from "./packed-state";
import { PeriodLedger } from "./period-ledger";
import { SpillFile } from "./spill-file";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function spillPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-spill-"));
  dirs.push(dir);
  return join(dir, "state.json.history-spill");
}

/** A batch of `rows` rows, each its own node, in the slot of its seq. */
function batch(seq: number, rows = 3): HistoryBatch {
  return {
    seq,
    rows: Array.from({ length: rows }, (_, i) => ({
      path: `Office/Room/D${i}`,
      periodStartMs: seq * 60_000,
      energyMwh: seq * 10 + i,
      returnedEnergyMwh: 0,
      energyDeltaMwh: seq * 10 + i,
      returnedEnergyDeltaMwh: 0,
      additive: false,
      peakPowerW: undefined,
      devices: undefined,
      observedAtMs: undefined,
    })),
  };
}

/** Pushes `b` and takes the spill steps it makes due, as the history output does. */
async function pushAndSpill(queue: BatchQueue, b: HistoryBatch): Promise<void> {
  queue.push(b);
  while (await queue.spillStep());
}

/** Takes every batch out of the queue, in order. */
function drain(queue: BatchQueue): number[] {
  const seqs: number[] = [];
  for (let head = queue.head(); head !== undefined; head = queue.head()) {
    seqs.push(head.seq);
    queue.shift();
  }
  return seqs;
}

describe("BatchQueue with a spill file", () => {
  it("keeps at most max_memory_rows in memory, the rest on disk, and gives every batch back in order", async () => {
    const path = spillPath();
    const queue = new BatchQueue(new SpillFile(path), 10, 1000);
    for (let seq = 1; seq <= 20; seq++) await pushAndSpill(queue, batch(seq));
    expect(queue.length).toBe(20);
    expect(queue.rows).toBe(60);
    expect(queue.spilledRows).toBeGreaterThan(40);
    expect(queue.inMemory().reduce((n, b) => n + b.rows.length, 0)).toBeLessThanOrEqual(12);
    expect(existsSync(path)).toBe(true);
    expect(drain(queue)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(queue.rows).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it("restores what a state file recorded: memory, then the spilled batches it relies on", async () => {
    const path = spillPath();
    const queue = new BatchQueue(new SpillFile(path), 10, 1000);
    for (let seq = 1; seq <= 12; seq++) await pushAndSpill(queue, batch(seq));
    queue.shift(); // batch 1 written; batch 2 comes back from the file as the head
    // The state file now: the batches in memory and the last spilled seq.
    const saved = {
      queue: JSON.parse(
        JSON.stringify(queue.inMemory().map((b) => ({ seq: b.seq, rows: b.rows }))),
      ),
      through: queue.spilledThroughSeq,
    };
    // Then, before the next state write, more is spilled, and the process is killed.
    for (let seq = 13; seq <= 30; seq++) await pushAndSpill(queue, batch(seq));
    const restored = new BatchQueue(new SpillFile(path), 10, 1000);
    restored.restore(saved.queue, saved.through);
    // 2..12: what the state relied on; 13..30 were spilled after it (the journal makes them again).
    expect(drain(restored)).toEqual(Array.from({ length: 11 }, (_, i) => i + 2));
    expect(existsSync(path)).toBe(false);
  });

  it("a missing spill file is an empty one; a torn last line is cut off", async () => {
    const path = spillPath();
    const queue = new BatchQueue(new SpillFile(path), 1000, 1000);
    queue.restore([batch(4)], 9);
    expect(drain(queue)).toEqual([4]);

    const file = new SpillFile(path);
    await file.append([batch(5), batch(6)]);
    appendFileSync(path, JSON.stringify(batch(7)).slice(0, 40)); // the crash came mid-append
    const torn = new BatchQueue(new SpillFile(path), 1000, 1000);
    torn.restore([batch(4)], 7);
    expect(drain(torn)).toEqual([4, 5, 6]);
  });

  it("a spill file that cannot be written keeps the batches in memory and says why", async () => {
    const queue = new BatchQueue(new SpillFile("/proc/coreflux-not-writable/spill"), 5, 1000);
    for (let seq = 1; seq <= 5; seq++) await pushAndSpill(queue, batch(seq));
    expect(queue.spillError).toBeDefined();
    expect(queue.rows).toBe(15);
    expect(drain(queue)).toEqual([1, 2, 3, 4, 5]);
  });
});

/** A batch cut by a ledger (packed, paths indexed in `table`) with seq `seq + 1`: every kind of row in it. */
function cutBatch(table: PathTable, seq: number): PackedBatch {
  const t0 = Date.UTC(2026, 11, 6, 9, 0);
  const ledger = new PeriodLedger(60_000, t0 - 60_000, undefined, table);
  ledger.credit(["Porto/Kitchen/Plug ⚡", "Porto/Kitchen", "Porto", ""], t0, 1_234.5, 6);
  ledger.credit(["Lisbon/Lab/Em", "Lisbon/Lab", "Lisbon", ""], t0 + 60_000, 2 ** 52 + 1, 0);
  ledger.observe("Porto", t0 + 1_000, 42.25, { online: 3, stale: 1, offline: 2 });
  ledger.credit(["Porto/Hall/Lamp"], t0 - 3_600_000, 7, 1); // an untracked period: additive
  const batch = ledger.cut(t0 + 2 * 60_000)!;
  return new PackedBatch(seq + 1, batch.pathIndex, batch.values, table.paths);
}

describe("BatchQueue spilling in steps", () => {
  it("gives every batch back once, in order, whatever is written, pushed or restarted while steps are under way", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), rows: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant("step" as const), maxRows: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant("done" as const) }),
      fc.record({ kind: fc.constant("write" as const) }),
      fc.record({ kind: fc.constant("restart" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 60 }),
        fc.integer({ min: 1, max: 15 }),
        async (ops, max) => {
          const path = spillPath();
          let queue = new BatchQueue(new SpillFile(path), max, 4);
          let step: Promise<boolean> | undefined;
          let seq = 0;
          const written: number[] = [];
          // What a database holding the batches written says, and what it should say.
          const db = new Map<string, number>();
          const truth = new Map<string, number>();
          const apply = (into: Map<string, number>, b: HistoryBatch) => {
            for (const r of b.rows) into.set(`${r.periodStartMs}|${r.path}`, r.energyMwh);
          };
          const write = () => {
            const head = queue.head();
            if (head === undefined) return false;
            written.push(head.seq);
            apply(db, head);
            queue.shift();
            return true;
          };
          for (const o of ops) {
            if (o.kind === "push") {
              const b = batch(++seq, o.rows);
              apply(truth, b);
              queue.push(b);
            } else if (o.kind === "step") {
              const head = queue.head();
              const started = queue.spillStep(o.maxRows);
              expect(queue.head()).toBe(head);
              if (started !== undefined) {
                expect(step).toBeUndefined();
                step = started;
              }
            } else if (o.kind === "done") {
              await step;
              step = undefined;
            } else if (o.kind === "write") {
              write();
            } else {
              // A state file written now (its batches in memory, the last spilled seq), then a
              // kill -9 — after the step under way reached the disk, or not — and a start from it.
              const state = {
                queue: queue.inMemory().map((b) => ({ seq: b.seq, rows: b.rows })),
                through: queue.spilledThroughSeq,
              };
              await step;
              step = undefined;
              queue = new BatchQueue(new SpillFile(path), max, 4);
              queue.restore(state.queue, state.through);
            }
            expect(queue.rows).toBe(
              queue.inMemory().reduce((n, b) => n + b.rows.length, 0) + queue.spilledRows,
            );
          }
          await step;
          while (write());
          expect(db).toEqual(truth);
          // Merged batches carry the last seq of the ones they took in: every seq written is
          // new, in order, and the last one pushed is written.
          for (let i = 1; i < written.length; i++)
            expect(written[i]).toBeGreaterThan(written[i - 1]!);
          if (seq > 0) expect(written[written.length - 1]).toBe(seq);
          expect(existsSync(path)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
  it("merges nothing while a step is under way: its batches leave memory when it is done, the ones spilled before them stay readable", async () => {
    const queue = new BatchQueue(new SpillFile(spillPath()), 1, 3);
    queue.push(batch(1, 1));
    queue.push(batch(2, 1));
    expect(await queue.spillStep(1)).toBe(false); // 2 on disk
    queue.push(batch(3, 1));
    const step = queue.spillStep(1); // 3 under way
    for (let seq = 4; seq <= 6; seq++) queue.push(batch(seq, 1)); // more than 3 in memory
    expect(queue.inMemory().map((b) => b.seq)).toEqual([1, 3, 4, 5, 6]);
    await step;
    expect(drain(queue)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("BatchQueue merging", () => {
  it("merges the batches after the head into one packed batch when too many wait", () => {
    const table = new PathTable();
    const queue = new BatchQueue(new SpillFile(spillPath(), table), 1000, 4);
    const pushed: PackedBatch[] = [];
    for (let seq = 0; seq < 9; seq++) {
      const b = cutBatch(table, seq);
      pushed.push(b);
      queue.push(b);
    }
    const kept = queue.inMemory();
    expect(kept.length).toBeLessThanOrEqual(4);
    expect(kept[0]).toBe(pushed[0]);
    const merged = kept[1] as PackedBatch;
    expect(merged).toBeInstanceOf(PackedBatch);
    expect(merged.pathTable).toBe(table.paths);
    // Each node and period once, for all the batches it took in.
    const keys = merged.rows.map((r) => `${r.periodStartMs}|${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(queue.rows).toBe(kept.reduce((n, b) => n + (b as PackedBatch).size, 0));
    const seqs = kept.map((b) => b.seq);
    expect(seqs).toEqual([1, 8, 9]);
    expect(drain(queue)).toEqual(seqs);
  });
});

describe("SpillFile records", () => {
  it("gives back exactly the rows it was given, in the history's path table, without a row object on the way", async () => {
    const path = spillPath();
    const table = new PathTable();
    const a = cutBatch(table, 0);
    const b = cutBatch(table, 1);
    const file = new SpillFile(path, table);
    await file.append([a, b]);
    expect(file.rows).toBe(a.size + b.size);
    // The bytes are no JSON: a record per batch.
    expect(readFileSync(path)[0]).not.toBe(0x7b);
    const first = file.shift()!;
    expect(first).toBeInstanceOf(PackedBatch);
    expect(first.seq).toBe(a.seq);
    expect(first.rows).toEqual(a.rows);
    // Indexed in the same table: packed into a state as it is.
    const packed = packBatch(first as PackedBatch, table);
    expect([...packed.path]).toEqual([...a.pathIndex]);
    // Another process (another table) reads the same rows.
    const elsewhere = new SpillFile(path, new PathTable());
    elsewhere.restore(a.seq, b.seq);
    expect(elsewhere.shift()!.rows).toEqual(b.rows);
    expect(elsewhere.length).toBe(0);
  });

  it("reads files written as JSON lines, and files holding both kinds", async () => {
    const path = spillPath();
    const table = new PathTable();
    const plain = batch(1, 4);
    writeFileSync(path, `${JSON.stringify(plain)}\n`);
    const file = new SpillFile(path, table);
    file.restore(0, 1);
    expect(file.rows).toBe(4);
    const packed = cutBatch(table, 1);
    await file.append([packed]);
    const restored = new SpillFile(path, new PathTable());
    restored.restore(0, packed.seq);
    expect(restored.length).toBe(2);
    expect(restored.rows).toBe(4 + packed.size);
    expect(restored.shift()!.rows).toEqual(plain.rows);
    expect(restored.shift()!.rows).toEqual(packed.rows);
    expect(existsSync(path)).toBe(false);
  });

  it("cuts off a record a crash left short, and refuses bytes it did not write", async () => {
    const path = spillPath();
    const table = new PathTable();
    const file = new SpillFile(path, table);
    await file.append([cutBatch(table, 0)]);
    const whole = readFileSync(path);
    await file.append([cutBatch(table, 1)]);
    const both = readFileSync(path);
    // The second record cut short, at every length from its header on.
    for (const cut of [whole.length + 3, whole.length + 30, both.length - 1]) {
      writeFileSync(path, both.subarray(0, cut));
      const torn = new SpillFile(path, new PathTable());
      torn.restore(0, 2);
      expect(torn.length).toBe(1);
      expect(readFileSync(path).length).toBe(whole.length);
    }
    writeFileSync(
      path,
      Buffer.from([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
      ]),
    );
    expect(() => new SpillFile(path).restore(0, 9)).toThrow(/not a file this service wrote/);
  });
});
