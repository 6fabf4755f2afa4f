/**
 * The history's part of a state write at a large fleet's size, in a process of its own, as the
 * state writer's thread does it: `pnpm --filter @coreflux/aggregator bench:state-write`. A
 * ledger of every node in two one-minute periods and a batch of a row per node, packed as the
 * publish cycle hands them over, written to a state file `--writes` times. `--history objects`
 * unpacks the state into objects first and writes those, rows as objects (version 1 of the
 * state file, the way before `PackedHistoryJson`); `--history arrays` writes from the packed
 * arrays, rows as arrays (version 2). Reports each write's time, the time in garbage
 * collection, its longest pause, the file's size and the memory.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { HistoryStateFile } from "../src/history/history-file";
import { PackedHistoryJson } from "../src/history/packed-history-json";
import {
  BufferPool,
  type PackedHistoryState,
  PathTable,
  packBatch,
  unpackHistoryState,
} from "../src/history/packed-state";
import { PeriodLedger } from "../src/history/period-ledger";
import { writeState } from "../src/state-store";
import { benchArg, devicePaths, watchGc } from "./bench-support";

const mode = benchArg("history", "arrays");
const devices = Number(benchArg("devices", "100000"));
const writes = Number(benchArg("writes", "8"));

const M = 60_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0);
const table = new PathTable();
const ledger = new PeriodLedger(M, T0 - M, undefined, table);
const states = { online: 1, stale: 0, offline: 0 };
for (let minute = 0; minute < 2; minute++) {
  for (let d = 0; d < devices; d++) {
    const path = devicePaths(d);
    ledger.credit(path, T0 + minute * M, 3 + d, d % 5);
    ledger.observe(path[0]!, T0 + minute * M + 1000, (d % 700) + 0.5, states, d);
  }
}
const batch = ledger.cut(T0 + 2 * M)!;
const packed: PackedHistoryState = {
  packed: true,
  paths: table.paths,
  pathsFrom: 0,
  ledger: ledger.pack(new BufferPool()),
  queue: [packBatch(batch, table)],
  spilledThroughSeq: 0,
};

const gcWatch = watchGc();

const dir = mkdtempSync(join(tmpdir(), "coreflux-bench-state-"));
const path = join(dir, "state.json");
const writesMs: number[] = [];
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);
try {
  for (let w = 0; w < writes; w++) {
    const startedMs = performance.now();
    const history =
      mode === "objects"
        ? // Version 1's history, rows as objects: not a type this release writes.
          (unpackHistoryState(packed) as unknown as HistoryStateFile)
        : new PackedHistoryJson(packed);
    await writeState(path, {
      format: "coreflux.aggregator.state",
      version: mode === "objects" ? 1 : 2,
      savedAtMs: T0,
      company: "Bench",
      engine: {},
      history,
    });
    writesMs.push(performance.now() - startedMs);
  }
} finally {
  clearInterval(sampler);
}
const bytes = statSync(path).size;
rmSync(dir, { recursive: true, force: true });
const gc = await gcWatch.stop();
const sorted = [...writesMs].sort((a, b) => a - b);
const round = (x: number) => Math.round(x * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    benchmark: "history-state-write",
    history: mode,
    devices,
    ledgerEntries: packed.ledger.path.length,
    batchRows: batch.size,
    stateBytes: bytes,
    writes,
    writeMs: {
      min: round(sorted[0]!),
      median: round(sorted[sorted.length >> 1]!),
      max: round(sorted.at(-1)!),
    },
    gc: { ms: Math.round(gc.ms), count: gc.count, maxMs: round(gc.maxMs) },
    peakRssMB: Math.round(peakRss / 1e6),
  })}\n`,
);
