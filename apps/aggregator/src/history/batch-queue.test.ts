import { appendFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HistoryBatch } from "@coreflux/history";
import { afterEach, describe, expect, it } from "vitest";
import { BatchQueue } from "./batch-queue";
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
  it("keeps at most max_memory_rows in memory, the rest on disk, and gives every batch back in order", () => {
    const path = spillPath();
    const queue = new BatchQueue(new SpillFile(path), 10, 1000);
    for (let seq = 1; seq <= 20; seq++) queue.push(batch(seq));
    expect(queue.length).toBe(20);
    expect(queue.rows).toBe(60);
    expect(queue.spilledRows).toBeGreaterThan(40);
    expect(queue.inMemory().reduce((n, b) => n + b.rows.length, 0)).toBeLessThanOrEqual(12);
    expect(existsSync(path)).toBe(true);
    expect(drain(queue)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(queue.rows).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it("restores what a state file recorded: memory, then the spilled batches it relies on", () => {
    const path = spillPath();
    const queue = new BatchQueue(new SpillFile(path), 10, 1000);
    for (let seq = 1; seq <= 12; seq++) queue.push(batch(seq));
    queue.shift(); // batch 1 written; batch 2 comes back from the file as the head
    // The state file now: the batches in memory and the last spilled seq.
    const saved = {
      queue: JSON.parse(JSON.stringify(queue.inMemory())),
      through: queue.spilledThroughSeq,
    };
    // Then, before the next state write, more is spilled, and the process is killed.
    for (let seq = 13; seq <= 30; seq++) queue.push(batch(seq));
    const restored = new BatchQueue(new SpillFile(path), 10, 1000);
    restored.restore(saved.queue, saved.through);
    // 2..12: what the state relied on; 13..30 were spilled after it (the journal makes them again).
    expect(drain(restored)).toEqual(Array.from({ length: 11 }, (_, i) => i + 2));
    expect(existsSync(path)).toBe(false);
  });

  it("a missing spill file is an empty one; a torn last line is cut off", () => {
    const path = spillPath();
    const queue = new BatchQueue(new SpillFile(path), 1000, 1000);
    queue.restore([batch(4)], 9);
    expect(drain(queue)).toEqual([4]);

    const file = new SpillFile(path);
    file.append([batch(5), batch(6)]);
    appendFileSync(path, JSON.stringify(batch(7)).slice(0, 40)); // the crash came mid-append
    const torn = new BatchQueue(new SpillFile(path), 1000, 1000);
    torn.restore([batch(4)], 7);
    expect(drain(torn)).toEqual([4, 5, 6]);
  });

  it("a spill file that cannot be written keeps the batches in memory and says why", () => {
    const queue = new BatchQueue(new SpillFile("/proc/coreflux-not-writable/spill"), 5, 1000);
    for (let seq = 1; seq <= 5; seq++) queue.push(batch(seq));
    expect(queue.spillError).toBeDefined();
    expect(queue.rows).toBe(15);
    expect(drain(queue)).toEqual([1, 2, 3, 4, 5]);
  });
});
