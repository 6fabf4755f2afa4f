// Loaded into the aggregator by bench/e2e.mjs (`node --require`) in paced runs: records every
// stall of its event loop longer than 20 ms, with how much of it the thread spent running
// (its own work, GC included) and waiting for a CPU (the machine busy with the simulator, the
// broker and, when it runs, mosquitto_sub), from the kernel's per-thread schedstat, and how much
// of it this thread's garbage collections took (V8's `gc` performance entries overlapping the
// stall: what no change to the service's own code can shorten, except by allocating less).
// Written on exit to `loop-stalls.json` beside the aggregator's --config file. Linux only
// (elsewhere: no file). Each stall also carries its bounds on the monotonic clock of V8's CPU
// profiles (`fromMonoUs`, `toMonoUs`), so that bench/stall-profile.mjs can say what the thread
// ran during it from a `--cpu-prof` profile of the same run.
"use strict";
const { isMainThread } = require("node:worker_threads");
const { openSync, readSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { PerformanceObserver } = require("node:perf_hooks");

const TICK_MS = 5;
const STALL_MS = 20;

function start() {
  const configAt = process.argv.indexOf("--config");
  if (configAt === -1) return;
  const out = join(dirname(process.argv[configAt + 1]), "loop-stalls.json");
  let fd;
  try {
    fd = openSync("/proc/thread-self/schedstat", "r");
  } catch {
    return;
  }
  const buffer = Buffer.alloc(128);
  /** [ns on a CPU, ns waiting for one] of this thread so far. */
  const sched = () => {
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const [run, wait] = buffer.toString("latin1", 0, n).split(" ");
    return [Number(run), Number(wait)];
  };
  const stalls = [];
  // Garbage collections of this thread as [start, end] pairs, ms on performance.now()'s clock.
  const gcs = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      gcs.push(entry.startTime, entry.startTime + entry.duration);
  }).observe({ entryTypes: ["gc"] });
  /** The time garbage collections took within [fromMs, toMs], ms (performance.now() clock). */
  const gcWithin = (fromMs, toMs) => {
    let total = 0;
    for (let i = 0; i < gcs.length; i += 2) {
      const overlap = Math.min(toMs, gcs[i + 1]) - Math.max(fromMs, gcs[i]);
      if (overlap > 0) total += overlap;
    }
    return Math.round(total * 10) / 10;
  };
  let stopped = false;
  let last = performance.now();
  let [lastRun, lastWait] = sched();
  setInterval(() => {
    const now = performance.now();
    const [run, wait] = sched();
    const stallMs = now - last - TICK_MS;
    if (stallMs > STALL_MS && !stopped) {
      stalls.push({
        fromMs: last,
        toMs: now,
        atMs: Math.round(performance.timeOrigin + now),
        stallMs: Math.round(stallMs * 10) / 10,
        runMs: Math.round((run - lastRun) / 1e5) / 10,
        waitMs: Math.round((wait - lastWait) / 1e5) / 10,
      });
    }
    last = now;
    lastRun = run;
    lastWait = wait;
  }, TICK_MS).unref();
  // The stop's final state write is not part of the run.
  process.on("SIGTERM", () => {
    stopped = true;
  });
  // GC entries arrive after the turn they happened in: joined with the stalls at the end.
  process.on("exit", () => {
    // performance.now() counts from the process's start on the monotonic clock (µs here).
    const monoOffsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
    const joined = stalls.map(({ fromMs, toMs, ...stall }) => ({
      ...stall,
      fromMonoUs: Math.round(monoOffsetUs + fromMs * 1000),
      toMonoUs: Math.round(monoOffsetUs + toMs * 1000),
      gcMs: gcWithin(fromMs, toMs),
    }));
    writeFileSync(out, JSON.stringify(joined));
  });
}

if (isMainThread) start();
