import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEnergyEngine } from "@coreflux/hierarchy";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  CREDITS_PER_BUDGET_CHECK,
  CUT_AHEAD_CREDIT_BUDGET_MS,
  CUT_AHEAD_SLICE_ROWS,
  HistoryOutput,
  PACK_TRACKED_PERIODS,
} from "./history-output";
import { packedBuffers, reserveBuffers } from "./packed-state";

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const waitFor = async (check: () => boolean, what: string, ms = 15_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * `output.cutAhead` with no cut budget: the cut always happens in the call that finds rows to
 * cut. With the service's budget, credits that took half of it leave the cut to the next call,
 * which on a busy machine (a CI run beside other suites) made the number of calls vary.
 */
const cutAhead = (
  output: HistoryOutput,
  nowMs: number,
  minRows: number,
  maxRows = CUT_AHEAD_SLICE_ROWS,
  creditBudgetMs = CUT_AHEAD_CREDIT_BUDGET_MS,
): boolean => output.cutAhead(nowMs, minRows, maxRows, creditBudgetMs, Number.POSITIVE_INFINITY);

/**
 * 12 plugs in two rooms of one office, 60 W each; a history with 15-minute periods on SQLite,
 * started at T0 (its first period only added to) or, `trackingT0`, a period earlier.
 */
async function setUp(
  trackingT0 = false,
  { maxMemoryRows = 1_000, log = pino({ level: "silent" }), plugs = 12 } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-history-cut-ahead-"));
  dirs.push(dir);
  const engine = createEnergyEngine({ timeZone: "Europe/Lisbon", creditSlotMinutes: 15 });
  const meters = Array.from({ length: plugs }, (_, i) => {
    const found = engine.meter(["Co", "Porto", `Room${i % 2}`, `Plug${i}`], "switch:0");
    if (found.ok !== true) throw new Error("meter refused");
    return found.meter;
  });
  let nowMs = T0;
  // 60 W for a minute: 1 Wh more on every meter.
  const minute = () => {
    nowMs += 60_000;
    for (const [i, m] of meters.entries())
      engine.ingestValues(m, nowMs, 500 + i + (nowMs - T0) / 60_000, 60);
  };
  for (const [i, m] of meters.entries()) engine.ingestValues(m, T0, 500 + i, 60);
  if (trackingT0) nowMs = T0 - 15 * 60_000;
  const output = await HistoryOutput.start(
    engine,
    {
      open: {
        url: `sqlite:${join(dir, "history.db")}`,
        company: "Co",
        periodMinutes: 15,
        timeZone: "Europe/Lisbon",
      },
      keepFineDays: 35,
      spillPath: join(dir, "spill"),
      maxMemoryRows,
    },
    log,
    () => nowMs,
    undefined,
  );
  nowMs = T0;
  const energyOf = async (path: string) => {
    const store = output.openStore;
    if (store === undefined) throw new Error("history not open");
    const rows = await store.report({ fromMs: T0 - 3_600_000, toMs: T0 + 3_600_000, by: "period" });
    return rows.filter((r) => r.path === path).reduce((sum, r) => sum + r.energyMwh, 0);
  };
  const advance = (ms: number) => {
    nowMs += ms;
  };
  return { engine, output, minute, now: () => nowMs, advance, energyOf };
}

describe("history batch cut ahead of a state capture", () => {
  it("cuts only from its threshold on; the capture's cut takes the rest; both batches are written, nothing twice", async () => {
    const { engine, output, minute, now, energyOf } = await setUp();
    try {
      minute();
      const before = output.snapshotSeq;
      // 16 rows changed (12 plugs, 2 rooms, the office, the company): not enough for 1,000.
      expect(cutAhead(output, now(), 1_000)).toBe(false);
      expect(output.snapshotSeq).toBe(before);
      expect(cutAhead(output, now(), 16)).toBe(true);
      expect(output.snapshotSeq).toBe(before + 1);
      // Nothing changed since: nothing to cut, even at a threshold of 1.
      expect(cutAhead(output, now(), 1)).toBe(false);
      // Readings between the cut ahead and the capture go in the capture's own batch.
      minute();
      output.absorb(now());
      expect(output.snapshotSeq).toBe(before + 2);
      expect(output.packedSnapshot().queue).toHaveLength(2);
      output.durable(output.snapshotSeq);
      await waitFor(() => output.statistics.queuedBatches === 0, "both batches to be written");
      // Each batch held the 16 nodes' period rows (the second as absolute values again).
      expect(output.statistics.rowsWritten).toBe(32);
      // Two minutes of 1 Wh per plug, each credited once (paths below the company).
      expect(await energyOf("")).toBe(24_000);
      expect(await energyOf("Porto")).toBe(24_000);
      expect(await energyOf("Porto/Room0")).toBe(12_000);
      expect(await energyOf("Porto/Room1/Plug3")).toBe(2_000);
      expect(await energyOf("")).toBe(engine.view(engine.roots()[0]!, now()).energyMwh);
    } finally {
      await output.close();
    }
  });

  it("cuts a large change in slices of at most maxRows, one batch each, every row written once", async () => {
    // Only rows of tracked periods are cut short (amounts for the others wait for the last cut).
    const { engine, output, minute, now, energyOf } = await setUp(true);
    try {
      minute();
      const before = output.snapshotSeq;
      // 16 changed rows in slices of 5: 5, 5, 5, then 1 (a threshold of 1 row).
      const sizes: number[] = [];
      while (cutAhead(output, now(), 1, 5)) {
        const queue = output.packedSnapshot().queue;
        sizes.push(queue[queue.length - 1]!.path.length);
      }
      expect(sizes).toEqual([5, 5, 5, 1]);
      expect(output.snapshotSeq).toBe(before + 4);
      // The capture finds nothing left to cut.
      output.absorb(now());
      expect(output.snapshotSeq).toBe(before + 4);
      output.durable(output.snapshotSeq);
      await waitFor(() => output.statistics.queuedBatches === 0, "the four batches to be written");
      expect(output.statistics.rowsWritten).toBe(16);
      expect(await energyOf("")).toBe(12_000);
      expect(await energyOf("Porto/Room1")).toBe(6_000);
      expect(await energyOf("Porto/Room0/Plug4")).toBe(1_000);
      expect(await energyOf("")).toBe(engine.view(engine.roots()[0]!, now()).energyMwh);
    } finally {
      await output.close();
    }
  });
});

describe("history cut ahead at a new period", () => {
  it("forgets the oldest tracked period however few rows changed, not in the capture's cut", async () => {
    const { output, minute, now, advance } = await setUp(true);
    try {
      minute();
      while (cutAhead(output, now(), 1)) {}
      const before = output.packedSnapshot().ledger;
      expect(before.path.length).toBe(16);
      // Two periods on, with nothing changed: the period of the 16 entries is below the floor.
      advance(30 * 60_000);
      const seq = output.snapshotSeq;
      expect(cutAhead(output, now(), 1_000)).toBe(true);
      const after = output.packedSnapshot().ledger;
      expect(after.floorMs).toBeGreaterThan(before.floorMs);
      expect(after.path.length).toBe(0);
      // No batch for it (no row changed), and nothing left for the next call or the capture.
      expect(output.snapshotSeq).toBe(seq);
      expect(cutAhead(output, now(), 1_000)).toBe(false);
    } finally {
      await output.close();
    }
  });
});

describe("history cut ahead with a time budget", () => {
  it("forgets a large period over several turns, each row in one batch, the ledger as one drop leaves it", async () => {
    const { engine, output, minute, now, advance, energyOf } = await setUp(true, { plugs: 1_200 });
    try {
      minute();
      // A budget of 0: 64 rows a batch (1,204 rows: 1,200 plugs, 2 rooms, office, company).
      const sizes: number[] = [];
      let seq = output.snapshotSeq;
      while (output.cutAhead(now(), 1, 10_000, 8, 0)) {
        if (output.snapshotSeq === seq) continue; // credits taken, no batch cut
        seq = output.snapshotSeq;
        sizes.push(output.packedSnapshot().queue.at(-1)!.path.length);
      }
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_204);
      expect(Math.max(...sizes)).toBe(64);
      // Two periods on, nothing changed: the cut moves the floor, the drop takes two turns
      // (1,024 entries visited a turn at a budget of 0; 1,204 in the ledger).
      advance(30 * 60_000);
      let turns = 0;
      while (output.cutAhead(now(), 1_000, 10_000, 8, 0)) turns++;
      // Taking no credits spends half of a budget of 0: the cut waits a turn, then the drop
      // begins, and two steps end it.
      expect(turns).toBe(4);
      expect(output.snapshotSeq).toBe(seq); // no row changed: no batch
      expect(output.packedSnapshot().ledger.path.length).toBe(0);
      output.absorb(now());
      output.durable(output.snapshotSeq);
      await waitFor(() => output.statistics.queuedBatches === 0, "the batches to be written");
      expect(output.statistics.rowsWritten).toBe(1_204);
      expect(await energyOf("")).toBe(1_200_000);
      expect(await energyOf("")).toBe(engine.view(engine.roots()[0]!, now()).energyMwh);
    } finally {
      await output.close();
    }
  });
});

describe("history credits taken ahead of a state capture", () => {
  it("takes the engine's credits a budget at a time, and cuts only once none wait", async () => {
    const { engine, output, minute, now, energyOf } = await setUp(true, { plugs: 600 });
    try {
      minute();
      const before = output.snapshotSeq;
      // A credit budget always spent: 64 credits a call (of 600), no cut while credits wait.
      // No cut budget: the last credits never leave the cut to the next call (on a busy
      // machine they could take half of 8 ms).
      const fullCalls = Math.floor(600 / CREDITS_PER_BUDGET_CHECK);
      for (let call = 0; call < fullCalls; call++) {
        expect(cutAhead(output, now(), 1, 10_000, -1)).toBe(true);
      }
      expect(output.snapshotSeq).toBe(before);
      // The last 24 credits taken, then 604 rows (600 plugs, 2 rooms, office, company) cut.
      expect(cutAhead(output, now(), 1, 10_000, -1)).toBe(true);
      expect(output.snapshotSeq).toBe(before + 1);
      expect(output.packedSnapshot().queue.at(-1)?.path.length).toBe(604);
      expect(cutAhead(output, now(), 1, 10_000, -1)).toBe(false);
      output.durable(output.snapshotSeq);
      await waitFor(() => output.statistics.queuedBatches === 0, "the batch to be written");
      expect(await energyOf("")).toBe(600_000);
      expect(await energyOf("")).toBe(engine.view(engine.roots()[0]!, now()).energyMwh);
    } finally {
      await output.close();
    }
  });
});

describe("history observations of a publish cycle", () => {
  it("are made in the turns after the cycle's own, every node of a new period once", async () => {
    const { engine, output, now } = await setUp();
    try {
      // The first cycle starts a period: all 16 nodes to observe (12 plugs, 2 rooms, the
      // office, the company). The cycle's turn (the publisher's first slice in it) observes none.
      output.cycle({ nowMs: now(), changed: [], engine });
      expect(cutAhead(output, now(), 1)).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      const before = output.snapshotSeq;
      expect(cutAhead(output, now(), 1)).toBe(true);
      expect(output.snapshotSeq).toBe(before + 1);
      expect(output.packedSnapshot().queue.at(-1)?.path.length).toBe(16);
    } finally {
      await output.close();
    }
  });
});

describe("history state packed into buffers made ahead", () => {
  it("packs the ledger, the waiting batches and the capture's own batch into them, and hands every one back", async () => {
    const { output, minute, now } = await setUp(true, { plugs: 40 });
    try {
      for (let m = 0; m < 3; m++) {
        minute();
        // A batch cut ahead waits for the state; then more changes for the capture's own cut.
        cutAhead(output, now(), 1);
        minute();
        output.takeCredits();
        const needs = output.packNeeds();
        const made = reserveBuffers([], needs);
        output.absorb(now());
        const packed = output.packedSnapshot(0, made);
        const used = packedBuffers(packed);
        // Nothing new: every array is on a buffer made ahead, and every one travels back.
        expect(used.every((b) => made.includes(b))).toBe(true);
        expect(new Set(used).size).toBe(made.length);
        expect(packed.queue.length).toBeGreaterThanOrEqual(2);
      }
      // The ledger's arrays are sized for every path in three periods (44 paths: 40 plugs, two
      // rooms, the office, the company).
      expect(PACK_TRACKED_PERIODS).toBe(3);
      expect(output.packNeeds()[0]).toBe(4 * 3 * 44);
    } finally {
      await output.close();
    }
  });
});

describe("history rows waiting for a state write", () => {
  it("ask for the next state write without its rest from half of max_memory_rows on", async () => {
    const { output, minute, now } = await setUp(false, { maxMemoryRows: 64 });
    try {
      expect(output.needsState).toBe(false);
      minute();
      output.takeCredits();
      // 16 rows changed, not cut yet: below 32.
      expect(output.needsState).toBe(false);
      output.absorb(now());
      minute();
      output.takeCredits();
      // 16 cut and 16 more changed: 32 of 64.
      expect(output.needsState).toBe(true);
      output.durable(output.snapshotSeq);
      await waitFor(() => output.statistics.queuedBatches === 0, "the batch to be written");
      expect(output.needsState).toBe(false);
    } finally {
      await output.close();
    }
  });
});

describe("history backlog spill warning", () => {
  it("is logged once per backlog, however often batches spill and come back, and at most once an hour", async () => {
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    // A batch is the 16 nodes' rows: a second one waiting spills.
    const { output, minute, now, advance } = await setUp(false, { maxMemoryRows: 20, log });
    const warnings = () => lines.filter((l) => l.includes("history backlog larger than")).length;
    try {
      const cut = () => {
        minute();
        output.absorb(now());
      };
      // A spill takes steps of its own, written by libuv's pool: one for a batch this size.
      const spilled = () => waitFor(() => output.statistics.spilledRows === 16, "the spill");
      cut();
      cut();
      await spilled();
      expect(warnings()).toBe(1);
      // The first batch written, the spilled one back in memory; the next spills again.
      output.durable(output.snapshotSeq - 1);
      await waitFor(() => output.statistics.spilledRows === 0, "the spilled batch to come back");
      cut();
      await spilled();
      expect(warnings()).toBe(1);
      // Written whole: a later backlog is a new one, said so if the last warning is an hour old.
      const writeAll = async () => {
        output.durable(output.snapshotSeq);
        await waitFor(() => output.statistics.queuedBatches === 0, "the backlog to be written");
      };
      await writeAll();
      cut();
      cut();
      await spilled();
      expect(warnings()).toBe(1);
      await writeAll();
      advance(3_600_000);
      cut();
      cut();
      await spilled();
      expect(warnings()).toBe(2);
    } finally {
      await output.close();
    }
  });
});
