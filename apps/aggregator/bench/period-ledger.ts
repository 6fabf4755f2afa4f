/**
 * The history's period ledger at a large fleet's size, in a process of its own: `pnpm --filter
 * @coreflux/aggregator bench:ledger`. Each one-minute period runs six 10-second publish cycles:
 * every node observed in the period's first cycle (20,000 in the others), every device credited
 * once a second (a tenth of them per take), the changed rows cut 10,000 at a time (the columns:
 * and at most 8 ms a cut, then the drop of the oldest period at a new one in 8 ms steps, as the
 * service cuts ahead), then the capture's cut and the packing of the ledger for a state. Each of those is a turn of the event
 * loop; the report gives the turns' durations (and, after the first two minutes of growth, by kind),
 * the time in garbage collection and the memory.
 * `--ledger objects` runs the object ledger the columns replaced (kept as the tests' oracle).
 */
import { performance } from "node:perf_hooks";
import { BufferPool, PathTable } from "../src/history/packed-state";
import { PeriodLedger } from "../src/history/period-ledger";
import { ObjectPeriodLedger } from "../test/period-ledger-objects";
import { benchArg, devicePaths, watchGc } from "./bench-support";

const which = benchArg("ledger", "columns");
const devices = Number(benchArg("devices", "100000"));
const minutes = Number(benchArg("minutes", "12"));

const M = 60_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0);
/** Each device's paths, its own first, up to the company. */
const fleetPaths: string[][] = [];
for (let d = 0; d < devices; d++) fleetPaths.push(devicePaths(d));
const nodes = [...new Set(fleetPaths.flat())];

const gcWatch = watchGc();

const ledger =
  which === "objects"
    ? new ObjectPeriodLedger(M, T0 - M, undefined, new PathTable())
    : new PeriodLedger(M, T0 - M, undefined, new PathTable());
const states = { online: 1, stale: 0, offline: 0 };
const turnsMs: number[] = [];
/** Turns of each kind after the first two minutes (the ledger's growth), ms. */
const byKindMs: Record<string, number[]> = {};
let warm = false;
/** Runs `work` as a turn of its own (the loop turns in between, as in the service). */
async function turn(kind: string, work: () => void): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  const startedMs = performance.now();
  work();
  const ms = performance.now() - startedMs;
  turnsMs.push(ms);
  if (warm) {
    byKindMs[kind] ??= [];
    byKindMs[kind].push(ms);
  }
}

const startedMs = performance.now();
for (let minute = 0; minute < minutes; minute++) {
  warm = minute >= 2;
  const slotMs = T0 + minute * M;
  for (let second = 0; second < 60; second += 10) {
    const nowMs = slotMs + second * 1000;
    const observed = second === 0 ? nodes.length : Math.min(20_000, nodes.length);
    for (let from = 0; from < observed; from += 10_000) {
      await turn("observe", () => {
        for (let k = from; k < Math.min(observed, from + 10_000); k++) {
          ledger.observe(nodes[k]!, nowMs, (k % 700) + 0.5, states, k);
        }
      });
    }
    for (let take = 0; take < 10; take++) {
      await turn("credit", () => {
        for (let d = take; d < devices; d += 10) ledger.credit(fleetPaths[d]!, slotMs, 3, 0, d);
      });
    }
    if (ledger instanceof PeriodLedger) {
      // As the service cuts ahead: slices of at most 10,000 rows and 8 ms, then the drop of
      // the oldest period (at a new one) in steps of 8 ms.
      while (ledger.changedRows > 0 || ledger.floorDue(nowMs))
        await turn("cut slice", () => ledger.cut(nowMs, new BufferPool(), 10_000, 8));
      while (ledger.dropping) await turn("drop step", () => ledger.dropStep(8));
    } else {
      while (ledger.changedRows > 10_000)
        await turn("cut slice", () => ledger.cut(nowMs, new BufferPool(), 10_000));
      await turn(second === 0 ? "last cut, new period" : "last cut", () =>
        ledger.cut(nowMs, new BufferPool()),
      );
    }
    await turn("pack", () => ledger.pack(new BufferPool()));
  }
}
const totalMs = performance.now() - startedMs;
const gc = await gcWatch.stop();
const sorted = [...turnsMs].sort((a, b) => a - b);
/** The `q` quantile of sorted durations, rounded to 0.1 ms. */
const quantile = (values: number[], q: number) =>
  Math.round(values[Math.floor((values.length - 1) * q)]! * 10) / 10;
const at = (q: number) => quantile(sorted, q);
const kinds = Object.fromEntries(
  Object.entries(byKindMs).map(([kind, ms]) => {
    const kindSorted = [...ms].sort((a, b) => a - b);
    const stats = { p50: quantile(kindSorted, 0.5), max: quantile(kindSorted, 1) };
    return [kind, stats];
  }),
);
const memory = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    benchmark: "period-ledger",
    ledger: which,
    devices,
    nodes: nodes.length,
    minutes,
    turns: turnsMs.length,
    totalMs: Math.round(totalMs),
    turnMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
    afterTwoMinutesMs: kinds,
    gc: { ms: Math.round(gc.ms), count: gc.count, maxMs: Math.round(gc.maxMs * 10) / 10 },
    heapUsedMB: Math.round(memory.heapUsed / 1e6),
    rssMB: Math.round(memory.rss / 1e6),
  })}\n`,
);
