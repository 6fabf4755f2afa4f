#!/usr/bin/env node
// What the aggregator's main thread ran during each stall of its event loop: a CPU profile of a
// paced run joined with the stalls that run recorded.
//   node bench/e2e.mjs --devices 100000 --paced 40 --speed 0.25 [--history 1] \
//     --aggregator-node-args "--cpu-prof --cpu-prof-dir=<dir> --cpu-prof-interval=250" \
//     --stalls-out <stalls.json>
//   node bench/stall-profile.mjs <dir>/CPU.<...>.0.001.cpuprofile <stalls.json> \
//     [--from <s>] [--to <s>] [--top <n>]
// The main thread's profile is the one whose name has thread 0 (`.0.001`); the others are the
// state writer's and the SQLite history's threads. --from/--to keep the stalls that began in
// that window, in seconds from the simulator's start (the steady window of bench/report.mjs is
// 40 to 152 at the stall section's pace). For each stall: its length, what bench/loop-stalls.cjs
// measured (running, waiting for a CPU, in GC), the profile's busy time in it, and where that
// went, by the first frames below the profile's root (what the event loop was running: a timer,
// an immediate, a socket read, GC) and by function (self time). The profiler's sampling costs
// the process some CPU: compare stalls within such runs, not with runs without it.
import { readFileSync } from "node:fs";

const [profileFile, stallsFile, ...rest] = process.argv.slice(2);
if (profileFile === undefined || stallsFile === undefined) {
  console.error(
    "usage: stall-profile.mjs <main thread .cpuprofile> <stalls.json> [--from s] [--to s] [--top n]",
  );
  process.exit(2);
}
const option = (name, fallback) => {
  const at = rest.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(rest[at + 1]);
};
const fromS = option("from", Number.NEGATIVE_INFINITY);
const toS = option("to", Number.POSITIVE_INFINITY);
const top = option("top", 8);

const profile = JSON.parse(readFileSync(profileFile, "utf8"));
const { streamStartEpochMs, stalls } = JSON.parse(readFileSync(stallsFile, "utf8"));
if (stalls.length > 0 && stalls[0].fromMonoUs === undefined) {
  console.error(
    "these stalls have no monotonic bounds (recorded before bench/loop-stalls.cjs wrote them)",
  );
  process.exit(2);
}

const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
/** Each sample's time, µs on the monotonic clock. */
const sampleUs = [];
let t = profile.startTime;
for (const delta of profile.timeDeltas) {
  t += delta;
  sampleUs.push(t);
}

const IDLE = new Set(["(idle)", "(program)"]);
const where = (n) => {
  const file = n.callFrame.url.split("/").at(-1);
  return `${n.callFrame.functionName || "(anonymous)"}${file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ""}`;
};
/** The first `depth` frames below the root of a sample's stack, joined. */
const entryOf = (id, depth = 5) => {
  const chain = [];
  for (let at = id; at !== undefined; at = parentOf.get(at)) chain.push(at);
  return chain
    .reverse()
    .slice(1, 1 + depth)
    .map((at) => nodeById.get(at).callFrame.functionName || "(anonymous)")
    .join(" > ");
};
const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
const largest = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, ms]) => `    ${ms.toFixed(1).padStart(6)} ms  ${key}`)
    .join("\n");

/** Index of the first sample at or after `us` (the samples are in time order). */
const firstSampleAt = (us) => {
  let lo = 0;
  let hi = sampleUs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sampleUs[mid] < us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

let shown = 0;
for (const stall of stalls) {
  const beganS = (stall.atMs - stall.stallMs - streamStartEpochMs) / 1000;
  if (beganS < fromS || beganS > toS) continue;
  const entries = new Map();
  const functions = new Map();
  let busyMs = 0;
  for (
    let i = firstSampleAt(stall.fromMonoUs);
    i < sampleUs.length && sampleUs[i] <= stall.toMonoUs;
    i++
  ) {
    const node = nodeById.get(profile.samples[i]);
    if (IDLE.has(node.callFrame.functionName)) continue;
    // A sample stands for the time until the next one.
    const ms = ((sampleUs[i + 1] ?? sampleUs[i]) - sampleUs[i]) / 1000;
    busyMs += ms;
    add(functions, where(node), ms);
    add(entries, entryOf(profile.samples[i]), ms);
  }
  shown++;
  console.log(
    `\n${stall.stallMs} ms stall at ${beganS.toFixed(1)} s (running ${stall.runMs}, waiting ${stall.waitMs}, GC ${stall.gcMs ?? "?"} ms); busy in the profile ${busyMs.toFixed(1)} ms`,
  );
  console.log(`  by entry:\n${largest(entries)}\n  by function (self):\n${largest(functions)}`);
}
if (shown === 0) console.log("no stall in that window");
