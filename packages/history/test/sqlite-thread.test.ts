import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { type HistoryBatch, type HistoryStore, openHistory, type PeriodRow } from "../src";

const T = Date.UTC(2026, 10, 3, 9, 0);
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** A batch of `devices` device rows of one period, `energyMwh` each (spread over 10 rooms). */
function batch(seq: number, devices: number, energyMwh = 10): HistoryBatch {
  const rows: PeriodRow[] = [];
  for (let d = 0; d < devices; d++) {
    rows.push({
      path: `Office/Room${d % 10}/Plug${d}`,
      periodStartMs: T,
      energyMwh,
      returnedEnergyMwh: 0,
      energyDeltaMwh: energyMwh,
      returnedEnergyDeltaMwh: 0,
      additive: false,
      peakPowerW: undefined,
      devices: undefined,
      observedAtMs: undefined,
    });
  }
  return { seq, rows };
}

/** The worker of a store's SQLite connection (a private field, reached for this test only). */
function workerOf(store: HistoryStore): Worker {
  return (store as unknown as { driver: { thread: { worker: Worker } } }).driver.thread.worker;
}

describe("SQLite history on its own thread", () => {
  let dir: string | undefined;
  let store: HistoryStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    store = undefined;
    dir = undefined;
  });
  const open = async (file = "history.db") => {
    dir ??= mkdtempSync(join(tmpdir(), "coreflux-history-thread-"));
    store = await openHistory({
      url: `sqlite:${join(dir, file)}`,
      company: "Coreflux",
      periodMinutes: 15,
      timeZone: "Europe/Lisbon",
    });
    return store;
  };

  it("lets the event loop turn while a large batch is written", async () => {
    const s = await open();
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const written = await s.write(batch(1, 30_000)).finally(() => {
      done = true;
    });
    expect(written).toBe(true);
    // On the calling thread the whole batch ran in one turn; on its own thread the caller's loop
    // turns while SQLite works (once per piece sent at least).
    expect(turns).toBeGreaterThan(30);
    const devices = await s.report({ fromMs: T, toMs: T + 3_600_000, by: "hour", level: "device" });
    expect(devices.reduce((n, r) => n + r.energyMwh, 0)).toBe(300_000);
  });

  it("replaces a thread that died: the batch it was writing fails whole, and goes in once on the retry", async () => {
    const s = await open();
    // The nodes exist: batch 2's first statement list is its period rows, in its transaction.
    expect(await s.write(batch(1, 20_000))).toBe(true);
    const worker = workerOf(s);
    const post = worker.postMessage.bind(worker);
    let killed = false;
    // Kill the thread right after it was handed the first piece of rows.
    worker.postMessage = (message: { op?: string }) => {
      post(message);
      if (message.op === "runMany" && !killed) {
        killed = true;
        void worker.terminate();
      }
    };
    await expect(s.write(batch(2, 20_000, 7))).rejects.toMatchObject({ code: "CONNECT_FAILED" });
    expect(killed).toBe(true);
    // A new thread, a new connection: nothing of batch 2 was committed, so it is written now.
    expect(await s.lastBatchSeq()).toBe(1);
    expect(await s.write(batch(2, 20_000, 7))).toBe(true);
    expect(await s.write(batch(2, 20_000, 7))).toBe(false);
    const devices = await s.report({
      fromMs: T,
      toMs: T + 3_600_000,
      by: "period",
      level: "device",
    });
    expect(devices).toHaveLength(20_000);
    expect(devices.reduce((n, r) => n + r.energyMwh, 0)).toBe(140_000);
  });

  it("says which file cannot be opened", async () => {
    dir = mkdtempSync(join(tmpdir(), "coreflux-history-thread-"));
    // A directory where the file should be.
    await expect(
      openHistory({
        url: `sqlite:${dir}`,
        company: "Coreflux",
        periodMinutes: 15,
        timeZone: "Europe/Lisbon",
      }),
    ).rejects.toMatchObject({ code: "CONNECT_FAILED", message: expect.stringContaining(dir) });
  });

  it.skipIf(!existsSync(DIST))(
    "keeps the process alive while a write is outstanding or it closes, and not once it is idle",
    async () => {
      dir = mkdtempSync(join(tmpdir(), "coreflux-history-thread-"));
      // Never closed: the write started last must still be committed before the process ends,
      // and the process must end on its own after it (an idle thread holds nothing up).
      const script = `
        import { openHistory } from ${JSON.stringify(DIST)};
        const store = await openHistory({ url: ${JSON.stringify(`sqlite:${join(dir, "h.db")}`)},
          company: "Coreflux", periodMinutes: 15, timeZone: "Europe/Lisbon" });
        const rows = [];
        for (let d = 0; d < 20000; d++) rows.push({ path: "O/R/P" + d, periodStartMs: ${T},
          energyMwh: 1, returnedEnergyMwh: 0, energyDeltaMwh: 1, returnedEnergyDeltaMwh: 0,
          additive: false });
        store.write({ seq: 1, rows }).then((ok) => console.log("written " + ok));
      `;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--input-type=module", "-e", script],
        { timeout: 20_000 },
      );
      expect(stdout.trim()).toBe("written true");
      // Closed: the process waits for the thread to end, then ends (exit code 0).
      const closing = `
        import { openHistory } from ${JSON.stringify(DIST)};
        const store = await openHistory({ url: ${JSON.stringify(`sqlite:${join(dir, "h.db")}`)},
          company: "Coreflux", periodMinutes: 15, timeZone: "Europe/Lisbon" });
        console.log("seq " + (await store.lastBatchSeq()));
        await store.close();
        console.log("closed");
      `;
      const closed = await promisify(execFile)(
        process.execPath,
        ["--input-type=module", "-e", closing],
        { timeout: 20_000 },
      );
      expect(closed.stdout.trim().split("\n")).toEqual(["seq 1", "closed"]);
    },
  );
});
